import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCli, type CliProcess } from "./cli-process.js";

const SCHEMA = `import { defineSchema, defineTable } from "@convoy/core/server";
import { v } from "@convoy/core/values";
export default defineSchema({
  notes: defineTable({ author: v.string(), text: v.string() }).index("by_author", ["author"]),
});
`;

const NOTES = `import { ConvoyError, v } from "@convoy/core/values";
import { internalMutation, mutation, query } from "./_generated/server.js";
export const add = mutation({
  args: { author: v.string(), text: v.string() },
  handler: async (ctx, args) => {
    if (args.text === "") throw new ConvoyError("a note cannot be empty");
    return ctx.db.insert("notes", args);
  },
});
export const list = query({ args: {}, handler: async (ctx) => ctx.db.query("notes").order("desc").collect() });
/** Internal: only the dashboard (and server code) may run it. */
export const addFromSystem = internalMutation({
  args: { text: v.string() },
  handler: async (ctx, { text }) => ctx.db.insert("notes", { author: "system", text }),
});
`;

/**
 * The dev dashboard end to end in Debian's Chromium: \`convoy dev\` on the embedded database
 * serves it at \`/\`; the test browses a table (documents newest first, index SQL), runs an
 * internal mutation and a failing one from the functions page, and sees both calls in the
 * live log tail. Then \`convoy start\` on the same folder serves none of it.
 */
describe("the dev dashboard in a browser", () => {
  const dir = mkdtempSync(join(tmpdir(), "convoy-dashboard-"));
  let dev: CliProcess | undefined;
  let browser: Browser;
  let url = "";

  beforeAll(async () => {
    mkdirSync(join(dir, "convoy"));
    writeFileSync(join(dir, "convoy/schema.ts"), SCHEMA);
    writeFileSync(join(dir, "convoy/notes.ts"), NOTES);
    dev = startCli(["dev", "--port", "0"], dir);
    // a first start bundles the app and creates the embedded database: slow on a busy machine
    url = (await dev.waitFor(/ready: (http:\/\/localhost:\d+)/, 100_000))[1]!;
    expect((await dev.waitFor(/dashboard: (http:\/\/localhost:\d+\/_dashboard\/)/))[1]).toBe(`${url}/_dashboard/`);
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync"],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("browses a table, runs mutations from the functions page and shows the calls in the log tail", async () => {
    for (const text of ["oldest", "middle", "newest"]) {
      const response = await fetch(`${url}/api/mutation/notes:add`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ args: { author: "ada", text } }) });
      expect(response.status).toBe(200);
    }
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await page.goto(url);

    // tables: documents newest first, and each index with its SQL
    await page.click('#table-list button[data-table="notes"]');
    await page.waitForSelector("#documents tbody tr >> nth=2");
    const firstRow = await page.textContent("#documents tbody tr:first-child");
    expect(firstRow).toContain("newest");
    expect(await page.textContent("#documents tbody tr:last-child")).toContain("oldest");
    expect(await page.textContent("#indexes")).toMatch(/CREATE INDEX notes__by_author ON public\.notes USING btree/);

    // functions: an internal mutation, run from the form
    await page.click('#nav a[data-view="functions"]');
    await page.click('#function-list button[data-function="notes:addFromSystem"]');
    await page.fill("#args", JSON.stringify({ text: "from the dashboard" }));
    await page.click("#run");
    await page.waitForSelector("#result.ok #result-value");
    expect(await page.textContent("#result-value")).toMatch(/^"[0-9a-z]+"$/);

    // and a public mutation that fails: its error is shown
    await page.click('#function-list button[data-function="notes:add"]');
    await page.fill("#args", JSON.stringify({ author: "ada", text: "" }));
    await page.click("#run");
    await page.waitForSelector("#result.bad #result-value");
    expect(await page.textContent("#result-value")).toContain("a note cannot be empty");

    // the log tail shows both calls, the failed one with its code and message
    await page.click('#nav a[data-view="logs"]');
    await page.waitForSelector('#log-table tbody tr >> text="notes:addFromSystem"');
    const failed = page.locator("#log-table tbody tr").filter({ hasText: "APPLICATION_ERROR" });
    await failed.first().waitFor();
    expect(await failed.first().textContent()).toContain("a note cannot be empty");

    // back to the table: the internal mutation's document is the newest
    await page.click('#nav a[data-view="tables"]');
    await page.waitForSelector('#documents tbody tr:first-child >> text="from the dashboard"');
    expect(await page.textContent("#documents tbody tr:first-child")).toContain("system");

    // the schema view shows the last sync with its steps
    await page.click('#nav a[data-view="schema"]');
    await page.waitForSelector("#sync-log details.sync[open]");
    expect(await page.textContent("#sync-log")).toContain('CREATE TABLE IF NOT EXISTS "public"."notes"');
    expect(pageErrors).toEqual([]);
    await page.close();
  }, 120_000);

  it("is not served by convoy start", async () => {
    expect(await dev!.stop()).toBe(0);
    dev = startCli(["start", "--port", "0"], dir);
    const base = (await dev.waitFor(/listening on (http:\/\/localhost:\d+)/, 100_000))[1]!;
    expect((await fetch(`${base}/api/query/notes:list`, { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"args":{}}' })).status).toBe(200);
    for (const path of ["/", "/_dashboard/", "/api/_dev/tables", "/api/_dev/calls"]) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(404);
    }
    const run = await fetch(`${base}/api/_dev/run`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ kind: "mutation", name: "notes:addFromSystem", args: { text: "x" } }) });
    expect(run.status).toBe(404);
  }, 120_000);
});
