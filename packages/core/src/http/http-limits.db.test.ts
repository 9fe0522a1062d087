import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../test/helpers/test-database.js";
import { parseRawResponse, rawExchange, startTestServer, type RawResponse, type TestServer } from "./fixtures/test-server.js";

const db = useTestDatabase();
let server: TestServer;
const BODY_TIMEOUT_MS = 600;

beforeAll(async () => {
  server = await startTestServer(db().driver, { limits: { bodyTimeoutMs: BODY_TIMEOUT_MS } });
});
afterAll(async () => {
  await server.close();
});

const MiB = 1024 * 1024;

interface StreamOutcome {
  response: RawResponse | null;
  /** Bytes of body the kernel accepted from the client before the response came (or the socket died). */
  bytesAccepted: number;
  finishedSending: boolean;
  elapsedMs: number;
}

/** Stream `totalBytes` of body as fast as the socket takes it, stopping when a response arrives. */
function streamBody(port: number, head: string, totalBytes: number, chunked: boolean): Promise<StreamOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket: Socket = connect(port, "127.0.0.1");
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let accepted = 0;
    let sent = 0;
    let raw = "";
    let done = false;
    let finishedSending = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ response: parseRawResponse(raw), bytesAccepted: accepted, finishedSending, elapsedMs: performance.now() - started });
    };
    socket.on("data", (data) => {
      raw += data.toString("latin1");
      if (parseRawResponse(raw) !== null) finish();
    });
    socket.on("error", finish);
    socket.on("close", finish);
    const pump = (): void => {
      while (!done && sent < totalBytes) {
        const size = Math.min(chunk.length, totalBytes - sent);
        const piece = chunked ? Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), chunk.subarray(0, size), Buffer.from("\r\n")]) : chunk.subarray(0, size);
        sent += size;
        const more = socket.write(piece, (error) => {
          if (error === undefined || error === null) accepted += size;
        });
        if (!more) {
          socket.once("drain", pump);
          return;
        }
      }
      if (!done && sent >= totalBytes) {
        finishedSending = true;
        if (chunked) socket.write("0\r\n\r\n");
      }
    };
    socket.on("connect", () => {
      socket.write(head);
      pump();
    });
    setTimeout(finish, 20_000);
  });
}

async function healthyPromptly(): Promise<void> {
  const started = performance.now();
  const response = await fetch(`${server.url}/api/query/items:count`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ value: expect.any(Number) });
  expect(performance.now() - started).toBeLessThan(2000);
}

describe("body size limit", () => {
  it("rejects a 50 MiB chunked body with 413 while it streams, without reading it all", async () => {
    const head = "POST /api/mutation/items:add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
    const outcome = await streamBody(server.port, head, 50 * MiB, true);
    expect(outcome.response?.status).toBe(413);
    expect(JSON.parse(outcome.response!.body)).toEqual({ error: { code: "PAYLOAD_TOO_LARGE", message: expect.any(String), data: { maxBytes: MiB } } });
    expect(outcome.response?.headers.connection).toBe("close");
    expect(outcome.finishedSending).toBe(false);
    // The server stopped after ~1 MiB; what else the client pushed sits in socket buffers.
    expect(outcome.bytesAccepted).toBeLessThan(20 * MiB);
    await healthyPromptly();
  });

  it("rejects a declared 50 MiB Content-Length at once, before the body is sent", async () => {
    const head = `POST /api/mutation/items:add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${50 * MiB}\r\n\r\n`;
    const outcome = await streamBody(server.port, head, 50 * MiB, false);
    expect(outcome.response?.status).toBe(413);
    expect(outcome.finishedSending).toBe(false);
    expect(outcome.bytesAccepted).toBeLessThan(20 * MiB);
    // Nothing need be sent at all: the headers alone get the answer.
    const { raw, closedByServer } = await rawExchange(server.port, head);
    expect(parseRawResponse(raw)?.status).toBe(413);
    expect(closedByServer).toBe(true);
    await healthyPromptly();
  });

  it.each([
    ["chunked", false],
    ["with Content-Length", true],
  ])("a node:http client streaming a 5 MiB body (%s) reads the 413 answer, without a connection reset", async (_label, withLength) => {
    const total = 5 * MiB;
    const outcome = await new Promise<{ status: number; json: unknown; errors: Error[] }>((resolve) => {
      const headers: Record<string, string | number> = { "Content-Type": "application/json" };
      if (withLength) headers["Content-Length"] = total;
      const req = httpRequest({ host: "127.0.0.1", port: server.port, method: "POST", path: "/api/mutation/items:add", headers });
      const errors: Error[] = [];
      let answer = { status: 0, json: null as unknown };
      req.on("error", (error) => errors.push(error));
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          answer = { status: res.statusCode ?? 0, json: JSON.parse(text) };
        });
      });
      // Settled once the connection is gone (the client ends it after a Connection: close answer).
      req.on("close", () => {
        resolve({ ...answer, errors });
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < total && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once("drain", pump);
            return;
          }
        }
        if (!req.destroyed) req.end();
      };
      pump();
    });
    // Before the drain, the server closed with unread input: the client saw EPIPE/ECONNRESET.
    expect(outcome.errors).toEqual([]);
    expect(outcome.status).toBe(413);
    expect(outcome.json).toEqual({ error: { code: "PAYLOAD_TOO_LARGE", message: expect.any(String), data: { maxBytes: MiB } } });
    await healthyPromptly();
  });

  it("accepts a body just under the limit", async () => {
    const body = JSON.stringify({ args: { value: "x".repeat(MiB - 100) } });
    const response = await fetch(`${server.url}/api/query/items:echo`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
    expect(response.status).toBe(200);
  });
});

