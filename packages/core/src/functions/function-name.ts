import { FrameworkError } from "../errors/framework-error.js";

const SOURCE_EXTENSION = /\.(?:[cm]?[jt]s|[jt]sx)$/;

/**
 * The module path a module key names (`"./admin/users.ts"` → `"admin/users"`), or `null`
 * when the file is not a functions module: a file or folder starting with `_` or `.`, a file
 * whose name holds another dot (`auth.config.ts`, `x.test.ts`, `api.d.ts`), or a file that is
 * not JavaScript/TypeScript. Keys are relative to the functions directory; `prefix` is removed
 * first when given.
 *
 * @example
 * modulePathFromKey("./admin/users.ts"); // "admin/users"
 * modulePathFromKey("./_generated/api.js"); // null
 * modulePathFromKey("messages");          // "messages"
 */
export function modulePathFromKey(key: string, prefix = ""): string | null {
  let path = key.replaceAll("\\", "/");
  if (prefix !== "") {
    if (!path.startsWith(prefix)) return null;
    path = path.slice(prefix.length);
  }
  while (path.startsWith("./")) path = path.slice(2);
  while (path.startsWith("/")) path = path.slice(1);
  const hasExtension = /\.[A-Za-z0-9]+$/.test(path.slice(path.lastIndexOf("/") + 1));
  if (hasExtension) {
    if (!SOURCE_EXTENSION.test(path)) return null;
    path = path.replace(SOURCE_EXTENSION, "");
  }
  const segments = path.split("/");
  if (segments.some((segment) => segment === "" || segment.startsWith("_") || segment.startsWith("."))) return null;
  if (segments[segments.length - 1]!.includes(".")) return null;
  return path;
}

/**
 * A function name in its canonical form `"module/path:export"`: a name without `:` means the
 * module's default export, and a source extension on the module is dropped.
 *
 * @example
 * normalizeFunctionName("messages");         // "messages:default"
 * normalizeFunctionName("admin/users.js:list"); // "admin/users:list"
 */
export function normalizeFunctionName(name: string): string {
  if (typeof name !== "string" || name === "") throw new FrameworkError("NOT_FOUND", "a function name is required");
  const colon = name.lastIndexOf(":");
  const modulePath = colon === -1 ? name : name.slice(0, colon);
  const exportName = colon === -1 ? "default" : name.slice(colon + 1);
  return `${modulePath.replace(SOURCE_EXTENSION, "")}:${exportName}`;
}

/**
 * The part of module keys before the functions directory: what comes before `_generated/`
 * when the keys include generated files (e.g. `"/convoy/"` for `import.meta.glob("/convoy/**")`),
 * else `""`.
 *
 * @example
 * moduleKeyPrefix(["/convoy/messages.ts", "/convoy/_generated/api.ts"]); // "/convoy/"
 */
export function moduleKeyPrefix(keys: readonly string[]): string {
  for (const key of keys) {
    const normalized = key.replaceAll("\\", "/");
    const match = /(^|\/)_generated\//.exec(normalized);
    if (match !== null) return normalized.slice(0, match.index + match[1]!.length);
  }
  return "";
}
