/*
 * A protocol-faithful stand-in for Electric's shape endpoint (`GET /v1/shape`), over a real
 * database, for the tests: Electric's service itself cannot run on these machines (it needs a
 * newer Erlang/OTP than Debian ships). Row triggers write every change to a log table (Electric
 * reads the WAL instead); the endpoint serves, as Electric does:
 * - `offset=-1`: the snapshot of the shape (rows matching `where`) in one chunk, with the
 *   `electric-handle`, `electric-offset` and `electric-schema` headers and an `up-to-date`
 *   control message;
 * - `offset=X` (not live): the changes after X, then `up-to-date`;
 * - `live=true`: a long poll that answers as soon as changes after X exist (or after
 *   `liveTimeoutMs` with just `up-to-date`), with `electric-cursor`;
 * - a `handle` that is not the shape's current one: 409 and `must-refetch`.
 * Values are in Postgres text form; `replica=full` sends whole rows on update/delete (and
 * `old_value`), the default sends the primary key and changed columns only. `where` is run by
 * Postgres, on the snapshot and on each change's old and new rows (insert/update/delete moves
 * as Electric makes them). Offsets are log ids; the fixture assumes writes commit in id order
 * (the tests write one at a time).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Driver } from "@convoy/core/server";

const LOG = `"electric_fixture"."log"`;

interface Column {
  name: string;
  type: string;
  pk: boolean;
  notNull: boolean;
}

type JsonRow = Record<string, unknown>;
type Message = { headers: Record<string, unknown>; key?: string; value?: Record<string, string | null>; old_value?: Record<string, string | null> };

export interface ShapeFixture {
  /** The shape endpoint, `http://127.0.0.1:<port>/v1/shape`. */
  url: string;
  /** Every request received, in order. */
  requests: URL[];
  /** Start capturing changes of a table (before its shape is requested). */
  track(pgSchema: string, table: string): Promise<void>;
  close(): Promise<void>;
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"` or `schema.table` → its two names (the forms Electric's `table` accepts that the tests use). */
function parseTable(param: string): [string, string] {
  const match = /^(?:"((?:[^"]|"")+)"|([a-z_][a-z0-9_]*))\.(?:"((?:[^"]|"")+)"|([a-z_][a-z0-9_]*))$/.exec(param);
  if (match === null) throw new Error(`unsupported table ${param}`);
  return [(match[1] ?? match[2]!).replaceAll('""', '"'), (match[3] ?? match[4]!).replaceAll('""', '"')];
}

/** A column's value in Postgres text form, from its `to_jsonb` form. */
function textOf(value: unknown, column: Column): string | null {
  if (value === null || value === undefined) return null;
  if (column.type === "jsonb" || column.type === "json") return JSON.stringify(value);
  return typeof value === "string" ? value : JSON.stringify(value);
}

export async function startShapeFixture(driver: Driver, options: { liveTimeoutMs?: number } = {}): Promise<ShapeFixture> {
  const liveTimeoutMs = options.liveTimeoutMs ?? 3_000;
  await driver.query(`CREATE SCHEMA IF NOT EXISTS "electric_fixture"`);
  await driver.query(`CREATE TABLE IF NOT EXISTS ${LOG} (id bigserial PRIMARY KEY, relation text NOT NULL, op text NOT NULL, new_row jsonb, old_row jsonb)`);
  await driver.query(`CREATE OR REPLACE FUNCTION "electric_fixture".capture() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ${LOG} (relation, op, new_row, old_row) VALUES (
        TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME, lower(TG_OP),
        CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END,
        CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END);
      RETURN NULL;
    END $$`);

  const requests: URL[] = [];
  const handles = new Map<string, string>();
  let cursor = 0;

  const columnsOf = async (schema: string, table: string): Promise<Column[]> => {
    const { rows } = await driver.query<{ name: string; type: string; pk: boolean; not_null: boolean }>(
      `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type, a.attnotnull AS not_null,
              coalesce(a.attnum = ANY (i.indkey), false) AS pk
         FROM pg_attribute a
         LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
        WHERE a.attrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      [schema, table],
    );
    const types: Record<string, string> = { "double precision": "float8", text: "text", jsonb: "jsonb" };
    return rows.map((row) => ({ name: row.name, type: types[row.type] ?? row.type, pk: row.pk, notNull: row.not_null }));
  };

  const handle = (url: URL) => {
    const params = [...url.searchParams].filter(([name]) => /^(table|where|replica|params\[\d+\])$/.test(name)).sort();
    const key = JSON.stringify(params);
    let value = handles.get(key);
    if (value === undefined) handles.set(key, (value = `${handles.size + 1}-${Date.now()}`));
    return value;
  };

  const serve = async (url: URL, signal: AbortSignal): Promise<{ status: number; headers: Record<string, string>; body: Message[] | null }> => {
    const [schema, table] = parseTable(url.searchParams.get("table") ?? "");
    const relation = `${quote(schema)}.${quote(table)}`;
    const columns = await columnsOf(schema, table);
    const full = url.searchParams.get("replica") === "full";
    const where = url.searchParams.get("where");
    const whereParams: string[] = [];
    for (let i = 1; url.searchParams.has(`params[${i}]`); i++) whereParams.push(url.searchParams.get(`params[${i}]`)!);
    const current = handle(url);
    const schemaHeader = JSON.stringify(Object.fromEntries(columns.map((c, i) => [c.name, { type: c.type, ...(c.pk ? { pk_index: i } : {}), ...(c.notNull ? { not_null: true } : {}) }])));
    const base = { "electric-handle": current, "electric-schema": schemaHeader, "content-type": "application/json" };
    const given = url.searchParams.get("handle");
    if (given !== null && given !== current) return { status: 409, headers: { "electric-handle": current, "content-type": "application/json" }, body: [{ headers: { control: "must-refetch" } }] };

    const pk = columns.filter((c) => c.pk);
    const keyOf = (row: JsonRow) => `${relation}/${pk.map((c) => `"${String(row[c.name]).replaceAll('"', '""')}"`).join("/")}`;
    const text = (row: JsonRow, only?: (c: Column) => boolean) =>
      Object.fromEntries(columns.filter((c) => only === undefined || only(c)).map((c) => [c.name, textOf(row[c.name], c)]));
    const matches = async (row: JsonRow | null): Promise<boolean> => {
      if (row === null) return false;
      if (where === null) return true;
      const { rows } = await driver.query<{ ok: boolean | null }>(`SELECT (${where}) AS ok FROM jsonb_populate_record(NULL::${relation}, $${whereParams.length + 1}::jsonb) AS r`, [...whereParams, row]);
      return rows[0]?.ok === true;
    };
    const upToDate = (lsn: string): Message => ({ headers: { control: "up-to-date", global_last_seen_lsn: lsn } });

    const offset = url.searchParams.get("offset") ?? "-1";
    if (offset === "-1") {
      const snapshot = await driver.transaction({ isolation: "repeatable read", readOnly: true }, async (tx) => {
        const { rows } = await tx.query<{ row: JsonRow }>(`SELECT to_jsonb(t) AS row FROM ${relation} AS t${where === null ? "" : ` WHERE ${where}`} ORDER BY 1`, whereParams);
        const { rows: last } = await tx.query<{ id: string }>(`SELECT coalesce(max(id), 0)::text AS id FROM ${LOG}`);
        return { rows: rows.map((r) => r.row), last: last[0]!.id };
      });
      const messages: Message[] = snapshot.rows.map((row) => ({ headers: { operation: "insert", relation: [schema, table] }, key: keyOf(row), value: text(row) }));
      return { status: 200, headers: { ...base, "electric-offset": `${snapshot.last}_0`, "electric-up-to-date": "" }, body: [...messages, upToDate(snapshot.last)] };
    }

    const after = offset.split("_")[0]!;
    const live = url.searchParams.get("live") === "true";
    const deadline = Date.now() + liveTimeoutMs;
    for (;;) {
      const { rows: entries } = await driver.query<{ id: string; op: string; new_row: JsonRow | null; old_row: JsonRow | null }>(
        `SELECT id::text AS id, op, new_row, old_row FROM ${LOG} WHERE id > $1::bigint AND relation = $2 ORDER BY id`,
        [after, `${schema}.${table}`],
      );
      if (entries.length > 0 || !live || Date.now() >= deadline || signal.aborted) {
        const messages: Message[] = [];
        for (const entry of entries) {
          const [before, now] = [await matches(entry.old_row), await matches(entry.new_row)];
          const headers = { relation: [schema, table], lsn: entry.id, op_position: 0 };
          if (entry.op === "update" && before && now) {
            const changed = (c: Column) => JSON.stringify(entry.new_row![c.name]) !== JSON.stringify(entry.old_row![c.name]);
            messages.push({
              headers: { ...headers, operation: "update" },
              key: keyOf(entry.new_row!),
              value: text(entry.new_row!, full ? undefined : (c) => c.pk || changed(c)),
              ...(full ? { old_value: text(entry.old_row!, (c) => !c.pk && changed(c)) } : {}),
            });
          } else if (now) {
            messages.push({ headers: { ...headers, operation: "insert" }, key: keyOf(entry.new_row!), value: text(entry.new_row!) });
          } else if (before) {
            messages.push({ headers: { ...headers, operation: "delete" }, key: keyOf(entry.old_row!), value: text(entry.old_row!, full ? undefined : (c) => c.pk) });
          }
        }
        const last = entries.at(-1)?.id ?? after;
        const headers: Record<string, string> = { ...base, "electric-offset": `${last}_0`, "electric-up-to-date": "" };
        if (live) headers["electric-cursor"] = String(++cursor);
        return { status: 200, headers, body: [...messages, upToDate(last)] };
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    requests.push(url);
    const aborter = new AbortController();
    res.on("close", () => aborter.abort());
    serve(url, aborter.signal).then(
      ({ status, headers, body }) => {
        res.writeHead(status, headers);
        res.end(body === null ? undefined : JSON.stringify(body));
      },
      (error: unknown) => {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: String(error) }));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1/shape`,
    requests,
    async track(pgSchema, table) {
      await driver.query(`CREATE TRIGGER electric_fixture_capture AFTER INSERT OR UPDATE OR DELETE ON ${quote(pgSchema)}.${quote(table)} FOR EACH ROW EXECUTE FUNCTION "electric_fixture".capture()`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
