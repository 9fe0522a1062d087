import { describe, expect, it } from "vitest";
import { argsFromBody, argsFromSearch } from "./request-args.js";

const limits = { maxDepth: 64, maxArrayLength: 8192 };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return { code: (error as { code?: unknown }).code, path: (error as { path?: unknown }).path, message: (error as Error).message };
  }
  return "no error";
}

describe("argsFromBody", () => {
  it("decodes wire values", () => {
    expect(argsFromBody(bytes('{"args":{"n":{"$integer":"AQAAAAAAAAA="},"s":"x"},"other":1}'), limits)).toEqual({ n: 1n, s: "x" });
  });

  it.each([["{"], ["[]"], ["null"], ['"x"'], ["{}"], ['{"args":[]}'], ['{"args":null}'], ['{"args":1}']])("BAD_REQUEST for %s", (body) => {
    expect(codeOf(() => argsFromBody(bytes(body), limits))).toMatchObject({ code: "BAD_REQUEST" });
  });

  it("ARGS_INVALID with the path for reserved keys and bad tags inside args", () => {
    expect(codeOf(() => argsFromBody(bytes('{"args":{"a":{"$x":1}}}'), limits))).toEqual({
      code: "ARGS_INVALID",
      path: "a.$x",
      message: expect.stringMatching(/^args\.a\.\$x: /),
    });
    expect(codeOf(() => argsFromBody(bytes('{"args":{"a":[0,{"__proto__":{}}]}}'), limits))).toMatchObject({ code: "ARGS_INVALID", path: "a[1].__proto__" });
    expect(codeOf(() => argsFromBody(bytes('{"args":{"b":{"$bytes":5}}}'), limits))).toMatchObject({ code: "ARGS_INVALID", path: "b" });
    expect(codeOf(() => argsFromBody(bytes('{"args":{"$float":"AAAAAAAA+H8="}}'), limits))).toMatchObject({ code: "ARGS_INVALID" });
  });

  it("never sets a prototype", () => {
    const args = argsFromBody(bytes('{"args":{"constructor":{"prototype":{"x":1}}}}'), limits);
    expect(Object.getPrototypeOf(args)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});

describe("argsFromSearch", () => {
  it("reads ?args=, defaulting to {}", () => {
    expect(argsFromSearch("", limits)).toEqual({});
    expect(argsFromSearch("?other=1", limits)).toEqual({});
    expect(argsFromSearch(`?args=${encodeURIComponent('{"a":"b c+d"}')}`, limits)).toEqual({ a: "b c+d" });
  });

  it.each([["?args="], ["?args=%7B"], ["?args=%5B%5D"], ["?args=%7B%7D&args=%7B%7D"]])("BAD_REQUEST for %s", (search) => {
    expect(codeOf(() => argsFromSearch(search, limits))).toMatchObject({ code: "BAD_REQUEST" });
  });
});
