/**
 * The HTTP benchmark's baseline: a plain `node:http` + `pg` server over its own tables
 * (handwritten.ts), answering the bench app's routes with the same JSON shape.
 * Run as a child process: `tsx bench/lib/raw-server.ts <dbUrl> <port>`.
 */
import { createServer } from "node:http";
import pg from "pg";
import { byAuthor, increment, page, pgRun, pgTransaction, send } from "./handwritten.js";

const [databaseUrl, port] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10 });
pool.on("error", () => undefined);
const run = pgRun(pool);

const transaction = pgTransaction(pool);

type Args = { author?: string; body?: string; limit?: number; name?: string; paginationOpts?: { numItems: number; cursor: string | null } };
const routes: Record<string, (args: Args) => Promise<unknown>> = {
  "/api/query/messages:byAuthor": (args) => byAuthor(run, args.author!, args.limit ?? 20),
  "/api/query/messages:list": (args) => page(run, args.paginationOpts!.numItems, args.paginationOpts!.cursor),
  "/api/mutation/messages:send": (args) => send(run, args.author!, args.body!),
  "/api/mutation/counters:increment": (args) => increment(transaction, args.name!),
};

createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    void (async () => {
      try {
        const route = routes[req.url ?? ""];
        if (route === undefined) throw new Error("not found");
        const { args } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { args: Args };
        const value = await route(args);
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ value }));
      } catch (error) {
        res.writeHead(500, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { message: String(error) } }));
      }
    })();
  });
}).listen(Number(port), () => process.stdout.write("ready\n"));
