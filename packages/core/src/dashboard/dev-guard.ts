import { FrameworkError } from "../errors/framework-error.js";
import type { CoreRequest } from "../http/core-types.js";

const LOOPBACK_ADDRESSES = new Set(["127.0.0.1", "::1", "::ffff:127.0.0.1"]);
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** `"localhost:3700"` → `"localhost"`; `"[::1]:3700"` → `"[::1]"`. */
function hostName(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith("[")) return trimmed.slice(0, trimmed.indexOf("]") + 1);
  const colon = trimmed.lastIndexOf(":");
  return colon === -1 ? trimmed : trimmed.slice(0, colon);
}

/**
 * The dashboard's API reads every document and runs internal functions: only a browser on
 * this machine, on a page of this server, may use it. Refuses (`FORBIDDEN`) a client that is
 * not on a loopback address, a `Host` that is not a loopback name (DNS rebinding), and a
 * request whose `Origin` is another site (a page elsewhere posting to localhost).
 */
export function checkDevRequest(request: CoreRequest): void {
  if (request.remoteAddress === undefined || !LOOPBACK_ADDRESSES.has(request.remoteAddress)) {
    throw new FrameworkError("FORBIDDEN", "the dev dashboard answers only on this machine (a loopback address)");
  }
  const host = request.header("host");
  if (host === undefined || !LOOPBACK_HOSTS.has(hostName(host))) {
    throw new FrameworkError("FORBIDDEN", "the dev dashboard answers only to localhost, 127.0.0.1 or [::1]");
  }
  const origin = request.header("origin");
  if (origin !== undefined && origin.toLowerCase() !== `http://${host.trim().toLowerCase()}`) {
    throw new FrameworkError("FORBIDDEN", "the dev dashboard's API answers only its own pages");
  }
}
