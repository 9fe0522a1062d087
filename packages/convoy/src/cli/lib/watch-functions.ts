import { watch } from "chokidar";
import { GENERATED_DIR } from "../../codegen/index.js";

/**
 * Calls `onChange` (debounced) whenever a file in the functions dir changes, ignoring
 * `_generated/` (which the reload itself writes). Returns a function that stops watching.
 */
export function watchFunctions(functionsDir: string, onChange: () => void, debounceMs = 40): () => Promise<void> {
  const watcher = watch(functionsDir, {
    ignoreInitial: true,
    ignored: (path) => path.includes(`/${GENERATED_DIR}/`) || path.endsWith(`/${GENERATED_DIR}`) || /\/(node_modules|\.convoy)\//.test(path),
  });
  let timer: NodeJS.Timeout | undefined;
  watcher.on("all", () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  });
  return async () => {
    clearTimeout(timer);
    await watcher.close();
  };
}
