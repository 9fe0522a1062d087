import { createHash, randomBytes } from "node:crypto";

/** Crockford-style base32, lowercase, in ASCII order so string order equals byte order. */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const ID_LENGTH = 26;
const ID_PATTERN = /^[0-9a-hjkmnp-tv-z]{26}$/;

/**
 * The 3-byte tag that makes an id name its table without a lookup: the first bytes of the
 * SHA-256 of the table name. `defineSchema` rejects the (astronomically unlikely) schema in
 * which two tables share a tag.
 */
export function tableTag(tableName: string): number {
  let tag = tagCache.get(tableName);
  if (tag === undefined) {
    const digest = createHash("sha256").update(tableName).digest();
    tag = (digest[0]! << 16) | (digest[1]! << 8) | digest[2]!;
    tagCache.set(tableName, tag);
  }
  return tag;
}

const tagCache = new Map<string, number>();

let lastMs = 0;
let lastCounter = 0n;
const COUNTER_MAX = (1n << 56n) - 1n;

/**
 * A new document id: 128 bits = 48-bit ms timestamp, 56-bit counter (random at each new
 * millisecond, incremented within one), 24-bit table tag; 26 base32 characters, URL-safe.
 * Ids from many servers never need coordination, and sort roughly by creation time.
 */
export function newId(tableName: string, now = Date.now()): string {
  let ms = now;
  if (ms <= lastMs) {
    ms = lastMs;
    lastCounter = lastCounter < COUNTER_MAX ? lastCounter + 1n : 0n;
    if (lastCounter === 0n) ms = ++lastMs;
  } else {
    lastMs = ms;
    lastCounter = randomBytes(8).readBigUInt64BE(0) >> 9n; // 55 random bits: room to count up within 56
  }
  const bits = (BigInt(ms) << 80n) | (lastCounter << 24n) | BigInt(tableTag(tableName));
  return encodeBase32(bits);
}

function encodeBase32(bits: bigint): string {
  let out = "";
  for (let i = ID_LENGTH - 1; i >= 0; i--) out += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)]!;
  return out;
}

function decodeBase32(id: string): bigint {
  let bits = 0n;
  for (const char of id) bits = (bits << 5n) | BigInt(ALPHABET.indexOf(char));
  return bits;
}

/** Whether a string is well-formed as an id (of any table). */
export function isIdFormat(id: string): boolean {
  return ID_PATTERN.test(id) && id.charCodeAt(0) <= 0x37; // 128 bits: the first char carries 3 bits
}

/** The table tag inside an id, or `null` if the string is not an id. */
export function tagOfId(id: string): number | null {
  if (!isIdFormat(id)) return null;
  return Number(decodeBase32(id) & 0xffffffn);
}

/** Whether `id` is an id of `tableName`. */
export function isIdOfTable(id: string, tableName: string): boolean {
  return tagOfId(id) === tableTag(tableName);
}

let lastCreationTime = 0;

/** A strictly increasing `_creationTime` (ms since epoch, fractional within one ms) for this process. */
export function newCreationTime(now = Date.now()): number {
  lastCreationTime = now > lastCreationTime ? now : lastCreationTime + 1 / 1024;
  return lastCreationTime;
}