describe("connections", () => {
  it("keeps the connection alive across requests whose bodies were read", async () => {
    const one = 'POST /api/query/items:count HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"args":{}}';
    const last = 'POST /api/query/items:count HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{"args":{}}';
    const { raw, closedByServer } = await rawExchange(server.port, one + one + last);
    expect(raw.match(/HTTP\/1\.1 200 OK/g)).toHaveLength(3);
    expect(closedByServer).toBe(true);
  });

  it("closes the connection when it answers without reading a body", async () => {
    const { raw, closedByServer } = await rawExchange(server.port, "PUT /api/query/items:count HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{");
    const response = parseRawResponse(raw);
    expect(response?.status).toBe(405);
    expect(response?.headers.connection).toBe("close");
    expect(closedByServer).toBe(true);
  });
});

describe("slow and truncated bodies", () => {
  it("answers a stalled body with 400 after the body timeout and closes the connection; others are served meanwhile", async () => {
    const started = performance.now();
    const stalled = rawExchange(
      server.port,
      'POST /api/mutation/items:add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"args":',
      10_000,
    );
    await healthyPromptly();
    const { raw, closedByServer } = await stalled;
    const elapsed = performance.now() - started;
    const response = parseRawResponse(raw);
    expect(response?.status).toBe(400);
    expect(JSON.parse(response!.body)).toEqual({ error: { code: "BAD_REQUEST", message: `the request body did not arrive within ${BODY_TIMEOUT_MS} ms` } });
    expect(closedByServer).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(BODY_TIMEOUT_MS + 3000);
  });

  it("a body trickling in too slowly is cut off at the deadline too", async () => {
    const socket = connect(server.port, "127.0.0.1");
    let raw = "";
    socket.on("data", (data) => (raw += data.toString("latin1")));
    socket.on("error", () => undefined);
    const closed = new Promise<void>((resolve) => {
      socket.on("close", () => {
        resolve();
      });
    });
    socket.write("POST /api/mutation/items:add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n");
    const trickle = setInterval(() => socket.write(" "), 50);
    await closed;
    clearInterval(trickle);
    expect(parseRawResponse(raw)?.status).toBe(400);
    await healthyPromptly();
  });

  it("a client that sends part of its body and goes away does not hang the server", async () => {
    const before = await new Promise<number>((resolve) => {
      const socket = connect(server.port, "127.0.0.1", () => {
        socket.write("POST /api/mutation/items:add HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"args\":{");
        setTimeout(() => {
          socket.destroy();
          resolve(performance.now());
        }, 50);
      });
      socket.on("error", () => undefined);
    });
    await healthyPromptly();
    expect(performance.now() - before).toBeLessThan(2000);
    // Several at once, mid-body, then a burst of normal requests.
    await Promise.all(
      Array.from(
        { length: 10 },
        () =>
          new Promise<void>((resolve) => {
            const socket = connect(server.port, "127.0.0.1", () => {
              socket.write("POST /api/query/items:list HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"arg");
              setTimeout(() => {
                socket.destroy();
                resolve();
              }, 20);
            });
            socket.on("error", () => undefined);
          }),
      ),
    );
    await Promise.all(Array.from({ length: 10 }, () => healthyPromptly()));
    expect(server.errors).toEqual([]);
  });
});
