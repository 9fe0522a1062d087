/* A real Convoy server over the client fixture app (test/client/fixture/convoy), on port 0. */
import { createServer as createNodeServer, request as nodeRequest, type IncomingHttpHeaders } from "node:http";
import { identityFromTestClaims } from "../../src/auth/user-identity.js";
import type { Driver } from "../../src/driver/index.js";
import { FrameworkError } from "../../src/errors/framework-error.js";
import { createServer } from "../../src/http/create-server.js";
import type { TokenVerifier } from "../../src/http/handler-options.js";
import { RealtimeEngine } from "../../src/realtime/index.js";
import { createRegistrySync } from "../../src/functions/registry.js";
import type { HandlerOptions } from "../../src/http/handler-options.js";
import { startTestServer, type TestServer } from "../../src/http/fixtures/test-server.js";
import { createRuntime } from "../../src/runtime/index.js";
import { closeServer, listenLocal } from "../helpers/http-server.js";
import { ensureStorageFor } from "../helpers/test-database.js";
import { appSchema, modules } from "./fixture/convoy/_generated/functions.js";

/**
 * Serve the fixture app on a free port (CORS open, so a DOM `fetch` may call it too; access
 * headers on, as under `convoy dev`).
 *
 * @example
 * const server = await startFixtureServer(db().driver);
 * const client = new ConvoyHttpClient(server.url);
 */
export async function startFixtureServer(driver: Driver, options: Partial<HandlerOptions> = {}): Promise<TestServer> {
  const runtime = await createRuntime({ driver, schema: appSchema, registry: createRegistrySync(modules), ensureStorage: ensureStorageFor(driver) });
  return startTestServer(driver, { cors: { origins: "*" }, accessHeaders: true, ...options }, runtime);
}

/** Tokens `tok:<subject>` identify that subject; any other token is refused as expired. */
export const fixtureVerifyToken: TokenVerifier = (token) => {
  if (!token.startsWith("tok:")) return Promise.reject(new FrameworkError("UNAUTHENTICATED", "token expired"));
  return Promise.resolve(identityFromTestClaims({ subject: token.slice(4) }));
};

/** A live fixture server: HTTP API and `/api/sync`. */
export interface LiveFixtureServer {
  url: string;
  port: number;
  engine: RealtimeEngine;
  /** Stops it as a restart would: sockets closed (1001), the port freed. */
  close(): Promise<void>;
}

/**
 * Serve the fixture app with live queries (`/api/sync`) on `port` (default a free one; pass a
 * stopped server's port to restart it "on the same address"). Tokens: {@link fixtureVerifyToken}.
 *
 * @example
 * const server = await startLiveFixtureServer(db().driver);
 * const client = new ConvoyClient(server.url, { webSocketConstructor: WebSocket });
 */
export async function startLiveFixtureServer(driver: Driver, port = 0): Promise<LiveFixtureServer> {
  const runtime = await createRuntime({ driver, schema: appSchema, registry: createRegistrySync(modules), ensureStorage: ensureStorageFor(driver) });
  const engine = new RealtimeEngine({ runtime });
  const server = createServer({ runtime, realtime: { engine, runtime }, verifyToken: fixtureVerifyToken, cors: { origins: "*" }, accessHeaders: true });
  const listening = await listenLocal(server, port);
  return {
    url: `http://127.0.0.1:${listening}`,
    port: listening,
    engine,
    close: async () => {
      await closeServer(server);
      engine.close();
    },
  };
}

/** What a {@link startFlakyProxy} saw: one entry per request, with the answer it gave. */
export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  answer: "503" | "forwarded";
}

export interface FlakyProxy {
  url: string;
  requests: ProxiedRequest[];
  /** Answer the next `count` requests with 503 UNAVAILABLE instead of forwarding them. */
  failNext(count: number): void;
  close(): Promise<void>;
}

/**
 * A tiny HTTP proxy in front of `target` that answers 503 (as a server whose database is down
 * would) to as many requests as {@link FlakyProxy.failNext} says, and forwards the rest.
 */
export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const requests: ProxiedRequest[] = [];
  let failures = 0;
  const server = createNodeServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (failures > 0) {
        failures--;
        requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, answer: "503" });
        res.writeHead(503, { "Content-Type": "application/json" }).end(JSON.stringify({ error: { code: "UNAVAILABLE", message: "database down" } }));
        return;
      }
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, answer: "forwarded" });
      const upstream = nodeRequest(new URL(req.url ?? "/", target), { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on("error", () => res.writeHead(502).end());
      upstream.end(Buffer.concat(chunks));
    });
  });
  const port = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(count) {
      failures = count;
    },
    close: () => closeServer(server),
  };
}
