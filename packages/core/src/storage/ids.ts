import { randomFillSync } from "node:crypto";
import { ID_ALPHABET, tableTag } from "../values/id-format.js";

export { isIdFormat, isIdOfTable, tableTag, tagOfId } from "../values/id-format.js";

const COUNTER_MAX = (1n << 56n) - 1n;
let lastMs = 0;
/** The 56-bit counter as its high 24 and low 32 bits (numbers: BigInt allocates at every step). */
let counterHigh = 0;
let counterLow = 0;

/** Random bytes drawn 4 KiB at a time: one `randomFillSync` per 512 new milliseconds, not one each. */
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

function randomWord(): number {
  if (randomOffset === randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const word = randomPool.readUInt32BE(randomOffset);
  randomOffset += 4;
  return word;
}

/**
 * A new document id: 128 bits = 48-bit ms timestamp, 56-bit counter (random at each new
 * millisecond, incremented within one), 24-bit table tag; 26 base32 characters, URL-safe.
 * Ids from many servers never need coordination, and sort roughly by creation time.
 */
export function newId(tableName: string, now = Date.now()): string {
  let ms = now;
  if (ms <= lastMs) {
    ms = lastMs;
    if (counterLow < 0xffffffff) counterLow++;
    else {
      counterLow = 0;
      counterHigh = (counterHigh + 1) % 0x1000000;
      if (counterHigh === 0) ms = ++lastMs;
    }
  } else {
    lastMs = ms;
    // 55 random bits: room to count up within 56
    counterHigh = randomWord() >>> 9;
    counterLow = randomWord();
  }
  return encodeBase32(timeBits(ms), counterHigh, counterLow, tableTag(tableName));
}

/** Sets the id generator's last millisecond and counter (tests of the counter's carries). @internal */
export function seedIdCounter(ms: number, counter: bigint): void {
  lastMs = ms;
  counterHigh = Number((counter >> 32n) & 0xffffffn);
  counterLow = Number(counter & 0xffffffffn);
}

/**
 * The id made of a millisecond timestamp (48 bits), a counter (56 bits) and the table's tag:
 * the layout of {@link newId}, for ids derived from something else (a snapshot's import).
 */
export function composeId(ms: number, counter: bigint, tableName: string): string {
  const count = counter & COUNTER_MAX;
  return encodeBase32(timeBits(ms), Number(count >> 32n), Number(count & 0xffffffffn), tableTag(tableName));
}

/** The 48 timestamp bits of an id: whole milliseconds, modulo 2^48. */
function timeBits(ms: number): number {
  return Math.max(0, Math.floor(ms)) % 2 ** 48;
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
