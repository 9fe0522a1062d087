import { randomBytes } from "node:crypto";
import { ID_ALPHABET, ID_LENGTH, tableTag } from "../values/id-format.js";

export { isIdFormat, isIdOfTable, tableTag, tagOfId } from "../values/id-format.js";

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
  return composeId(ms, lastCounter, tableName);
}

/**
 * The id made of a millisecond timestamp (48 bits), a counter (56 bits) and the table's tag:
 * the layout of {@link newId}, for ids derived from something else (a snapshot's import).
 */
export function composeId(ms: number, counter: bigint, tableName: string): string {
  const bits = ((BigInt(Math.max(0, Math.floor(ms))) & ((1n << 48n) - 1n)) << 80n) | ((counter & COUNTER_MAX) << 24n) | BigInt(tableTag(tableName));
  return encodeBase32(bits);
}

function encodeBase32(bits: bigint): string {
  let out = "";
  for (let i = ID_LENGTH - 1; i >= 0; i--) out += ID_ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)]!;
  return out;
}

let lastCreationTime = 0;

/** A strictly increasing `_creationTime` (ms since epoch, fractional within one ms) for this process. */
export function newCreationTime(now = Date.now()): number {
  lastCreationTime = now > lastCreationTime ? now : lastCreationTime + 1 / 1024;
  return lastCreationTime;
}
