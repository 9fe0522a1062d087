import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";

/** Crockford-style base32, lowercase, in ASCII order so string order equals byte order. */
export const ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
/** Characters in an id: 128 bits in base32. */
export const ID_LENGTH = 26;
const ID_PATTERN = /^[0-9a-hjkmnp-tv-z]{26}$/;

/**
 * The 3-byte tag that makes an id name its table without a lookup: the first bytes of the
 * SHA-256 of the table name. `defineSchema` rejects the (astronomically unlikely) schema in
 * which two tables share a tag. Browser-safe, so `v.id("t")` checks the table everywhere.
 */
export function tableTag(tableName: string): number {
  let tag = tagCache.get(tableName);
  if (tag === undefined) {
    const digest = sha256(utf8ToBytes(tableName));
    tag = (digest[0]! << 16) | (digest[1]! << 8) | digest[2]!;
    tagCache.set(tableName, tag);
  }
  return tag;
}

const tagCache = new Map<string, number>();

/** Whether a string is well-formed as an id (of any table). */
export function isIdFormat(id: string): boolean {
  return ID_PATTERN.test(id) && id.charCodeAt(0) <= 0x37; // 128 bits: the first char carries 3 bits
}

/** The table tag inside an id, or `null` if the string is not an id. */
export function tagOfId(id: string): number | null {
  if (!isIdFormat(id)) return null;
  // The tag is the low 24 bits: the last 5 characters carry 25 bits.
  let bits = 0;
  for (let i = ID_LENGTH - 5; i < ID_LENGTH; i++) bits = bits * 32 + ID_ALPHABET.indexOf(id[i]!);
  return bits % 0x1000000;
}

/** Whether `id` is an id of `tableName`. */
export function isIdOfTable(id: string, tableName: string): boolean {
  return tagOfId(id) === tableTag(tableName);
}
