/**
 * Convoy's function name for the `path` of a Convex request: Convex's `messages:list`,
 * `dir/file:fn` and `messages` (the default export) are already Convoy names; Convex also
 * accepts the module with its `.js` extension (`messages.js:list`), which is dropped.
 *
 * @example
 * convoyNameFromConvexPath("dir/file.js:fn"); // "dir/file:fn"
 */
export function convoyNameFromConvexPath(path: string): string {
  const colon = path.indexOf(":");
  const modulePath = colon === -1 ? path : path.slice(0, colon);
  const exportPart = colon === -1 ? "" : path.slice(colon);
  return `${modulePath.endsWith(".js") ? modulePath.slice(0, -3) : modulePath}${exportPart}`;
}

/**
 * Convoy's function name for the path of `POST /api/run/<path>`, where Convex writes the
 * export as the last segment: `messages/list` is `messages:list`, `dir/file/fn` is `dir/file:fn`.
 *
 * @example
 * convoyNameFromRunPath("dir/file/fn"); // "dir/file:fn"
 */
export function convoyNameFromRunPath(path: string): string {
  const slash = path.lastIndexOf("/");
  if (slash === -1) return path;
  return convoyNameFromConvexPath(`${path.slice(0, slash)}:${path.slice(slash + 1)}`);
}
