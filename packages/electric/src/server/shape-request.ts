import { FrameworkError } from "@convoy/core/server";
import { parseShapeWhere, type ShapeWhere } from "./shape-where.js";

/** A client's shape request, checked: what the proxy will ask Electric for. */
export interface ShapeRequest {
  table: string;
  where: ShapeWhere | null;
  /** Protocol parameters passed on unchanged (offset, handle, live, cursor, …). */
  protocol: [string, string][];
}

const TOKEN = /^[A-Za-z0-9_.\-:]{1,200}$/;
const OFFSET = /^(?:-1|now|\d{1,20}_(?:\d{1,20}|inf))$/;
const PARAM = /^params\[(\d{1,3})\]$/;

/** Protocol parameters the proxy relays, each with the values it accepts. */
const PROTOCOL: ReadonlyMap<string, (value: string) => boolean> = new Map([
  ["offset", (value: string) => OFFSET.test(value)],
  ["handle", (value: string) => TOKEN.test(value)],
  ["expired_handle", (value: string) => TOKEN.test(value)],
  ["cursor", (value: string) => value === "" || TOKEN.test(value)],
  ["cache-buster", (value: string) => TOKEN.test(value)],
  ["live", (value: string) => value === "true" || value === "false"],
  ["log", (value: string) => value === "full"],
]);

/** Parameters refused with a reason of their own. */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ["columns", "the proxy serves whole rows (the read rules need every column); leave columns out"],
  ["live_sse", "server-sent events are not supported by the proxy; use long polling (the default)"],
  ["experimental_live_sse", "server-sent events are not supported by the proxy; use long polling (the default)"],
]);

function refuse(message: string): FrameworkError {
  return new FrameworkError("BAD_REQUEST", `shape request: ${message}`);
}

/**
 * Checks the query of a shape request. Only the parameters of Electric's protocol that the
 * proxy knows are accepted (`table`, `where`, `params[n]`, `offset`, `handle`, `live`, `cursor`,
 * `expired_handle`, `replica`, `log=full`, `cache-buster`); anything else, a repeated parameter,
 * or a `where` outside {@link parseShapeWhere}'s grammar is `BAD_REQUEST`.
 */
export function parseShapeRequest(query: URLSearchParams): ShapeRequest {
  let table: string | undefined;
  let where: string | undefined;
  const params = new Map<number, string>();
  const protocol: [string, string][] = [];
  const seen = new Set<string>();
  for (const [name, value] of query) {
    if (seen.has(name)) throw refuse(`parameter "${name}" is given twice`);
    seen.add(name);
    const position = PARAM.exec(name);
    if (position !== null) {
      params.set(Number(position[1]), value);
    } else if (name === "table") {
      table = value;
    } else if (name === "where") {
      where = value;
    } else if (name === "replica") {
      // Electric is always asked for full rows; either answer suits the client.
      if (value !== "full" && value !== "default") throw refuse(`replica must be "full" or "default"`);
    } else if (PROTOCOL.has(name)) {
      if (!PROTOCOL.get(name)!(value)) throw refuse(`invalid ${name} ${JSON.stringify(value.slice(0, 40))}`);
      protocol.push([name, value]);
    } else {
      throw refuse(REFUSED.get(name) ?? `unsupported parameter "${name.slice(0, 40)}"`);
    }
  }
  if (table === undefined || table === "") throw refuse("the table parameter is required");
  if (!seen.has("offset")) throw refuse("the offset parameter is required");
  if (where === undefined || where.trim() === "") {
    if (params.size > 0) throw refuse("params without a where");
    return { table, where: null, protocol };
  }
  return { table, where: parseShapeWhere(where, params), protocol };
}
