import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../../../test/helpers/test-database.js";
import { startConvexAppServer, type ConvexAppServer } from "../fixtures/convex-app.js";

/*
 * A React app on `convex/react` (ConvexProvider, ConvexReactClient, useQuery, useMutation with
 * an optimistic update, usePaginatedQuery; fixtures/react-app.tsx), bundled by esbuild and served
 * by the Convoy server it talks to, in Debian's Chromium: two pages see each other's writes, and
 * paginated results stay whole while rows are inserted and deleted.
 */

const db = useTestDatabase();
const dir = mkdtempSync(join(tmpdir(), "convoy-convex-react-"));
let server: ConvexAppServer;
let browser: Browser;

beforeAll(async () => {
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL("../fixtures/react-app.tsx", import.meta.url))],
    outfile: join(dir, "main.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  writeFileSync(join(dir, "index.html"), '<!doctype html><html><body><div id="root"></div><script type="module" src="/main.js"></script></body></html>');
  server = await startConvexAppServer(db().driver, { staticDir: dir });
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync"],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function send(page: Page, body: string): Promise<void> {
  await page.fill("#body", body);
  await page.click("button[type=submit]");
}

function renders(page: Page): Promise<string[][]> {
  return page.evaluate(() => window.renders);
}

/** Convex's HTTP API, as another client writing. */
async function mutation(path: string, args: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${server.url}/api/mutation`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ path, args, format: "json" }) });
  expect(response.status).toBe(200);
}

describe("convex/react in Chromium against Convoy", () => {
  it("two pages see each other's writes; the optimistic update shows at once, then the server's result", async () => {
    const a = await browser.newPage();
    const b = await browser.newPage();
    await a.goto(server.url);
    await b.goto(server.url);
    await a.waitForSelector("#body");
    await b.waitForSelector("#body");
    await send(a, "from A");
    await b.waitForSelector("#messages li >> text=from A");
    await send(b, "from B");
    await a.waitForFunction(() => JSON.stringify(window.renders.at(-1)) === JSON.stringify(["from A", "from B"]));
    await b.waitForFunction(() => JSON.stringify(window.renders.at(-1)) === JSON.stringify(["from A", "from B"]));
    // A rendered its own message optimistically before the server's answer replaced it
    const seenByA = await renders(a);
    expect(seenByA[0]).toEqual([]);
    expect(seenByA).toContainEqual(["from A (sending)"]);
    expect(seenByA.findIndex((list) => list.includes("from A (sending)"))).toBeLessThan(seenByA.findIndex((list) => list.includes("from A")));
    const { rows } = await db().driver.query<{ n: string }>('SELECT count(*) AS n FROM "chat"');
    expect(Number(rows[0]!.n)).toBe(2);
  });

  it("usePaginatedQuery loads every page, then shows rows inserted and deleted elsewhere once, in order", async () => {
    for (const n of [10, 20, 30, 40, 50]) await mutation("items:add", { n });
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForSelector("#status >> text=CanLoadMore");
    while ((await page.textContent("#status")) !== "Exhausted") {
      if ((await page.textContent("#status")) === "CanLoadMore") await page.click("#more");
      await page.waitForFunction(() => document.querySelector("#status")?.textContent !== "LoadingMore");
    }
    expect(await page.textContent("#items")).toBe("10,20,30,40,50");
    for (const n of [5, 15, 25, 35, 45, 55]) await mutation("items:add", { n });
    await mutation("items:remove", { n: 20 });
    await mutation("items:remove", { n: 40 });
    // a gap or a duplicate would never read like this (the test would time out)
    await page.waitForFunction(() => document.querySelector("#items")?.textContent === "5,10,15,25,30,35,45,50,55");
  });
});
