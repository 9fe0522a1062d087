import { randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isConvoyError } from "../../values/convoy-error.js";
import { encodeValue } from "../../values/encoding.js";
import type { AppHost } from "./app-host.js";
import type { DevServerAddress } from "./embedded-lock.js";
import { parseJsonArgs } from "./parse-json-args.js";
import { parseIdentityClaims, runFunctionByName } from "./run-function.js";

/** What `POST /run` answers: the encoded value, or the error as `convoy run` prints it. */
export type AdminRunReply = { ok: true; value: unknown } | { ok: false; error: { code?: string; message: string; data?: unknown } };

/** A running admin endpoint: its address (for the lock file) and how to stop it. */
export interface AdminServer {
  address: DevServerAddress;
  close(): Promise<void>;
}

/**
 * `convoy dev`'s admin endpoint, so `convoy run` works while dev holds the embedded database:
 * `POST /run` with `{ name, args, identity? }` (args in the wire encoding, identity as `--identity`) runs any function, internal ones
 * too. It listens on 127.0.0.1 only, on its own port, and requires the per-process secret
 * that only the lock file (mode 0600) records.
 */
export async function startAdminServer(host: AppHost): Promise<AdminServer> {
  const secret = randomBytes(24).toString("hex");
  const expected = Buffer.from(`Bearer ${secret}`);
  const server = createServer((request, response) => {
    void handle(host, expected, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  server.unref();
  return {
    address: { adminPort: (server.address() as AddressInfo).port, secret },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function handle(host: AppHost, expected: Buffer, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const reply = (status: number, body: AdminRunReply) => {
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const given = Buffer.from(request.headers.authorization ?? "");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    reply(401, { ok: false, error: { message: "unauthorized" } });
    return;
  }
  if (request.method !== "POST" || request.url !== "/run") {
    reply(404, { ok: false, error: { message: "not found" } });
    return;
  }
  let text = "";
  for await (const chunk of request) text += String(chunk);
  try {
    const { name, args, identity } = JSON.parse(text) as { name: string; args: string; identity?: string };
    const value = await runFunctionByName(host, name, parseJsonArgs(args), parseIdentityClaims(identity));
    reply(200, { ok: true, value: encodeValue(value) });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const data = (error as { data?: unknown }).data;
    reply(200, {
      ok: false,
      error: {
        message: error instanceof Error ? error.message : String(error),
        ...(typeof code === "string" ? { code } : {}),
        ...(data === undefined || isConvoyError(error) ? {} : { data: encodeMaybe(data) }),
      },
    });
  }
}

function encodeMaybe(data: unknown): unknown {
  try {
    return encodeValue(data as never);
  } catch {
    return String(data);
  }
}

/** Sends `convoy run`'s call to the dev server at `address`; throws the remote error as a local one. */
export async function runOnDevServer(address: DevServerAddress, name: string, argsText: string, identityText?: string): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${address.adminPort}/run`, {
    method: "POST",
    headers: { authorization: `Bearer ${address.secret}`, "content-type": "application/json" },
    body: JSON.stringify({ name, args: argsText, ...(identityText === undefined ? {} : { identity: identityText }) }),
  });
  const reply = (await response.json()) as AdminRunReply;
  if (reply.ok) return reply.value;
  throw Object.assign(new Error(reply.error.message), reply.error.code === undefined ? {} : { code: reply.error.code }, reply.error.data === undefined ? {} : { data: reply.error.data });
}
