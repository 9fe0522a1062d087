import { isPlainObject } from "../../values/validation-issue.js";
import type { Value } from "../../values/value.js";

/*
 * Convex's query journal, as Convoy uses it: the end cursor a paginated query's page is pinned
 * to. The first run of a query whose `paginationOpts` has no `endCursor` decides where its page
 * ends (`continueCursor`); from then on the query runs with that `endCursor`, so the page keeps
 * its end while rows are inserted or deleted, and the next page (which starts at that cursor)
 * neither repeats nor skips a row. The client keeps the journal and sends it back when it
 * re-adds the query after a reconnect.
 */

function paginationOptsOf(args: Record<string, Value>): Record<string, Value> | undefined {
  const opts = args.paginationOpts;
  return isPlainObject(opts) && typeof opts.numItems === "number" ? (opts as Record<string, Value>) : undefined;
}

/** Whether `args` ask for a page whose end is not pinned yet. */
export function isUnpinnedPage(args: Record<string, Value>): boolean {
  const opts = paginationOptsOf(args);
  return opts !== undefined && (opts.endCursor === undefined || opts.endCursor === null);
}

/** The journal pinning a page at the `continueCursor` of its result's wire text (`"value":{…}`), or `null`. */
export function journalOfResult(text: string): string | null {
  if (!text.startsWith('"value":')) return null;
  const value = JSON.parse(text.slice('"value":'.length)) as unknown;
  return isPlainObject(value) && typeof value.continueCursor === "string" ? JSON.stringify({ endCursor: value.continueCursor }) : null;
}

/** `args` with the journal's end cursor as `paginationOpts.endCursor` (unchanged without one, or for another kind of query). */
export function argsWithJournal(args: Record<string, Value>, journal: string | null): Record<string, Value> {
  if (journal === null || !isUnpinnedPage(args)) return args;
  let endCursor: unknown;
  try {
    endCursor = (JSON.parse(journal) as { endCursor?: unknown }).endCursor;
  } catch {
    return args;
  }
  if (typeof endCursor !== "string") return args;
  return { ...args, paginationOpts: { ...paginationOptsOf(args), endCursor } };
}
