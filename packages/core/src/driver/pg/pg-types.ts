import pg from "pg";
import type { CustomTypesConfig } from "pg";
import { parseByteaHex } from "../driver-utils.js";

/** Type OIDs the driver fixes the JS representation of. */
const OID = {
  bytea: 17,
  int8: 20,
  json: 114,
  float4: 700,
  float8: 701,
  numeric: 1700,
  jsonb: 3802,
} as const;

type TextParser = (value: string) => unknown;

/** pg's default parser for a type (pg-types declares it `any` over an enum of OIDs). */
const defaultParser = pg.types.getTypeParser as (oid: number, format?: "text" | "binary") => TextParser;

const identity: TextParser = (value) => value;
const parseJson: TextParser = (value) => JSON.parse(value) as unknown;
const parseFloat8: TextParser = (value) => Number.parseFloat(value);

const TEXT_PARSERS = new Map<number, TextParser>([
  [OID.bytea, (value) => parseByteaHex(value) ?? defaultParser(OID.bytea, "text")(value)],
  [OID.int8, identity],
  [OID.numeric, identity],
  [OID.json, parseJson],
  [OID.jsonb, parseJson],
  [OID.float4, parseFloat8],
  [OID.float8, parseFloat8],
]);

/**
 * Per-pool type parsers, passed as the `types` option of the Pool (and of the LISTEN client),
 * so pg's process-wide `pg.types` registry is never mutated. Types not listed fall back to
 * pg's defaults.
 */
export const convoyPgTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format: "text" | "binary" = "text"): unknown => {
    const parser = format === "text" ? TEXT_PARSERS.get(oid) : undefined;
    return parser ?? defaultParser(oid, format);
  }) as CustomTypesConfig["getTypeParser"],
};
