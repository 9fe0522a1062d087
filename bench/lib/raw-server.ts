/**
 * The baseline of the HTTP benchmark: a plain `node:http` + `pg` server answering the same two
 * routes as the playground (`messages:byAuthor`, `counters:increment`) with the identical SQL and
 * JSON shape Convoy produces. Run as a child process: `tsx bench/lib/raw-server.ts <dbUrl> <port>`.
 */
import { createServer } from "node:http";
import pg from "pg";
import { newCreationTime, newId } from "../../packages/core/src/storage/ids.js";
import { sortKey } from "../../packages/core/src/storage/sort-key.js";

const [databaseUrl, port] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
pool.on("error", () => undefined);

const BY_AUTHOR = `SELECT "_id", "_creation_time", "data" FROM "public"."messages" WHERE convoy.sort_key_v1("data"->'author') = $1 ORDER BY convoy.sort_key_v1("data"->'author') DESC, "_creation_time" DESC, "_id" DESC LIMIT 20`;
const COUNTER_BY_NAME = `SELECT "_id", "_creation_time", "data" FROM "public"."counters" WHERE convoy.sort_key_v1("data"->'name') = $1 ORDER BY convoy.sort_key_v1("data"->'name'), "_creation_time", "_id" LIMIT 2`;

interface Row {
  _id: string;
  _creation_time: number;
  data: Record<string, unknown>;
}
const toDoc = (row: Row) => ({ _id: row._id, _creationTime: row._creation_time, ...row.data });

async function increment(name: string): Promise<number> {
  for (;;) {
    const client = await pool.connect();
    try {
      await client.query("BEGIN ISOLATION LEVEL SERIALIZABLE");
      const { rows } = await client.query<Row>(COUNTER_BY_NAME, [Buffer.from(sortKey(name))]);
      let value = 1;
      if (rows[0] === undefined) {
        await client.query(`INSERT INTO "public"."counters" ("_id", "_creation_time", "data") VALUES ($1, $2, $3::jsonb)`, [newId("counters"), newCreationTime(), JSON.stringify({ name, value })]);
      } else {
        value = (rows[0].data.value as number) + 1;
        await client.query(`UPDATE "public"."counters" SET "data" = $2::jsonb WHERE "_id" = $1`, [rows[0]._id, JSON.stringify({ ...rows[0].data, value })]);
      }
      await client.query("COMMIT");
      return value;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      if ((error as { code?: string }).code !== "40001" && (error as { code?: string }).code !== "40P01") throw error;
    } finally {
      client.release();
    }
  }
}

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    void (async () => {
      try {
        const { args } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { args: { author?: string; name?: string } };
        let value: unknown;
        if (req.url === "/api/query/messages:byAuthor") value = (await pool.query<Row>(BY_AUTHOR, [Buffer.from(sortKey(args.author))])).rows.map(toDoc);
        else if (req.url === "/api/mutation/counters:increment") value = await increment(args.name!);
        else throw new Error("not found");
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ value }));
      } catch (error) {
        res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { code: "INTERNAL", message: String(error) } }));
      }
    })();
  });
}).listen(Number(port), () => process.stdout.write("ready\n"));
