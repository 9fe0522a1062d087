/*
 * Type tests of the client over a generated `_generated/` (the fixture app in ./fixture): what
 * a user gets from `api`, `Doc`, `Id` and `ConvoyHttpClient`, and what does not compile.
 */
import { describe, expectTypeOf, it } from "vitest";
import { ConvoyHttpClient, type ConvoyRequestError, type ConvoyRequestErrorCode, type FunctionArgs, type FunctionReturnType } from "../../src/browser/index.js";
import type { GenericId } from "../../src/values/value.js";
import { api, internal } from "./fixture/convoy/_generated/api.js";
import type { DataModel, Doc, Id, TableNames } from "./fixture/convoy/_generated/dataModel.js";

const client = new ConvoyHttpClient("http://localhost:3700");
/** Uses a value (so an expression can stand under a `@ts-expect-error`). */
declare function use(value: unknown): void;

describe("generated data model", () => {
  it("Doc<table> is exactly the schema's document shape with system fields", () => {
    expectTypeOf<Doc<"notes">>().toEqualTypeOf<{
      _id: GenericId<"notes">;
      _creationTime: number;
      title: string;
      stars: bigint;
      blob?: ArrayBuffer;
      tags: string[];
    }>();
    expectTypeOf<Doc<"tags">>().toEqualTypeOf<{ _id: Id<"tags">; _creationTime: number; name: string; uses: number }>();
    expectTypeOf<DataModel["notes"]["document"]>().toEqualTypeOf<Doc<"notes">>();
  });

  it("names exactly the schema's tables, and ids of different tables do not mix", () => {
    expectTypeOf<TableNames>().toEqualTypeOf<"notes" | "tags">();
    expectTypeOf<Id<"notes">>().not.toEqualTypeOf<Id<"tags">>();
    // @ts-expect-error -- "users" is not a table of this app
    type NoSuchTable = Doc<"users">;
    expectTypeOf<NoSuchTable>().not.toBeNever();
    const noteId = "n1" as Id<"notes">;
    // @ts-expect-error -- an id of notes is not an id of tags
    const tagId: Id<"tags"> = noteId;
    use(tagId);
  });
});

describe("generated api", () => {
  it("has one typed reference per public function, nested modules by folder", () => {
    expectTypeOf<FunctionArgs<typeof api.notes.byTitle>>().toEqualTypeOf<{ title: string }>();
    expectTypeOf<FunctionReturnType<typeof api.notes.byTitle>>().toEqualTypeOf<Doc<"notes"> | null>();
    expectTypeOf<FunctionReturnType<typeof api.admin.users.whoami>>().toEqualTypeOf<string>();
    expectTypeOf<FunctionArgs<typeof api.notes.add>>().toEqualTypeOf<{ title: string; stars: bigint; blob?: ArrayBuffer; tags?: string[] }>();
  });

  it("keeps internal functions out of api and public ones out of internal", () => {
    // @ts-expect-error -- notes:secret is internal
    use(api.notes.secret);
    expectTypeOf(internal.notes.secret).not.toBeAny();
    // @ts-expect-error -- notes:list is public
    use(internal.notes.list);
  });
});

describe("ConvoyHttpClient", () => {
  it("infers arguments and results from the reference", () => {
    expectTypeOf(client.query(api.notes.list)).resolves.toEqualTypeOf<Doc<"notes">[]>();
    expectTypeOf(client.query(api.notes.count, {})).resolves.toEqualTypeOf<number>();
    expectTypeOf(client.query(api.notes.byTitle, { title: "a" })).resolves.toEqualTypeOf<Doc<"notes"> | null>();
    expectTypeOf(client.mutation(api.notes.add, { title: "a", stars: 1n })).resolves.toEqualTypeOf<Id<"notes">>();
    expectTypeOf(client.mutation(api.notes.star, { id: "x" as Id<"notes"> })).resolves.toEqualTypeOf<bigint>();
    expectTypeOf(client.query(api.notes.echo, { int: 1n, bytes: new ArrayBuffer(0), nested: { list: [] } })).resolves.toEqualTypeOf<{
      int: bigint;
      bytes: ArrayBuffer;
      nested: { list: bigint[] };
    }>();
  });

  it("rejects wrong arguments", () => {
    // @ts-expect-error -- title must be a string
    void client.query(api.notes.byTitle, { title: 1 });
    // @ts-expect-error -- title is required
    void client.query(api.notes.byTitle, {});
    // @ts-expect-error -- arguments are required when the function has required ones
    void client.query(api.notes.byTitle);
    // @ts-expect-error -- unknown argument
    void client.query(api.notes.byTitle, { title: "a", extra: true });
    // @ts-expect-error -- stars is an int64: a bigint, not a number
    void client.mutation(api.notes.add, { title: "a", stars: 1 });
    // @ts-expect-error -- an id of tags where an id of notes is expected
    void client.mutation(api.notes.star, { id: "x" as Id<"tags"> });
  });

  it("rejects unknown functions and modules", () => {
    // @ts-expect-error -- there is no notes:remove
    void client.mutation(api.notes.remove, {});
    // @ts-expect-error -- there is no module "users"
    void client.query(api.users.list, {});
    // @ts-expect-error -- a plain string is not a reference
    void client.query("notes:list", {});
  });

  it("rejects a mutation passed to query and the reverse, and internal functions", () => {
    // @ts-expect-error -- notes:add is a mutation
    void client.query(api.notes.add, { title: "a", stars: 1n });
    // @ts-expect-error -- notes:list is a query
    void client.mutation(api.notes.list, {});
    // @ts-expect-error -- internal functions cannot be called over HTTP
    void client.query(internal.notes.secret, {});
  });

  it("types the results, so misusing them does not compile", async () => {
    const notes = await client.query(api.notes.list);
    // @ts-expect-error -- the result is an array of notes, not a string
    const title: string = notes;
    // @ts-expect-error -- notes have no "body" field
    use(notes[0]?.body);
    const count = await client.query(api.notes.count);
    // @ts-expect-error -- a number has no length
    use(count.length);
    const note = await client.query(api.notes.byTitle, { title: "a" });
    // @ts-expect-error -- the note may be null
    use(note.title);
    // @ts-expect-error -- stars is a bigint, not a number
    use(Math.max(note!.stars, 1));
    use(title);
  });

  it("rejects with ConvoyRequestError fields", () => {
    expectTypeOf<ConvoyRequestError["code"]>().toEqualTypeOf<ConvoyRequestErrorCode>();
    expectTypeOf<ConvoyRequestError["status"]>().toEqualTypeOf<number>();
    expectTypeOf<ConvoyRequestError>().toHaveProperty("data");
    expectTypeOf<ConvoyRequestError>().toHaveProperty("message");
  });
});
