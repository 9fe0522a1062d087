import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { startSyncServer, SyncTestClient, type SyncServer } from "./fixtures/sync-harness.js";

let db: TestDatabase;
let server: SyncServer;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startSyncServer(db.driver);
});

afterAll(async () => {
  await server.close();
  await db.close();
});

let run = 0;

/** A write: socket `writer` adds `by` to counter `counter` (0, 1) or to the pair (2: `a` and `b` together). */
const write = fc.record({ writer: fc.nat(2), counter: fc.nat(2), by: fc.integer({ min: 1, max: 9 }) });

describe("ordering and consistency (model-based)", () => {
  it("every socket sees, per subscription, model states in commit order ending at the final state; both halves of a pair always agree", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(12), { minLength: 3, maxLength: 3 }), async (writes, subscribeAfter) => {
        const prefix = `run${++run}-`;
        const names = [`${prefix}c0`, `${prefix}c1`, `${prefix}a`, `${prefix}b`];
        const sockets = await Promise.all([0, 1, 2].map(() => SyncTestClient.connect(server.wsUrl)));
        const subscribe = (socket: SyncTestClient) => names.forEach((name, queryId) => socket.send({ type: "subscribe", queryId, name: "counters:get", args: { name } }));
        // each socket subscribes after a random number of writes were sent: concurrently with them
        const committed: number[][] = [[0], [0]];
        const pending: Promise<unknown>[] = [];
        for (let i = 0; i <= writes.length; i++) {
          sockets.forEach((socket, s) => {
            if (subscribeAfter[s] === i || (i === writes.length && subscribeAfter[s]! > writes.length)) subscribe(socket);
          });
          const w = writes[i];
          if (w === undefined) continue;
          const socket = sockets[w.writer]!;
          pending.push(
            w.counter === 2
              ? socket.mutation("pairs:addBoth", { prefix, by: w.by })
              : socket.mutation("counters:add", { name: names[w.counter]!, by: w.by }).then((answer) => committed[w.counter]!.push(answer.value as number)),
          );
        }
        await Promise.all(pending);
        const pairTotal = writes.filter((w) => w.counter === 2).reduce((sum, w) => sum + w.by, 0);
        // the model: each counter's states in commit order (values only grow)
        const states = committed.map((values) => [...values].sort((x, y) => x - y));
        const finals = [states[0]!.at(-1)!, states[1]!.at(-1)!, pairTotal, pairTotal];
        for (const socket of sockets) {
          await socket.waitFor(() => names.every((_, queryId) => socket.latest(queryId) === finals[queryId]), 20_000);
          for (const counter of [0, 1]) {
            const seen = socket.values(counter) as number[];
            // a subsequence of the model's states, in order, without repeats
            let position = -1;
            for (const value of seen) {
              const at = states[counter]!.indexOf(value, position + 1);
              expect(at, `socket saw ${JSON.stringify(seen)}, model ${JSON.stringify(states[counter])}`).toBeGreaterThan(position);
              position = at;
            }
          }
          // one snapshot per transition: applying the transitions in order, a and b are always equal
          const view = new Map<number, unknown>();
          let versionBefore = 0n;
          for (const message of socket.messages) {
            if (message.type !== "transition") continue;
            const version = BigInt(message.version as string);
            expect(version).toBeGreaterThan(versionBefore);
            versionBefore = version;
            for (const result of message.results as { queryId: number; value: unknown }[]) view.set(result.queryId, result.value);
            if (view.has(2) && view.has(3)) expect(view.get(2)).toBe(view.get(3));
          }
          socket.close();
        }
      }),
      { numRuns: 12 },
    );
  }, 240_000);
});
