import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveConfig } from "./config.js";

describe("resolveConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "convoy-config-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("takes the call limits (the runtime's) out of convoy.config's limits, empty by default", async () => {
    expect((await resolveConfig(dir)).callLimits).toEqual({});
    writeFileSync(join(dir, "convoy.config.mjs"), "export default { limits: { maxBodyBytes: 4096, maxDocumentsRead: 1000, maxBytesRead: 1048576, timeoutMs: 5000 } };\n");
    const config = await resolveConfig(dir);
    expect(config.callLimits).toEqual({ maxDocumentsRead: 1000, maxBytesRead: 1048576, timeoutMs: 5000 });
    expect(config.limits.maxBodyBytes).toBe(4096);
  });

  it("uses a Convex project's convex/ as the functions dir when there is no convoy/", async () => {
    const project = mkdtempSync(join(dir, "convex-project-"));
    expect((await resolveConfig(project)).functionsDir).toBe(join(project, "convoy"));
    mkdirSync(join(project, "convex"));
    expect((await resolveConfig(project)).functionsDir).toBe(join(project, "convex"));
    mkdirSync(join(project, "convoy"));
    expect((await resolveConfig(project)).functionsDir).toBe(join(project, "convoy"));
  });
});
