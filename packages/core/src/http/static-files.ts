import { readFile, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { contentTypeOf } from "./content-types.js";
import type { CoreResponse } from "./core-types.js";

async function realpathOrNull(path: string): Promise<string | null> {
  try {
    return await realpath(path);
  } catch {
    return null;
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The file a request path names inside `root`, or `null`. Never leaves `root`, even through symlinks. */
async function resolveFile(root: string, rawPath: string): Promise<string | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const segments = decoded.split("/").filter((segment) => segment !== "");
  // No `..`, and no dotfiles (`.env`, `.git/…`).
  if (segments.some((segment) => segment.startsWith("."))) return null;
  const realRoot = await realpathOrNull(root);
  if (realRoot === null) return null;
  const candidates: string[] = [];
  const direct = join(realRoot, ...segments);
  candidates.push(direct, join(direct, "index.html"));
  // A path without an extension is a client-side route: fall back to the app's index.html.
  const last = segments[segments.length - 1] ?? "";
  if (!last.includes(".")) candidates.push(join(realRoot, "index.html"));
  for (const candidate of candidates) {
    if (!(await isFile(candidate))) continue;
    const real = await realpathOrNull(candidate);
    if (real !== null && real.startsWith(realRoot + sep)) return real;
  }
  return null;
}

/**
 * Answer `GET`/`HEAD` of a static file under `root` (the playground's built files): the file
 * the path names, `index.html` for a directory, and `index.html` for extension-less paths
 * (client-side routes). Dotfiles, `..` and symlinks leading out of `root` are never served.
 * Resolves to `null` when there is no such file.
 *
 * @example
 * await serveStaticFile("/app/dist", "/assets/app.js"); // { status: 200, headers: { "Content-Type": "text/javascript; …" }, body }
 */
export async function serveStaticFile(root: string, rawPath: string): Promise<CoreResponse | null> {
  const file = await resolveFile(root, rawPath);
  if (file === null) return null;
  let body: Uint8Array;
  try {
    body = await readFile(file);
  } catch {
    return null;
  }
  return {
    status: 200,
    headers: {
      "Content-Type": contentTypeOf(file),
      "Cache-Control": "no-cache",
      "X-Content-Type-Options": "nosniff",
    },
    body,
  };
}
