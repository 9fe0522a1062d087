import type { StandardSchemaV1 } from "@standard-schema/spec";
import { describe, expectTypeOf, it } from "vitest";
import type { GenericId, GenericValidator, Infer } from "./index.js";
import { v } from "./index.js";

function infer<TValidator extends GenericValidator>(validator: TValidator): Infer<TValidator> {
  return validator.type;
}
function accept<TValidator extends GenericValidator>(validator: TValidator, value: Infer<TValidator>): [TValidator, unknown] {
  return [validator, value];
}

describe("Infer", () => {
  it("gives each validator's type", () => {
    expectTypeOf<Infer<ReturnType<typeof v.string>>>().toEqualTypeOf<string>();
    expectTypeOf<Infer<ReturnType<typeof v.number>>>().toEqualTypeOf<number>();
    expectTypeOf<Infer<ReturnType<typeof v.float64>>>().toEqualTypeOf<number>();
    expectTypeOf<Infer<ReturnType<typeof v.int64>>>().toEqualTypeOf<bigint>();
    expectTypeOf<Infer<ReturnType<typeof v.boolean>>>().toEqualTypeOf<boolean>();
    expectTypeOf<Infer<ReturnType<typeof v.null>>>().toEqualTypeOf<null>();
    expectTypeOf<Infer<ReturnType<typeof v.bytes>>>().toEqualTypeOf<ArrayBuffer>();
    expectTypeOf<Infer<ReturnType<typeof v.any>>>().toBeAny();
    const userId = v.id("users");
    expectTypeOf(infer(userId)).toEqualTypeOf<GenericId<"users">>();
    expectTypeOf(userId.tableName).toEqualTypeOf<"users">();
    const literal = v.literal("draft");
    expectTypeOf(infer(literal)).toEqualTypeOf<"draft">();
    const bigLiteral = v.literal(3n);
    expectTypeOf(infer(bigLiteral)).toEqualTypeOf<3n>();
    const tags = v.array(v.string());
    expectTypeOf(infer(tags)).toEqualTypeOf<string[]>();
    const scores = v.record(v.string(), v.number());
    expectTypeOf(infer(scores)).toEqualTypeOf<Record<string, number>>();
    const byUser = v.record(v.id("users"), v.boolean());
    expectTypeOf(infer(byUser)).toEqualTypeOf<Record<GenericId<"users">, boolean>>();
  });

  it("makes v.optional fields optional properties", () => {
    const message = v.object({ author: v.string(), likes: v.optional(v.number()), meta: v.optional(v.object({ a: v.int64() })) });
    expectTypeOf(infer(message)).toEqualTypeOf<{ author: string; likes?: number; meta?: { a: bigint } }>();
    const optional = v.optional(v.string());
    expectTypeOf(infer(optional)).toEqualTypeOf<string | undefined>();
    expectTypeOf(optional.isOptional).toEqualTypeOf<"optional">();
    expectTypeOf(v.string().isOptional).toEqualTypeOf<"required">();
  });

  it("infers unions and nullable", () => {
    const status = v.union(v.literal("draft"), v.literal("sent"), v.null());
    expectTypeOf(infer(status)).toEqualTypeOf<"draft" | "sent" | null>();
    const maybe = v.nullable(v.id("users"));
    expectTypeOf(infer(maybe)).toEqualTypeOf<GenericId<"users"> | null>();
    const shapes = v.union(v.object({ kind: v.literal("circle"), r: v.number() }), v.object({ kind: v.literal("square"), side: v.number() }));
    expectTypeOf(infer(shapes)).toEqualTypeOf<{ kind: "circle"; r: number } | { kind: "square"; side: number }>();
  });

  it("infers nested objects", () => {
    const doc = v.object({
      author: v.object({ name: v.string(), tags: v.array(v.object({ label: v.string(), weight: v.optional(v.float64()) })) }),
      raw: v.bytes(),
    });
    expectTypeOf(infer(doc)).toEqualTypeOf<{ author: { name: string; tags: { label: string; weight?: number }[] }; raw: ArrayBuffer }>();
    expectTypeOf(doc.fields.author.fields.name.kind).toEqualTypeOf<"string">();
  });

  it("computes field paths", () => {
    const doc = v.object({ author: v.string(), profile: v.object({ city: v.string(), geo: v.optional(v.object({ lat: v.number() })) }) });
    expectTypeOf(doc.fieldPaths).toEqualTypeOf<"author" | "profile" | "profile.city" | "profile.geo" | "profile.geo.lat">();
    expectTypeOf(v.string().fieldPaths).toEqualTypeOf<never>();
  });

  it("implements Standard Schema", () => {
    const doc = v.object({ a: v.string() });
    expectTypeOf(doc).toExtend<StandardSchemaV1<{ a: string }>>();
    expectTypeOf<StandardSchemaV1.InferOutput<typeof doc>>().toEqualTypeOf<{ a: string }>();
  });

  it("rejects misuse at compile time", () => {
    // @ts-expect-error v.literal takes only strings, numbers, bigints and booleans
    v.literal(null);
    // @ts-expect-error array elements cannot be optional
    v.array(v.optional(v.string()));
    // @ts-expect-error union members cannot be optional
    v.union(v.string(), v.optional(v.number()));
    // @ts-expect-error record keys must be strings
    v.record(v.number(), v.string());
    // @ts-expect-error v.object takes validators
    v.object({ a: "string" });
    const postId = v.id("posts");
    accept(postId, "x" as GenericId<"posts">);
    // @ts-expect-error ids of different tables do not mix
    accept(postId, "x" as GenericId<"users">);
    // @ts-expect-error a plain string is not an id
    accept(postId, "x");
    const message = v.object({ author: v.string(), likes: v.optional(v.number()) });
    accept(message, { author: "a" });
    // @ts-expect-error author is required
    accept(message, { likes: 1 });
    // @ts-expect-error extra fields are not part of the type
    accept(message, { author: "a", extra: 1 });
  });
});
