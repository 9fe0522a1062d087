import { createHash } from "node:crypto";
import type { Queryable } from "../driver/index.js";
import { pubSubChannel, SQL_ORIGIN } from "../realtime/pubsub/pubsub-adapter.js";
import { NOTIFY_PAYLOAD_MAX_BYTES } from "../reactivity/write-set-codec.js";
import type { SchemaJSON } from "../schema/schema-json.js";
import { fieldSql, indexColumnsSql } from "../storage/field-expression.js";
import { loadRecordedColumns } from "../storage/recorded-columns.js";
import { TABLES_TABLE } from "../storage/layout.js";
import { literal, qualified, quoteIdent } from "../storage/sql/identifiers.js";
import { CONVOY_SCHEMA } from "../storage/sql/sort-key-function.js";
import { tableStorage, type StoredTable } from "../storage/table-storage.js";

/**
 * Statements touching at most this many rows publish every key; larger ones publish one
 * covering span per index (from the smallest to the largest key written).
 */
export const EXACT_TRIGGER_ROWS = 64;

const TRIGGER_PREFIX = "convoy_notify_";
const EVENTS = ["insert", "update", "delete", "truncate"] as const;

const hash = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 10);

/** The trigger function of a table: `convoy.notify_<schema hash>_<table hash>`. */
function functionName(pgSchema: string, table: string): string {
  return `notify_${hash(pgSchema)}_${hash(table)}`;
}

/** An index's full key in SQL (fields, `_creationTime`, `_id`), from the index's own key expressions. */
function indexKeySql(table: StoredTable, fields: readonly string[], alias: string): string {
  const id = fieldSql(table, "_id", alias).key;
  if (fields.length === 1 && fields[0] === "_id") return id;
  // the index's last two columns are `_creation_time` and `_id`, compared natively: keys use their sort keys
  return [...indexColumnsSql(table, fields, alias).slice(0, -2), fieldSql(table, "_creationTime", alias).key, id].join(" || ");
}

/**
 * The triggers fire only for statements not marked as Convoy's (`convoy.origin`, whose server
 * publishes them): a `WHEN` on a statement-level trigger, checked before the function is
 * called, so Convoy's own writes do not run plpgsql at all.
 */
const UNMARKED_WHEN = "WHEN (coalesce(current_setting('convoy.origin', true), '') = '')";

/**
 * The body of a table's trigger function. After each statement that wrote rows (and was not
 * Convoy's: see {@link UNMARKED_WHEN}), it sends one `pg_notify`
 * on the app's channel: the write set of the statement in write-set-codec's format, with the
 * index keys of every written row (old and new) when the statement wrote few rows, else one
 * covering span per index, and, if even that does not fit, just the table (every index wholly
 * touched, as after `TRUNCATE`).
 */
export function writeTriggerBody(pgSchema: string, table: string, indexes: readonly { name: string; fields: readonly string[] }[], fieldColumns: ReadonlyMap<string, string>): string {
  const stored: StoredTable = { storage: tableStorage(fieldColumns) };
  const keys = indexes.map((index, i) => `${indexKeySql(stored, index.fields, "r")} AS k${String(i)}`).join(", ");
  const head = literal(`${SQL_ORIGIN} ["w1",[[${JSON.stringify(table)},[`);
  const tail = "']]]]'";
  const entry = (i: number, spans: string) => `${literal(`[${JSON.stringify(indexes[i]!.name)},"`)} || ${spans} || '"]'`;
  const exact = indexes.map((_, i) => entry(i, `string_agg(DISTINCT '0.' || encode(k${String(i)}, 'hex'), ',') FILTER (WHERE n <= ${String(EXACT_TRIGGER_ROWS)})`)).join(" || ',' || ");
  // hex in byte order ("C") orders as the key bytes do
  const covering = indexes.map((_, i) => entry(i, `'0.' || min(encode(k${String(i)}, 'hex') COLLATE "C") || '~0.' || max(encode(k${String(i)}, 'hex') COLLATE "C") || '00'`)).join(" || ',' || ");
  const wholeTable = literal(`${SQL_ORIGIN} ["w1",[[${JSON.stringify(table)},[]]]]`);
  const channel = literal(pubSubChannel(pgSchema));
  const rows = (op: string) => (op === "INSERT" ? "SELECT * FROM convoy_new" : op === "DELETE" ? "SELECT * FROM convoy_old" : "SELECT * FROM convoy_new UNION ALL SELECT * FROM convoy_old");
  // the keys are listed only for a small statement (the count comes first)
  const branch = (op: string) => `
    SELECT count(*) INTO n FROM (${rows(op)}) r;
    IF n = 0 THEN RETURN NULL; END IF;
    WITH k AS (SELECT ${keys} FROM (${rows(op)}) r)
    SELECT ${head} || ${exact} || ${tail}, ${head} || ${covering} || ${tail} INTO exact, covering FROM k;`;
  return `
DECLARE
  n bigint;
  exact text;
  covering text;
  payload text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    PERFORM pg_notify(${channel}, ${wholeTable});
    RETURN NULL;
  ELSIF TG_OP = 'INSERT' THEN${branch("INSERT")}
  ELSIF TG_OP = 'DELETE' THEN${branch("DELETE")}
  ELSE${branch("UPDATE")}
  END IF;
  payload := CASE
    WHEN octet_length(exact) <= ${String(NOTIFY_PAYLOAD_MAX_BYTES)} THEN exact
    WHEN octet_length(covering) <= ${String(NOTIFY_PAYLOAD_MAX_BYTES)} THEN covering
    ELSE ${wholeTable} END;
  PERFORM pg_notify(${channel}, payload);
  RETURN NULL;
END`;
}

