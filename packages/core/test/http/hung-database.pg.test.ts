import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgDriver, type Driver } from "../../src/driver/index.js";
import { createAppRegistry, schema } from "../../src/http/fixtures/app.js";
import { createAppRuntime, startTestServer, type TestServer } from "../../src/http/fixtures/test-server.js";
import { createRuntime } from "../../src/runtime/index.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { useTestDatabase } from "../helpers/test-database.js";

/** A TCP proxy to Postgres that can stop forwarding (both directions, connections left open) and start again. */
class HangingProxy extends TcpProxy {
  private hung = false;

  constructor(target: { host: string; port: number }) {
    super(target, {
      onConnection: ({ client, upstream }) => {
        if (this.hung) for (const socket of [client, upstream]) socket.pause();
      },
    });
  }

  /** Stop forwarding: bytes wait in the kernel, like a link that stopped answering. */
  hang(): void {
    this.hung = true;
    for (const socket of this.sockets) socket.pause();
  }

  heal(): void {
    this.hung = false;
    for (const socket of this.sockets) socket.resume();
  }
}

const call = async (url: string, kind: "query" | "mutation", name: string, args: unknown) => {
  const response = await fetch(`${url}/api/${kind}/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args }) });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: body.error?.code };
};

/**
 * The link to Postgres stops answering: calls end with 503 UNAVAILABLE (the driver's connect
 * and query timeouts), health says 503, and once the link answers again calls are served and
 * the pool recovers by itself. Postgres only (PGlite has no link).
 */
describe("a database link that hangs", () => {
  const db = useTestDatabase();
  let proxy: HangingProxy;
  let driver: Driver;
  let server: TestServer;

  beforeAll(async () => {
    const target = new URL(db().databaseUrl!);
    proxy = new HangingProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(target);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(await proxy.listen());
    driver = await createPgDriver({ connectionString: viaProxy.toString(), max: 3, connectionTimeoutMillis: 1000, queryTimeoutMillis: 1500 });
    // the schema is applied on the real server first; the runtime over the proxy only reads it
    await createAppRuntime(db().driver);
    server = await startTestServer(driver, {}, await createRuntime({ driver, schema, registry: createAppRegistry() }));
  });
  afterAll(async () => {
    await server.close();
    await proxy.close();
    await driver.close();
  });

  it("ends calls with 503 UNAVAILABLE while it hangs, and recovers once it forwards again", async () => {
    expect((await call(server.url, "mutation", "items:add", { name: "before", qty: 1 })).status).toBe(200);

    proxy.hang();
    const during = await Promise.all([
      ...Array.from({ length: 4 }, (_, i) => call(server.url, "mutation", "items:add", { name: `during${i}`, qty: 1 })),
      ...Array.from({ length: 4 }, () => call(server.url, "query", "items:count", {})),
    ]);
    for (const result of during) expect(result).toEqual({ status: 503, code: "UNAVAILABLE" });
    expect((await fetch(`${server.url}/api/health`)).status).toBe(503);

    proxy.heal();
    let recovered = false;
    for (let attempt = 0; attempt < 100 && !recovered; attempt++) {
      recovered = (await call(server.url, "query", "items:count", {})).status === 200;
      if (!recovered) await new Promise((r) => setTimeout(r, 100));
    }
    expect(recovered).toBe(true);
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => call(server.url, "mutation", "items:add", { name: `after${i}`, qty: 1 })));
    expect(after.map((result) => result.status)).toEqual(Array(10).fill(200));
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
  });
});
