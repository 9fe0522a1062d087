import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { FrameBatch, textFrame } from "./frame-batch.js";
import { TransitionFrames } from "./transition-frames.js";

describe("frames batched per turn under ws", () => {
  it("a ws client reads every length of shared text message, in order, a turn's frames in one write", async () => {
    const http = createServer();
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    const accepted = new Promise<{ ws: WebSocket; tcp: Socket }>((resolve) => {
      http.on("upgrade", (request, tcp: Socket, head) => wss.handleUpgrade(request, tcp, head, (ws) => resolve({ ws, tcp })));
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    const received: string[] = [];
    client.on("message", (data: Buffer, isBinary) => received.push(isBinary ? "binary!" : data.toString("utf8")));
    const { ws, tcp } = await accepted;
    const writes: number[] = [];
    const write = tcp.write.bind(tcp);
    tcp.write = (chunk: Buffer) => {
      writes.push(tcp.writableCorked);
      return write(chunk);
    };

    const batch = new FrameBatch();
    const outbox = batch.outbox(ws, tcp);
    const texts = [0, 1, 125, 126, 65_535, 65_536, 300_000].map((length) => "é".repeat(length >> 1) + "x".repeat(length & 1));
    for (const text of texts) outbox.push(textFrame(text));
    expect(writes).toHaveLength(0); // nothing leaves before the end of the turn
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes.length).toBeGreaterThanOrEqual(texts.length);
    expect(writes.every((corked) => corked > 0)).toBe(true); // all corked: one write to the kernel
    while (received.length < texts.length) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(received).toEqual(texts);
    client.close();
    wss.close();
    http.close();
  });

  it("one frame per (result, query id) in a cycle, shared by every socket that gets it", () => {
    const frames = new TransitionFrames();
    const text = '"value":[1,2]';
    const a = frames.transition({ version: 7, results: [{ queryId: 1, text }] });
    expect(frames.transition({ version: 7, results: [{ queryId: 2, text }] })).not.toBe(a);
    expect(frames.transition({ version: 7, results: [{ queryId: 1, text }] })).toBe(a);
    expect(frames.transition({ version: 8, results: [{ queryId: 1, text }] })).not.toBe(a);
    expect(a.toString()).toBe('{"type":"transition","version":"7","results":[{"queryId":1,"value":[1,2]}]}');
  });
});
