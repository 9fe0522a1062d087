// @vitest-environment happy-dom
/*
 * In a browser, ConvoyClient does not wait out its backoff when the tab comes back or the
 * network returns: `online` and `visibilitychange` (visible) reconnect at once (convex-js#183:
 * no reconnect when a background tab returns). A scripted server; happy-dom for the events.
 */
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { ConvoyClient, makeFunctionReference } from "../../src/browser/index.js";
import { startScriptedServer, type ScriptedServer } from "./scripted-sync-server.js";

const counterGet = makeFunctionReference<"query", Record<string, never>, number>("counter:get");
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ server: ScriptedServer; client: ConvoyClient; values: number[] }> {
  const server = await startScriptedServer();
  cleanups.push(() => server.close());
  // a backoff far longer than the test: only the browser events can bring the client back quickly
  const client = new ConvoyClient(server.url, { webSocketConstructor: WebSocket, reconnectBackoff: { initialMs: 120_000, maxMs: 120_000 } });
  cleanups.push(() => client.close());
  const values: number[] = [];
  client.onUpdate(counterGet, {}, (value) => values.push(value));
  await waitUntil(() => values.length === 1);
  return { server, client, values };
}

function waitUntil(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (predicate()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error("timed out"));
      else setTimeout(check, 5);
    };
    check();
  });
}

describe("ConvoyClient in a browser tab", () => {
  it("reconnects at once when the network comes back (online)", async () => {
    const { server, client, values } = await setup();
    server.sockets[0]!.terminate();
    await waitUntil(() => client.connectionState().phase === "disconnected");
    server.setCounter(4);
    window.dispatchEvent(new Event("online"));
    await waitUntil(() => values.at(-1) === 4);
    expect(client.connectionState()).toMatchObject({ phase: "connected", connectionCount: 2 });
  });

  it("reconnects at once when the tab becomes visible (visibilitychange)", async () => {
    const { server, client, values } = await setup();
    server.sockets[0]!.terminate();
    await waitUntil(() => client.connectionState().phase === "disconnected");
    server.setCounter(9);
    expect(document.visibilityState).toBe("visible");
    document.dispatchEvent(new Event("visibilitychange"));
    await waitUntil(() => values.at(-1) === 9);
    expect(client.connectionState().connectionCount).toBe(2);
  });

  it("on return, replaces an open-looking socket that no longer answers", async () => {
    const { server, client, values } = await setup();
    server.answerPings = false;
    const next = server.nextSocket();
    document.dispatchEvent(new Event("visibilitychange"));
    // the client pinged, heard nothing within 5 s, and opened a new socket
    await next;
    server.answerPings = true;
    server.setCounter(2);
    await waitUntil(() => values.at(-1) === 2);
    expect(client.connectionState().connectionCount).toBe(2);
  }, 40_000);
});
