/**
 * A timestamp as Convex's sync protocol encodes it: a u64, little-endian, in base64 (what the
 * client decodes with `Long.fromBytesLE`).
 *
 * @example
 * encodeU64(1); // "AQAAAAAAAAA="
 */
export function encodeU64(value: number): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  return bytes.toString("base64");
}

/** The number in a base64 u64, or `undefined` when it is not 8 bytes of base64 (or exceeds 2^53). */
export function decodeU64(encoded: string): number | undefined {
  if (!/^[A-Za-z0-9+/]{11}=$/.test(encoded)) return undefined;
  const value = Buffer.from(encoded, "base64").readBigUInt64LE();
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}
