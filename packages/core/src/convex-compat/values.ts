/**
 * What `convex/values` means inside a Convoy app's functions directory (the bundler resolves
 * it here): `@convoy/core/values` (`v`, `ConvexError`, …) and Convex's names of the wire
 * encoding.
 */
export * from "../values/index.js";
export { decodeValue as jsonToConvex, encodeValue as convexToJson } from "../values/encoding.js";
