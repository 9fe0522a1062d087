import { FrameworkError } from "../errors/framework-error.js";
import { bodyCutOff, bodyTimedOut, declaredTooLarge, payloadTooLarge } from "./body-errors.js";

const ignore = (): void => undefined;

/**
 * Read a Web `Request` body with a size limit and a deadline, counting bytes as chunks arrive:
 * `Content-Length` over `maxBytes` rejects at once; the chunk that passes the limit cancels
 * the stream and rejects with `PAYLOAD_TOO_LARGE`; a body not complete within `timeoutMs`
 * (or a broken stream) cancels it and rejects with `BAD_REQUEST`.
 *
 * @example
 * const body = await readWebBody(request, 1024 * 1024, 10_000);
 */
export async function readWebBody(request: Request, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  const stream = request.body;
  if (declaredTooLarge(request.headers.get("content-length"), maxBytes)) {
    stream?.cancel().catch(ignore);
    throw payloadTooLarge(maxBytes);
  }
  if (stream === null) return new Uint8Array(0);
  if (request.bodyUsed) throw new FrameworkError("BAD_REQUEST", "the request body was already read before Convoy's handler");
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(bodyTimedOut(timeoutMs));
    }, timeoutMs);
  });
  deadline.catch(ignore);
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), deadline]);
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) throw payloadTooLarge(maxBytes);
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(ignore);
    throw error instanceof FrameworkError ? error : bodyCutOff();
  } finally {
    clearTimeout(timer);
  }
  const body = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
