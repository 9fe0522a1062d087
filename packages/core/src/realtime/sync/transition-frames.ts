import type { Transition } from "../engine-client.js";

/**
 * Builds `transition` frames. Identical subscriptions (same group, same client query id) get
 * the very same encoded frame within a cycle: one serialisation and one UTF-8 encoding for
 * every subscriber.
 */
export class TransitionFrames {
  private last: { version: number; queryId: number; text: string; frame: Buffer } | undefined;

  transition(transition: Transition): string | Buffer {
    const { version, results } = transition;
    if (results.length === 1) {
      const { queryId, text } = results[0]!;
      const last = this.last;
      if (last !== undefined && last.version === version && last.queryId === queryId && last.text === text) return last.frame;
      const frame = Buffer.from(`{"type":"transition","version":"${String(version)}","results":[{"queryId":${String(queryId)},${text}}]}`);
      this.last = { version, queryId, text, frame };
      return frame;
    }
    return `{"type":"transition","version":"${String(version)}","results":[${results.map((result) => `{"queryId":${String(result.queryId)},${result.text}}`).join(",")}]}`;
  }
}
