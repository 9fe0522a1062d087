import { FrameworkError } from "@convoy/core/server";

/**
 * The `where` a client may send through the proxy: a conjunction of comparisons of the system
 * columns with values, nothing else, e.g. `_creation_time > $1 AND _id IN ($2, $3)`.
 *
 * Shapes of Convoy tables cannot filter on documents (Electric's `where` has no JSONB
 * operators), and the proxy applies the read rules to every row it relays anyway: a client
 * `where` can only narrow the shape. The proxy never forwards the client's text: it parses it
 * into this grammar and writes a `where` of its own, every value a numbered parameter.
 *
 * ```
 * where   := cond ("AND" cond)*
 * cond    := column op operand | column "IN" "(" operand ("," operand)* ")"
 * column  := _id | _creation_time        (quoted or not)
 * op      := = | < | <= | > | >=
 * operand := $n | 'text' | number
 * ```
 */
export interface ShapeWhere {
  /** The `where` to send to Electric (`"_id" = $1 AND …`). */
  sql: string;
  /** Its parameters, `$1` first (Electric's `params[1]`, …). */
  params: string[];
}

/** Longest `where` accepted, in characters. */
const MAX_WHERE_LENGTH = 4096;
/** Most values in one `where`. */
const MAX_OPERANDS = 256;

const COLUMNS = new Map([
  ["_id", { sql: '"_id"', numeric: false }],
  ["_creation_time", { sql: '"_creation_time"', numeric: true }],
]);
const OPERATORS = new Set(["=", "<", "<=", ">", ">="]);
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

type Token = { kind: "word" | "quoted" | "string" | "param" | "number" | "op" | "punct"; text: string };

function refuse(message: string): FrameworkError {
  return new FrameworkError("BAD_REQUEST", `shape where: ${message} (a where may only compare _id and _creation_time with values, joined by AND)`);
}

function tokenize(where: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|"((?:[^"]|"")*)"|'((?:[^']|'')*)'|\$(\d{1,3})|(-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(<=|>=|<>|!=|[=<>])|([(),]))\s*/y;
  let at = 0;
  while (at < where.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(where);
    if (match === null || match[0] === "") throw refuse(`unexpected ${JSON.stringify(where.slice(at, at + 20))}`);
    at = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: "word", text: match[1] });
    else if (match[2] !== undefined) tokens.push({ kind: "quoted", text: match[2].replaceAll('""', '"') });
    else if (match[3] !== undefined) tokens.push({ kind: "string", text: match[3].replaceAll("''", "'") });
    else if (match[4] !== undefined) tokens.push({ kind: "param", text: match[4] });
    else if (match[5] !== undefined) tokens.push({ kind: "number", text: match[5] });
    else if (match[6] !== undefined) tokens.push({ kind: "op", text: match[6] });
    else tokens.push({ kind: "punct", text: match[7]! });
  }
  return tokens;
}

/**
 * Parses a client's `where` (and its `params`, by position) into a {@link ShapeWhere}. Throws
 * `BAD_REQUEST` for anything outside the grammar, an unknown column, a missing parameter or
 * one that is not used, or a non-numeric value compared with `_creation_time`.
 */
export function parseShapeWhere(where: string, params: ReadonlyMap<number, string>): ShapeWhere {
  if (where.length > MAX_WHERE_LENGTH) throw refuse(`longer than ${MAX_WHERE_LENGTH} characters`);
  const tokens = tokenize(where);
  const out: string[] = [];
  const values: string[] = [];
  const used = new Set<number>();
  let i = 0;
  const next = (): Token | undefined => tokens[i++];
  const expect = (text: string): void => {
    const token = next();
    if (token?.kind !== "punct" || token.text !== text) throw refuse(`expected "${text}"`);
  };
  const operand = (numeric: boolean): string => {
    const token = next();
    let value: string;
    if (token?.kind === "param") {
      const position = Number(token.text);
      const given = params.get(position);
      if (given === undefined) throw refuse(`$${position} has no value in params`);
      used.add(position);
      value = given;
    } else if (token?.kind === "string" || token?.kind === "number") {
      value = token.text;
    } else {
      throw refuse(`expected a value, got ${token === undefined ? "the end" : JSON.stringify(token.text)}`);
    }
    if (numeric && !NUMBER.test(value)) throw refuse(`_creation_time is compared with ${JSON.stringify(value)}, not a number`);
    if (values.length >= MAX_OPERANDS) throw refuse(`more than ${MAX_OPERANDS} values`);
    values.push(value);
    return `$${values.length}`;
  };
  for (;;) {
    const name = next();
    const column = name !== undefined && (name.kind === "word" || name.kind === "quoted") ? COLUMNS.get(name.kind === "word" ? name.text.toLowerCase() : name.text) : undefined;
    if (column === undefined) throw refuse(name === undefined ? "missing column" : `unsupported column or expression ${JSON.stringify(name.text)}`);
    const op = next();
    if (op?.kind === "op" && OPERATORS.has(op.text)) {
      out.push(`${column.sql} ${op.text} ${operand(column.numeric)}`);
    } else if (op?.kind === "word" && op.text.toUpperCase() === "IN") {
      expect("(");
      const list = [operand(column.numeric)];
      while (tokens[i]?.kind === "punct" && tokens[i]!.text === ",") {
        i++;
        list.push(operand(column.numeric));
      }
      expect(")");
      out.push(`${column.sql} IN (${list.join(", ")})`);
    } else {
      throw refuse(`unsupported operator ${op === undefined ? "(none)" : JSON.stringify(op.text)}`);
    }
    const joiner = next();
    if (joiner === undefined) break;
    if (joiner.kind !== "word" || joiner.text.toUpperCase() !== "AND") throw refuse(`unsupported ${JSON.stringify(joiner.text)}`);
  }
  for (const position of params.keys()) if (!used.has(position)) throw refuse(`params[${position}] is not used`);
  return { sql: out.join(" AND "), params: values };
}
