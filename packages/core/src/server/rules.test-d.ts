import { describe, expectTypeOf, it } from "vitest";
import type { RulesDefinition } from "../rules/rules-definition.js";
import { defineSchema, defineTable } from "../schema/index.js";
import type { DataModelFromSchemaDefinition, DocumentByName } from "../schema/index.js";
import type { UserIdentity } from "../functions/context.js";
import { v } from "../values/v.js";
import type { GenericDatabaseReader } from "./database.js";
import { defineRulesGeneric, type DefineRules } from "./rules.js";

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- only its type is used
const schema = defineSchema({
  notes: defineTable({ owner: v.string(), public: v.boolean(), body: v.string() }).index("by_owner", ["owner"]),
  members: defineTable({ team: v.string(), user: v.string() }),
});
type DataModel = DataModelFromSchemaDefinition<typeof schema>;
/** What `_generated/server` exports as `defineRules`. */
const defineRules = defineRulesGeneric as unknown as DefineRules<DataModel>;
type Note = DocumentByName<DataModel, "notes">;

describe("defineRules", () => {
  it("types each rule by its table: doc is Doc<table>, ctx has auth and a reader", () => {
    const rules = defineRules({
      defaultPolicy: "deny",
      notes: {
        read: async (ctx, doc) => {
          expectTypeOf(doc).toEqualTypeOf<Note>();
          expectTypeOf(ctx.db).toEqualTypeOf<GenericDatabaseReader<DataModel>>();
          return doc.public || doc.owner === (await ctx.auth.getUserIdentity())?.subject;
        },
        insert: (_ctx, doc) => {
          expectTypeOf(doc).toEqualTypeOf<Note>();
          return true;
        },
        update: (_ctx, oldDoc, newDoc) => {
          expectTypeOf(oldDoc).toEqualTypeOf<Note>();
          expectTypeOf(newDoc).toEqualTypeOf<Note>();
          return oldDoc.owner === newDoc.owner;
        },
        delete: (_ctx, doc) => doc.owner === "ada",
      },
      members: { read: () => true },
    });
    expectTypeOf(rules).toEqualTypeOf<RulesDefinition<DataModel>>();
  });

  it("a filter read rule uses the typed filter builder and the identity", () => {
    defineRules({
      notes: {
        read: {
          filter: (q, identity) => {
            expectTypeOf(identity).toEqualTypeOf<UserIdentity | null>();
            return q.or(q.eq(q.field("public"), true), q.eq(q.field("owner"), identity?.subject ?? ""));
          },
        },
      },
    });
  });

  it("rejects unknown tables, unknown fields, unknown operations and bad policies", () => {
    defineRules({
      // @ts-expect-error there is no table "messages" in the schema
      messages: { read: () => true },
    });
    defineRules({
      notes: {
        // @ts-expect-error notes have no field "author"
        read: (_ctx, doc) => doc.author === "ada",
      },
    });
    defineRules({
      // @ts-expect-error notes have no field "author"
      notes: { read: { filter: (q) => q.eq(q.field("author"), "ada") } },
    });
    defineRules({
      // @ts-expect-error "modify" is not a rule (read, insert, update, delete)
      notes: { modify: () => true },
    });
    // @ts-expect-error defaultPolicy is "allow" or "deny"
    defineRules({ defaultPolicy: "maybe" });
    defineRules({
      notes: {
        // @ts-expect-error a rule answers with a boolean
        delete: () => "yes",
      },
    });
  });
});
