import type { IncomingMessage } from "node:http";
import { FrameworkError } from "../errors/framework-error.js";
import { bodyCutOff, bodyTimedOut, declaredTooLarge, payloadTooLarge } from "./body-errors.js";

const ignore = (): void => undefined;

/**
 * Read a Node request body with a size limit and a deadline, counting bytes as they stream in:
 * - `Content-Length` over `maxBytes` rejects at once, before reading anything;
 * - the first chunk that takes the total over `maxBytes` stops the reading (the stream is
 *   paused, so TCP back-pressure stops the client) and rejects with `PAYLOAD_TOO_LARGE`;
 * - a body not complete within `timeoutMs`, or cut off by the client, rejects with
 *   `BAD_REQUEST`.
 * After a rejection the caller must answer with `Connection: close`: this function reads no
 * more of the body (the Node handler drains a too-large one, bounded, after answering).
 *
 * @example
 * const body = await readNodeBody(req, 1024 * 1024, 10_000);
 */
export function readNodeBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  if (declaredTooLarge(req.headers["content-length"], maxBytes)) return Promise.reject(payloadTooLarge(maxBytes));
  if (req.readableEnded) {
    return Promise.reject(new FrameworkError("BAD_REQUEST", "the request body was already read (by another middleware?) before Convoy's handler"));
  }
  // An aborted request emits 'error' only when someone listens; keep a listener for good.
  req.on("error", ignore);
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (error?: FrameworkError): void => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
      if (error === undefined) {
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
      } else {
        req.pause();
        reject(error);
      }
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > maxBytes) finish(payloadTooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      finish();
    };
    const onError = (): void => {
      finish(bodyCutOff());
    };
    const onClose = (): void => {
      // 'close' before 'end': the client went away mid-body.
      finish(bodyCutOff());
    };
    const timer = setTimeout(() => {
      finish(bodyTimedOut(timeoutMs));
    }, timeoutMs);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}
