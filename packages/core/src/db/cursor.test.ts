import { describe, expect, it } from "vitest";
import { isFrameworkError } from "../errors/index.js";
import { resolveCursorKeys, cursorSecretsFromEnv } from "../runtime/cursor-key-config.js";
import { createCursorKeys, cursorKeyId, decodeCursor, encodeCursor } from "./cursor.js";

const KINDS = ["key", "creationTime", "id"];
const POSITION = { kind: "after" as const, position: ["0a", 5, "abc"] };

function rejection(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(isFrameworkError(error) && error.code).toBe("BAD_REQUEST");
    return (error as Error).message;
  }
  throw new Error("expected BAD_REQUEST");
}

describe("cursor signing keys", () => {
  it("signs with the current key and names it in the cursor", () => {
    const cursor = encodeCursor(createCursorKeys(["new", "old"]), "q", "v1", POSITION);
    const payload = JSON.parse(Buffer.from(cursor.split(".")[0]!, "base64url").toString()) as { k: string; s: string };
    expect(payload.k).toBe(cursorKeyId("new"));
    expect(payload.s).toBe("v1");
    expect(decodeCursor(createCursorKeys(["new"]), "q", "v1", cursor, KINDS)).toEqual(POSITION);
  });

  it("rotation: a cursor signed with the old key still verifies once the new key signs, until the old key is dropped", () => {
    const inFlight = encodeCursor(createCursorKeys(["old"]), "q", "v1", POSITION);
    const rotated = createCursorKeys(["new", "old"]);
    expect(decodeCursor(rotated, "q", "v1", inFlight, KINDS)).toEqual(POSITION);
    const next = encodeCursor(rotated, "q", "v1", POSITION);
    expect(decodeCursor(createCursorKeys(["new"]), "q", "v1", next, KINDS)).toEqual(POSITION);
    expect(rejection(() => decodeCursor(createCursorKeys(["new"]), "q", "v1", inFlight, KINDS))).toMatch(/unknown key/);
  });

  it("a plain secret is a one-key ring: the database-stored default", () => {
    const cursor = encodeCursor("db-secret", "q", "v1", POSITION);
    expect(decodeCursor(createCursorKeys(["db-secret"]), "q", "v1", cursor, KINDS)).toEqual(POSITION);
    expect(decodeCursor("db-secret", "q", "v1", cursor, KINDS)).toEqual(POSITION);
  });

  it("rejects a forged key id, a tampered payload and another layout", () => {
    const keys = createCursorKeys(["new", "old"]);
    const cursor = encodeCursor(keys, "q", "v1", POSITION);
    const [body, mac] = cursor.split(".") as [string, string];
    const payload = JSON.parse(Buffer.from(body, "base64url").toString()) as Record<string, unknown>;
    const forge = (changes: Record<string, unknown>) => `${Buffer.from(JSON.stringify({ ...payload, ...changes })).toString("base64url")}.${mac}`;
    expect(rejection(() => decodeCursor(keys, "q", "v1", forge({ k: cursorKeyId("old") }), KINDS))).toMatch(/signature mismatch/);
    expect(rejection(() => decodeCursor(keys, "q", "v1", forge({ p: ["0b", 5, "abc"] }), KINDS))).toMatch(/signature mismatch/);
    expect(rejection(() => decodeCursor(keys, "q", "v2", cursor, KINDS))).toMatch(/storage changed/);
    expect(rejection(() => decodeCursor(keys, "other", "v1", cursor, KINDS))).toMatch(/different query/);
  });

  it("reads CONVOY_CURSOR_SECRET (new[,old…]) and prefers configured keys", async () => {
    expect(cursorSecretsFromEnv({ CONVOY_CURSOR_SECRET: " new , old ,," })).toEqual(["new", "old"]);
    expect(cursorSecretsFromEnv({ CONVOY_CURSOR_SECRET: "" })).toBeUndefined();
    expect(cursorSecretsFromEnv({})).toBeUndefined();
    const unused = { query: () => Promise.reject(new Error("the database secret is not needed")) };
    const fromEnv = await resolveCursorKeys(unused, undefined, { CONVOY_CURSOR_SECRET: "new,old" });
    expect(typeof fromEnv !== "string" && fromEnv.current.id).toBe(cursorKeyId("new"));
    const configured = await resolveCursorKeys(unused, ["cfg"], { CONVOY_CURSOR_SECRET: "new" });
    expect(typeof configured !== "string" && [...configured.all.keys()]).toEqual([cursorKeyId("cfg")]);
    expect(() => createCursorKeys([])).toThrow(/one or more non-empty secrets/);
  });
});
