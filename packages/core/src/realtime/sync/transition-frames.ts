import type { Transition } from "../engine-client.js";
import { textFrame } from "./frame-batch.js";

/**
 * Builds `transition` frames (complete WebSocket frames). Within a cycle, every socket that gets
 * the same one result under the same query id gets the very same bytes: one serialisation, one
 * UTF-8 encoding and one frame per (result, query id), whatever the number of subscribers.
 */
export class TransitionFrames {
  private version = -1;
  /** This cycle's single-result frames: by the result's text (one string per group), then query id. */
  private frames = new Map<string, Map<number, Buffer>>();

  transition(transition: Transition): Buffer {
    const { version, results } = transition;
    if (results.length !== 1) {
      return textFrame(`{"type":"transition","version":"${String(version)}","results":[${results.map((result) => `{"queryId":${String(result.queryId)},${result.text}}`).join(",")}]}`);
    }
    if (version !== this.version) {
      this.version = version;
      this.frames = new Map();
    }
    const { queryId, text } = results[0]!;
    let byQueryId = this.frames.get(text);
    if (byQueryId === undefined) this.frames.set(text, (byQueryId = new Map<number, Buffer>()));
    let frame = byQueryId.get(queryId);
    if (frame === undefined) {
      frame = textFrame(`{"type":"transition","version":"${String(version)}","results":[{"queryId":${String(queryId)},${text}}]}`);
      byQueryId.set(queryId, frame);
    }
    return frame;
  }
}