function dollarQuote(body: string): string {
  let tag = "$convoy$";
  for (let i = 0; body.includes(tag); i++) tag = `$convoy${String(i)}$`;
  return `${tag}${body}${tag}`;
}

/** The statements that (re)create a table's trigger function and its four triggers. */
export function writeTriggerStatements(pgSchema: string, table: string, body: string): string[] {
  const fn = qualified(CONVOY_SCHEMA, functionName(pgSchema, table));
  const target = qualified(pgSchema, table);
  const referencing = { insert: "REFERENCING NEW TABLE AS convoy_new ", update: "REFERENCING OLD TABLE AS convoy_old NEW TABLE AS convoy_new ", delete: "REFERENCING OLD TABLE AS convoy_old ", truncate: "" };
  return [
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS ${dollarQuote(body)}`,
    ...EVENTS.map((event) => `CREATE OR REPLACE TRIGGER ${quoteIdent(TRIGGER_PREFIX + event)} AFTER ${event.toUpperCase()} ON ${target} ${referencing[event]}FOR EACH STATEMENT ${UNMARKED_WHEN} EXECUTE FUNCTION ${fn}()`),
  ];
}

/**
 * Keeps the external-write triggers of every table of `schema` current (part of every sync
 * that applies): a table whose trigger function differs from the code's, or lacks one of its
 * triggers (or has one without its `WHEN`), gets them (re)created; functions of tables no
 * longer in the schema are dropped. Returns the tables whose triggers changed.
 */
export async function syncWriteTriggers(q: Queryable, schema: SchemaJSON, pgSchema: string): Promise<string[]> {
  const recorded = await loadRecordedColumns(q, pgSchema);
  const prefix = `notify_${hash(pgSchema)}_`;
  const { rows: functions } = await q.query<{ name: string; source: string }>(
    `SELECT p.proname AS name, p.prosrc AS source FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 AND starts_with(p.proname, $2)`,
    [CONVOY_SCHEMA, prefix],
  );
  const sources = new Map(functions.map((row) => [row.name, row.source]));
  // a trigger counts when it has its WHEN (triggers made before it had one are re-created)
  const { rows: triggers } = await q.query<{ table_name: string; count: number }>(
    `SELECT c.relname AS table_name, count(*)::int AS count FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND NOT t.tgisinternal AND starts_with(t.tgname, $2) AND t.tgqual IS NOT NULL GROUP BY c.relname`,
    [pgSchema, TRIGGER_PREFIX],
  );
  const triggerCounts = new Map(triggers.map((row) => [row.table_name, row.count]));
  const changed: string[] = [];
  const wanted = new Set<string>();
  const tables = new Map(Object.entries(schema.tables).map(([table, definition]) => [table, definition.indexes]));
  if (schema.strictTableNameTypes === false) {
    // tables outside the schema (created on first insert) are the app's too
    const { rows } = await q.query<{ table_name: string }>(`SELECT table_name FROM ${TABLES_TABLE} WHERE pg_schema = $1 AND to_regclass(quote_ident(pg_schema) || '.' || quote_ident(table_name)) IS NOT NULL`, [pgSchema]);
    for (const row of rows) if (!tables.has(row.table_name)) tables.set(row.table_name, []);
  }
  for (const [table, tableIndexes] of tables) {
    const indexes = [{ name: "by_id", fields: ["_id"] }, { name: "by_creation_time", fields: [] }, ...tableIndexes];
    const body = writeTriggerBody(pgSchema, table, indexes, recorded.get(table) ?? new Map());
    const name = functionName(pgSchema, table);
    wanted.add(name);
    if (sources.get(name) === body && triggerCounts.get(table) === EVENTS.length) continue;
    // never queue for long behind the app's transactions (and the app's behind this)
    if (changed.length === 0) await q.query("SET LOCAL lock_timeout = '5s'");
    for (const statement of writeTriggerStatements(pgSchema, table, body)) await q.query(statement);
    changed.push(table);
  }
  for (const name of sources.keys()) if (!wanted.has(name)) await q.query(`DROP FUNCTION IF EXISTS ${qualified(CONVOY_SCHEMA, name)}() CASCADE`);
  return changed;
}
