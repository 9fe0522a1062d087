import { describe, expect, it } from "vitest";
import { isJsonContentType } from "./handle-request.js";
import { isValidFunctionName } from "./function-name-pattern.js";

describe("isValidFunctionName", () => {
  it.each(["messages:list", "admin/users:list", "a/b/c:$x", "messages", "v2-api/items_x:get_all", "2024/report:run"])("accepts %s", (name) => {
    expect(isValidFunctionName(name)).toBe(true);
  });

  it.each(["", ":list", "messages:", "../etc:passwd", "a/../b:c", "_generated/api:x", ".hidden:x", "a//b:c", "/abs:x", "a b:c", "a:b:c", "a:1x", "é:x", "a\u0000:b", `${"a".repeat(300)}:x`])(
    "rejects %j",
    (name) => {
      expect(isValidFunctionName(name)).toBe(false);
    },
  );
});

describe("isJsonContentType", () => {
  it.each([
    ["application/json", true],
    ["Application/JSON; charset=UTF-8", true],
    ['application/json; charset="utf-8"', true],
    ["application/json; charset=latin1", false],
    ["text/json", false],
    ["text/plain", false],
    ["application/jsonp", false],
    [undefined, false],
  ])("%s → %s", (header, expected) => {
    expect(isJsonContentType(header)).toBe(expected);
  });
});
