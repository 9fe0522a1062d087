import { connect, type Socket } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { parseRawResponse, rawExchange, startTestServer, type TestServer } from "./fixtures/test-server.js";

const db = useTestDatabase();
const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => server.close()));
});

async function start(options: Parameters<typeof startTestServer>[1]): Promise<TestServer> {
  const server = await startTestServer(db().driver, options);
  servers.push(server);
  return server;
}

/** Polls `check` every 100 ms until it holds; fails after `attempts` tries (a bound, not a timing assertion). */
async function eventually(check: () => boolean | Promise<boolean>, attempts = 200): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("condition never held");
}

interface IdleSocket {
  socket: Socket;
  closed: boolean;
}

function openIdle(port: number): IdleSocket {
  const idle: IdleSocket = { socket: connect(port, "127.0.0.1"), closed: false };
  idle.socket.on("error", () => undefined);
  idle.socket.on("close", () => (idle.closed = true));
  return idle;
}

/** A POST whose head declares `length` body bytes but sends only a few: the call holds its admission until the socket goes. */
function stalledPost(port: number, length: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`POST /api/query/items:echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n{"args"`);
      resolve(socket);
    });
    socket.on("error", () => undefined);
  });
}

const echo = (url: string, value: unknown = 1) =>
  fetch(`${url}/api/query/items:echo`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ args: { value } }) });

describe("bounded connections", () => {
  it("an idle-socket storm beyond the cap: excess sockets are closed at once, idle ones after the head timeout, other clients are answered", async () => {
    const cap = 40;
    const server = await start({ connections: { maxConnections: cap, headersTimeoutMs: 1000 } });
    const storm = Array.from({ length: cap + 50 }, () => openIdle(server.port));
    // the server closes every storm socket: the excess as they arrive, the rest when their head never comes
    await eventually(() => storm.every((idle) => idle.closed), 450); // generous: under CI load the head-timeout sweep can lag
    let answered: Response | undefined;
    for (let attempt = 0; attempt < 50 && answered === undefined; attempt++) {
      answered = await echo(server.url, "still here").catch(() => undefined);
    }
    expect(answered?.status).toBe(200);
    expect(await answered?.json()).toEqual({ value: "still here" });
  });

  it("closes an idle keep-alive socket after keepAliveTimeoutMs", async () => {
    const server = await start({ connections: { keepAliveTimeoutMs: 300 } });
    const { raw, closedByServer } = await rawExchange(server.port, "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n", 3000);
    expect(parseRawResponse(raw)?.status).toBe(200);
    expect(closedByServer).toBe(true);
  });
});

describe("admission control", () => {
  it("refuses calls beyond maxConcurrentCalls with 503 UNAVAILABLE and Retry-After, and serves again once they end", async () => {
    const server = await start({ limits: { maxConcurrentCalls: 3 } });
    const stalled = await Promise.all(Array.from({ length: 3 }, () => stalledPost(server.port, 1000)));
    let refused: Response | undefined;
    await eventually(async () => {
      refused = await echo(server.url);
      return refused.status !== 200;
    });
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get("retry-after")).toBe("1");
    expect(((await refused?.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
    // health is not a call: it is answered while the calls are full
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    for (const socket of stalled) socket.destroy();
    await eventually(async () => (await echo(server.url)).status === 200);
    expect(server.errors).toEqual([]);
  });

  it("refuses a body that does not fit in maxBufferedBodyBytes before reading it", async () => {
    const MiB = 1024 * 1024;
    const server = await start({ limits: { maxBodyBytes: MiB, maxBufferedBodyBytes: 2 * MiB } });
    const stalled = await Promise.all([stalledPost(server.port, MiB), stalledPost(server.port, MiB)]);
    // both reservations are taken once a small body no longer fits
    let refused: Response | undefined;
    await eventually(async () => {
      refused = await echo(server.url, "x".repeat(1000));
      return refused.status !== 200;
    });
    expect(refused?.status).toBe(503);
    expect(refused?.headers.get("retry-after")).toBe("1");
    // GET calls carry no body: still admitted
    const get = await fetch(`${server.url}/api/query/items:echo?args=${encodeURIComponent(JSON.stringify({ value: 2 }))}`);
    expect(get.status).toBe(200);
    for (const socket of stalled) socket.destroy();
    await eventually(async () => (await echo(server.url, "x".repeat(1000))).status === 200);
  });
});

describe("health under load", () => {
  it("answers while long transactions hold every connection, before they finish", async () => {
    const server = await start({});
    const driver = db().driver;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let finished = 0;
    // more transactions than the pool has connections (pg: 5; PGlite: one, the rest queue)
    const long = Array.from({ length: 8 }, () =>
      driver
        .transaction({}, async (tx) => {
          await tx.query("SELECT 1");
          await gate;
        })
        .then(() => finished++),
    );
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    expect(finished).toBe(0);
    release();
    await Promise.all(long);
    expect(finished).toBe(8);
  });
});
