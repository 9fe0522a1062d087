import { createHash } from "node:crypto";
import { qualified } from "../storage/sql/identifiers.js";

/** Advisory lock key: one sync (or dev "ensure") at a time per database. "conv". */
export const SYNC_LOCK_KEY = 0x636f6e76;

/** What Convoy records on each of its indexes (as the index's `COMMENT`), so sync knows what it was built from. */
export interface IndexComment {
  convoy: 1;
  table: string;
  index: string;
  fields: string[];
  definition: string;
}

const COMMENT_PREFIX = "convoy:";

/** `COMMENT ON INDEX` recording an index's definition. */
export function commentIndexSql(pgSchema: string, indexName: string, comment: IndexComment): string {
  const text = `${COMMENT_PREFIX}${JSON.stringify(comment)}`;
  return `COMMENT ON INDEX ${qualified(pgSchema, indexName)} IS '${text.replaceAll("'", "''")}'`;
}

/** Parses a recorded index comment; `null` when the comment is not Convoy's. */
export function parseIndexComment(text: string | null): IndexComment | null {
  if (text?.startsWith(COMMENT_PREFIX) !== true) return null;
  try {
    const parsed = JSON.parse(text.slice(COMMENT_PREFIX.length)) as Partial<IndexComment>;
    if (parsed.convoy !== 1 || typeof parsed.definition !== "string" || !Array.isArray(parsed.fields)) return null;
    return parsed as IndexComment;
  } catch {
    return null;
  }
}

/** Prefixes of the temporary names used while an index is replaced (build new, swap, drop old). */
export const NEW_INDEX_PREFIX = "convoy_new_";
export const OLD_INDEX_PREFIX = "convoy_old_";

/** The deterministic temporary name of an index being replaced (fits Postgres's 63 bytes). */
export function temporaryIndexName(prefix: string, table: string, index: string): string {
  return `${prefix}${createHash("sha256").update(`${table}\0${index}`).digest("hex").slice(0, 16)}`;
}
