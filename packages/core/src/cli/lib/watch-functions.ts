import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { watch } from "chokidar";
import { GENERATED_DIR } from "../../codegen/index.js";

const IGNORED = (path: string) => path.includes(`/${GENERATED_DIR}/`) || path.endsWith(`/${GENERATED_DIR}`) || /\/(node_modules|\.convoy)(\/|$)/.test(path);

/** Paths, sizes and modification times of the functions dir's files: changes when any file does. */
async function fingerprint(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const parts: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (IGNORED(path)) continue;
    const info = await stat(path).catch(() => null);
    if (info !== null) parts.push(`${path}:${info.size}:${info.mtimeMs}`);
  }
  return parts.sort().join("\n");
}

/**
 * Calls `onChange` (debounced) whenever a file in the functions dir changes, ignoring
 * `_generated/` (which the reload itself writes). File-system events can be coalesced or lost
 * (two saves within the same timestamp tick); a cheap fingerprint of sizes and mtimes, checked
 * every `pollMs`, catches what the watcher missed. Resolves, once watching, with a function that stops it.
 */
export async function watchFunctions(functionsDir: string, onChange: () => void, debounceMs = 40, pollMs = 500): Promise<() => Promise<void>> {
  let timer: NodeJS.Timeout | undefined;
  // taken before returning, so a save right after the caller says "ready" is a change
  let seen: Promise<string> = Promise.resolve(await fingerprint(functionsDir));
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      seen = fingerprint(functionsDir);
      onChange();
    }, debounceMs);
  };
  const watcher = watch(functionsDir, { ignoreInitial: true, ignored: IGNORED });
  watcher.on("all", changed);
  await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  const poll = setInterval(() => {
    void Promise.all([seen, fingerprint(functionsDir)]).then(([before, now]) => {
      if (now !== before) changed();
    });
  }, pollMs);
  poll.unref();
  return async () => {
    clearTimeout(timer);
    clearInterval(poll);
    await watcher.close();
  };
}
