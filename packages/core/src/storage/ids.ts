import { randomBytes } from "node:crypto";
import { ID_ALPHABET, tableTag } from "../values/id-format.js";

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
  const time = Math.max(0, Math.floor(ms)) % 2 ** 48;
  const count = counter & COUNTER_MAX;
  return encodeBase32(time, Number(count >> 32n), Number(count & 0xffffffffn), tableTag(tableName));
}

/**
 * The 128 bits `time (48) · counter (24 high, 32 low) · tag (24)` in base32, most significant
 * first (26 characters: 130 bits, the first two zero). In 32-bit words and doubles (exact below
 * 2^53) rather than BigInt, which allocates at every operation.
 */
function encodeBase32(time: number, counterHigh: number, counterLow: number, tag: number): string {
  const words = [
    Math.floor(time / 65536),
    (((time % 65536) << 16) | (counterHigh >>> 8)) >>> 0,
    (((counterHigh & 0xff) << 24) | (counterLow >>> 8)) >>> 0,
    (((counterLow & 0xff) << 24) | tag) >>> 0,
  ];
  let out = "";
  let acc = 0;
  let bits = 2;
  for (const word of words) {
    acc = acc * 2 ** 32 + word;
    bits += 32;
    while (bits >= 5) {
      bits -= 5;
      const unit = 2 ** bits;
      const digit = Math.floor(acc / unit);
      acc -= digit * unit;
      out += ID_ALPHABET[digit]!;
    }
  }
  return out;
}

let lastCreationTime = 0;

/** A strictly increasing `_creationTime` (ms since epoch, fractional within one ms) for this process. */
export function newCreationTime(now = Date.now()): number {
  lastCreationTime = now > lastCreationTime ? now : lastCreationTime + 1 / 1024;
  return lastCreationTime;
}
