/* Type tests of ConvoyClient over the fixture app's generated api: typed like ConvoyHttpClient. */
import WebSocket from "ws";
import { describe, expectTypeOf, it } from "vitest";
import { ConvoyClient, type ConnectionState, type ConvoyRequestError, type Unsubscribe, type WebSocketConstructorLike } from "../../src/browser/index.js";
import { api, internal } from "./fixture/convoy/_generated/api.js";
import type { Doc, Id } from "./fixture/convoy/_generated/dataModel.js";

const client = new ConvoyClient("http://localhost:3700", { webSocketConstructor: WebSocket });
/** Uses a value (so an expression can stand under a `@ts-expect-error`). */
declare function use(value: unknown): void;

describe("ConvoyClient", () => {
  it("takes the browser's WebSocket and ws's", () => {
    expectTypeOf(WebSocket).toExtend<WebSocketConstructorLike>();
    expectTypeOf(globalThis.WebSocket).toExtend<WebSocketConstructorLike>();
  });

  it("types onUpdate's callbacks and its unsubscribe by the reference", () => {
    const stop = client.onUpdate(
      api.notes.byTitle,
      { title: "a" },
      (note) => expectTypeOf(note).toEqualTypeOf<Doc<"notes"> | null>(),
      (error) => expectTypeOf(error).toEqualTypeOf<ConvoyRequestError>(),
    );
    expectTypeOf(stop).toEqualTypeOf<Unsubscribe<Doc<"notes"> | null>>();
    expectTypeOf(stop.getCurrentValue()).toEqualTypeOf<Doc<"notes"> | null | undefined>();
    expectTypeOf(stop).returns.toBeVoid();
  });

  it("types query and mutation like ConvoyHttpClient", () => {
    expectTypeOf(client.query(api.notes.list)).resolves.toEqualTypeOf<Doc<"notes">[]>();
    expectTypeOf(client.query(api.notes.count, {})).resolves.toEqualTypeOf<number>();
    expectTypeOf(client.mutation(api.notes.add, { title: "a", stars: 1n })).resolves.toEqualTypeOf<Id<"notes">>();
    expectTypeOf(client.connectionState()).toEqualTypeOf<ConnectionState>();
  });

  it("rejects wrong args, wrong kinds, unknown and internal functions", () => {
    // @ts-expect-error -- title must be a string
    client.onUpdate(api.notes.byTitle, { title: 1 }, () => undefined);
    // @ts-expect-error -- args are required by onUpdate
    client.onUpdate(api.notes.byTitle, () => undefined);
    // @ts-expect-error -- notes:add is a mutation
    client.onUpdate(api.notes.add, { title: "a", stars: 1n }, () => undefined);
    // @ts-expect-error -- internal functions are not callable from a client
    client.onUpdate(internal.notes.secret, {}, () => undefined);
    // @ts-expect-error -- there is no notes:nope
    client.onUpdate(api.notes.nope, {}, () => undefined);
    // @ts-expect-error -- the result is a number, not a string
    client.onUpdate(api.notes.count, {}, (count: string) => use(count));
    // @ts-expect-error -- stars is an int64: a bigint, not a number
    void client.mutation(api.notes.add, { title: "a", stars: 1 });
    // @ts-expect-error -- notes:list is a query
    void client.mutation(api.notes.list, {});
    // @ts-expect-error -- title is required
    void client.query(api.notes.byTitle, {});
  });

  it("takes setAuth fetchers with or without the refresh flag", () => {
    client.setAuth(() => "token");
    client.setAuth(({ forceRefreshToken }) => Promise.resolve(forceRefreshToken ? "fresh" : null), (signedIn) => expectTypeOf(signedIn).toEqualTypeOf<boolean>());
    // @ts-expect-error -- a token is a string
    client.setAuth(() => 42);
  });
});
