import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCli, type CliProcess } from "../../../packages/core/test/cli/cli-process.js";

const playground = fileURLToPath(new URL("..", import.meta.url));
const browserEntry = fileURLToPath(new URL("../../../packages/core/src/browser/index.ts", import.meta.url));
const reactQueryEntry = fileURLToPath(new URL("../../../packages/react-query/src/index.ts", import.meta.url));

/**
 * The playground end to end in Debian's Chromium: `convoy dev` serves the built page, the
 * API and `/api/sync` on the embedded database; the page is React over `@convoy/react-query`
 * with a live `ConvoyClient`. The test signs in with the playground's development issuer, sends
 * a message through the UI, sees it rendered under the signed-in user's name (and that user's
 * count updated), switches to the other user, sees the `ConvoyError`s of a signed-out send and
 * of an empty message, sees the welcome message the scheduler posts after each user's first
 * message, likes a message, and has two pages see each other's messages and likes without
 * reloading.
 */
describe("playground in a browser", () => {
  const dir = mkdtempSync(join(tmpdir(), "convoy-playground-"));
  let dev: CliProcess;
  let browser: Browser;
  let url = "";

  beforeAll(async () => {
    cpSync(join(playground, "convoy"), join(dir, "convoy"), { recursive: true });
    // the dev issuer imports jose: resolve packages from the repository, as the playground does
    symlinkSync(join(playground, "../../node_modules"), join(dir, "node_modules"), "dir");
    cpSync(join(playground, "web"), join(dir, "web"), { recursive: true, filter: (path) => !path.includes("/dist") });
    cpSync(join(playground, "web/index.html"), join(dir, "web/dist/index.html"));
    // Bundled from the playground itself (so react and TanStack Query resolve from the repo's
    // node_modules), with the workspace packages taken from source.
    await esbuild.build({
      entryPoints: [join(playground, "web/main.tsx")],
      outfile: join(dir, "web/dist/main.js"),
      bundle: true,
      format: "esm",
      platform: "browser",
      jsx: "automatic",
      define: { "process.env.NODE_ENV": '"production"' },
      alias: { "@convoy/core/browser": browserEntry, "@convoy/react-query": reactQueryEntry },
      logLevel: "silent",
    });
    dev = startCli(["dev", "--port", "0", "--static", "web/dist"], dir);
    // a first start bundles the app and creates the embedded database: slow on a busy machine
    url = (await dev.waitFor(/ready: (http:\/\/localhost:\d+)/, 100_000))[1]!;
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

  it("signs in as Grace, sends a message through the UI and shows it under her name", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    // before any message: the empty state, and the page has its favicon
    await page.waitForSelector("#empty >> text=No messages yet");
    expect(await page.getAttribute("link[rel=icon]", "href")).toMatch(/^data:image\/svg\+xml,/);
    await page.waitForSelector("#who >> text=Signed out");
    await page.click("#as-grace");
    await page.waitForSelector("#who >> text=Signed in as Grace");
    await page.fill("#body", "hello from the browser");
    await page.click("button[type=submit]");
    await page.waitForSelector("#messages li >> text=hello from the browser");
    expect(await page.locator("#messages li", { hasText: "hello from the browser" }).locator(".who").textContent()).toBe("Grace");
    expect(await page.locator("#empty").count()).toBe(0);
    await page.waitForSelector("#mine >> text=Grace has sent 1 message.");
    // a first message earns a welcome: a scheduled mutation posts it seconds later, pushed live
    await page.waitForSelector("#messages li.from-convoy >> text=Welcome to Convoy, Grace!");
    expect(await page.locator("#messages li.from-convoy .who").textContent()).toBe("Convoy");
    expect(await page.textContent("#messages li:first-child .body")).toContain("Welcome to Convoy, Grace!");
    await page.waitForSelector("#mine >> text=Grace has sent 1 message."); // the welcome is not hers
    await page.close();
  });

  it("switches users: messages carry the sender's identity, each user sees their own count", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.click("#as-ada");
    await page.waitForSelector("#who >> text=Signed in as Ada");
    await page.waitForSelector("#mine >> text=Ada has sent 0 messages.");
    await page.fill("#body", "hi from ada");
    await page.click("button[type=submit]");
    await page.waitForSelector("#messages li >> text=hi from ada");
    expect(await page.locator("#messages li", { hasText: "hi from ada" }).locator(".who").textContent()).toBe("Ada");
    await page.waitForSelector("#mine >> text=Ada has sent 1 message.");
    await page.click("#as-grace");
    await page.waitForSelector("#who >> text=Signed in as Grace");
    await page.waitForSelector("#mine >> text=Grace has sent 1 message.");
    await page.click("#sign-out");
    await page.waitForSelector("#who >> text=Signed out");
    // Ada's welcome arrives too, signed out or not (everyone sees the conversation)
    await page.waitForSelector("#messages li.from-convoy >> text=Welcome to Convoy, Ada!");
    await page.close();
  });

  it("shows the ConvoyError message of a refused mutation: signed out, and an empty message", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.fill("#body", "nobody");
    await page.click("button[type=submit]");
    await page.waitForSelector("#error >> text=Sign in to send messages.");
    await page.click("#as-ada");
    await page.waitForSelector("#who >> text=Signed in as Ada");
    await page.fill("#body", "   ");
    await page.click("button[type=submit]");
    await page.waitForSelector("#error >> text=A message cannot be empty.");
    // Grace's and Ada's messages and one welcome each; the refused sends added nothing
    expect(await page.locator("#messages li").count()).toBe(4);
    expect(await page.locator("#messages li.from-convoy").count()).toBe(2);
    await page.close();
  });

  it("likes a message (a mutation that returns the new count): the newest, Convoy's welcome to Ada", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.click("#as-grace");
    await page.waitForSelector("#who >> text=Signed in as Grace");
    expect(await page.textContent("#messages li:first-child .body")).toContain("Welcome to Convoy, Ada!");
    await page.click("#messages li button.like");
    await page.waitForSelector("#messages li button.like >> text=♥ 1");
    await page.close();
  });

  it("two pages see each other's messages and likes without reloading", async () => {
    const context = await browser.newContext();
    const [first, second] = [await context.newPage(), await context.newPage()];
    await first.goto(url);
    await second.goto(url);
    await first.waitForSelector("#connection >> text=live");
    await second.waitForSelector("#connection >> text=live");
    await second.click("#as-grace");
    await second.waitForSelector("#who >> text=Signed in as Grace");
    const before = await second.locator("#messages li").count();

    await first.click("#as-ada");
    await first.waitForSelector("#who >> text=Signed in as Ada");
    await first.fill("#body", "hello, other tab");
    await first.click("button[type=submit]");
    // pushed to the other page: no reload, no polling
    await second.waitForSelector("#messages li >> text=hello, other tab");
    expect(await second.locator("#messages li").count()).toBe(before + 1);

    await second.locator("#messages li", { hasText: "hello, other tab" }).locator("button.like").click();
    await first.waitForSelector("#messages li:has-text('hello, other tab') button.like >> text=♥ 1");
    await first.locator("#messages li", { hasText: "hello, other tab" }).locator("button.like").click();
    await second.waitForSelector("#messages li:has-text('hello, other tab') button.like >> text=♥ 2");
    await first.waitForSelector("#messages li:has-text('hello, other tab') button.like >> text=♥ 2");

    // owner-only edit and delete (rules.ts): Grace gets no buttons on Ada's message; Ada edits
    // and deletes, and Grace's page follows live
    expect(await second.locator("#messages li", { hasText: "hello, other tab" }).locator(".edit-button").count()).toBe(0);
    const own = first.locator("#messages li", { hasText: "hello, other tab" });
    await own.locator(".edit-button").click();
    await first.fill("#messages li form.edit input", "edited by its owner");
    await first.click("#messages li form.edit button[type=submit]");
    await second.waitForSelector("#messages li >> text=edited by its owner");
    await first.locator("#messages li", { hasText: "edited by its owner" }).locator(".delete-button").click();
    await second.waitForSelector("#messages li >> text=edited by its owner", { state: "detached" });
    await context.close();
  });
});
