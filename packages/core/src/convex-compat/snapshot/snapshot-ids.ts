import { createHash } from "node:crypto";
import { composeId, isIdOfTable } from "../../storage/ids.js";

/**
 * The Convoy id a document of a snapshot gets. Convoy's ids name their table (a 3-byte tag,
 * storage/ids.ts), so an id of Convex's format cannot be used as it is. One that already is a
 * Convoy id of its table (a snapshot Convoy exported) is kept. Any other becomes the id of the
 * document's creation millisecond and 56 bits of the SHA-256 of its table and old id, with the
 * table's tag: the same snapshot always gives the same ids, and they sort by creation time
 * like ids Convoy makes.
 */
export function importedId(table: string, oldId: string, creationTime: number): string {
  if (isIdOfTable(oldId, table)) return oldId;
  const digest = createHash("sha256").update(table).update("\0").update(oldId).digest();
  return composeId(creationTime, digest.readBigUInt64BE(0) >> 8n, table);
}
