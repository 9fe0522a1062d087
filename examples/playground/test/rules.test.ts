/// <reference types="vite/client" />
import { afterEach, expect, it } from "vitest";
import { convoyTest } from "@convoy/core/test";
import { api } from "../convoy/_generated/api.js";
import schema from "../convoy/schema.js";
import { WELCOME_DELAY_MS } from "../convoy/messages.js";
import { WELCOME_AUTHOR } from "../convoy/welcome.js";

// The playground's messages module with its schema and table rules (rules.ts), on PGlite.
const modules = import.meta.glob(["../convoy/messages.ts", "../convoy/welcome.ts", "../convoy/schema.ts", "../convoy/rules.ts", "../convoy/_generated/api.js"]);

let t = convoyTest(schema, modules);
afterEach(async () => {
  await t.close();
  t = convoyTest(schema, modules);
});

it("lets only a message's owner edit or delete it, and anyone signed in like it", async () => {
  const ada = t.withIdentity({ subject: "ada", name: "Ada" });
  const grace = t.withIdentity({ subject: "grace", name: "Grace" });
  const id = await ada.mutation(api.messages.send, { body: "mine" });

  await expect(grace.mutation(api.messages.edit, { id, body: "hijacked" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  await expect(grace.mutation(api.messages.remove, { id })).rejects.toMatchObject({ code: "FORBIDDEN" });
  await expect(t.mutation(api.messages.like, { id })).rejects.toMatchObject({ code: "FORBIDDEN" });
  expect(await grace.mutation(api.messages.like, { id })).toBe(1);
  expect(await t.run((ctx) => ctx.db.get(id))).toMatchObject({ body: "mine", owner: "ada", likes: 1 });

  await ada.mutation(api.messages.edit, { id, body: "edited" });
  expect(await t.run((ctx) => ctx.db.get(id))).toMatchObject({ body: "edited" });
  await ada.mutation(api.messages.remove, { id });
  expect(await t.run((ctx) => ctx.db.get(id))).toBeNull();
});

it("shows a seeded message without an owner to everyone and lets nobody edit it", async () => {
  await t.run((ctx) => ctx.db.insert("messages", { author: "seed", body: "seeded", likes: 0 }));
  const ada = t.withIdentity({ subject: "ada", name: "Ada" });
  const page = await ada.query(api.messages.list, { paginationOpts: { numItems: 10, cursor: null } });
  expect(page.page.map((m) => m.body)).toEqual(["seeded"]);
  // a seeded message has no owner: nobody may edit it
  await expect(ada.mutation(api.messages.edit, { id: page.page[0]!._id, body: "x" })).rejects.toMatchObject({ code: "FORBIDDEN" });
});

it("posts a welcome message into the conversation a few seconds after a user's first message, through the scheduler", async () => {
  const ada = t.withIdentity({ subject: "ada", name: "Ada" });
  const grace = t.withIdentity({ subject: "grace", name: "Grace" });
  const list = async () => (await ada.query(api.messages.list, { paginationOpts: { numItems: 10, cursor: null } })).page;
  await ada.mutation(api.messages.send, { body: "first" });
  await ada.mutation(api.messages.send, { body: "second" });
  expect(await t.finishScheduledFunctions()).toBe(0); // not due yet
  expect((await list()).map((m) => m.author)).toEqual(["Ada", "Ada"]);
  await t.advanceTime(WELCOME_DELAY_MS);
  expect(await t.finishScheduledFunctions()).toBe(1); // one welcome, not one per message
  const [welcome, ...rest] = await list();
  expect(welcome).toMatchObject({ author: WELCOME_AUTHOR, body: expect.stringContaining("Welcome to Convoy, Ada!"), likes: 0 });
  expect(welcome!.owner).toBeUndefined();
  expect(rest.map((m) => m.body)).toEqual(["second", "first"]);
  // it counts as nobody's message: not Ada's, liked by anyone signed in, edited or deleted by nobody
  expect(await ada.query(api.messages.countByAuthor, { author: "Ada" })).toBe(2);
  expect(await grace.mutation(api.messages.like, { id: welcome!._id })).toBe(1);
  await expect(ada.mutation(api.messages.edit, { id: welcome!._id, body: "mine now" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  await expect(ada.mutation(api.messages.remove, { id: welcome!._id })).rejects.toMatchObject({ code: "FORBIDDEN" });
  // Grace's first message earns her own welcome
  await grace.mutation(api.messages.send, { body: "hello" });
  await t.advanceTime(WELCOME_DELAY_MS);
  expect(await t.finishScheduledFunctions()).toBe(1);
  expect((await list())[0]).toMatchObject({ author: WELCOME_AUTHOR, body: expect.stringContaining("Welcome to Convoy, Grace!") });
});
