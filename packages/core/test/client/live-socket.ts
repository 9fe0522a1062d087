/*
 * A WebSocket class for the client's end-to-end tests: a real `ws` socket that the test can cut
 * (a network failure, no close frame) and that can lose the answer of a mutation (the server
 * applied it, the client never heard), to exercise reconnects and resends.
 */
import WebSocket from "ws";
import type { WebSocketConstructorLike, WebSocketLike } from "../../src/browser/index.js";

export interface LiveSockets {
  /** Pass as `webSocketConstructor`. */
  WebSocketClass: WebSocketConstructorLike;
  /** Every socket opened, oldest first. */
  sockets: WebSocket[];
  /** Cuts the newest socket (TCP reset, no close frame). */
  cut(): void;
  /** The next `mutationResult` is lost, and its socket cut right after (then `afterLoss` runs). */
  loseNextMutationResult(afterLoss?: () => void): void;
}

/** A set of sockets a test controls. */
export function liveSockets(): LiveSockets {
  const sockets: WebSocket[] = [];
  let loseMutationResult = false;
  let afterLossHook: (() => void) | undefined;
  class TestSocket implements WebSocketLike {
    onopen: WebSocketLike["onopen"] = null;
    onmessage: WebSocketLike["onmessage"] = null;
    onclose: WebSocketLike["onclose"] = null;
    onerror: WebSocketLike["onerror"] = null;
    private readonly socket: WebSocket;

    constructor(url: string) {
      this.socket = new WebSocket(url);
      sockets.push(this.socket);
      this.socket.onopen = (event) => this.onopen?.(event);
      this.socket.onerror = (event) => this.onerror?.(event);
      this.socket.onclose = (event) => this.onclose?.(event);
      this.socket.onmessage = (event) => {
        if (loseMutationResult && typeof event.data === "string" && event.data.includes('"type":"mutationResult"')) {
          loseMutationResult = false;
          this.socket.terminate();
          afterLossHook?.();
          return;
        }
        this.onmessage?.(event);
      };
    }

    get readyState(): number {
      return this.socket.readyState;
    }

    send(data: string): void {
      this.socket.send(data);
    }

    close(code?: number, reason?: string): void {
      this.socket.close(code, reason);
    }
  }
  return {
    WebSocketClass: TestSocket,
    sockets,
    cut: () => sockets.at(-1)?.terminate(),
    loseNextMutationResult: (afterLoss) => {
      loseMutationResult = true;
      afterLossHook = afterLoss;
    },
  };
}
