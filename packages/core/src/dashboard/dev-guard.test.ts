import { describe, expect, it } from "vitest";
import type { CoreRequest } from "../http/core-types.js";
import { checkDevRequest } from "./dev-guard.js";

function request(remoteAddress: string | undefined, headers: Record<string, string>): CoreRequest {
  return { method: "GET", path: "/api/_dev/tables", search: "", remoteAddress, header: (name) => headers[name], readBody: () => Promise.resolve(new Uint8Array()) };
}

describe("checkDevRequest", () => {
  it("accepts loopback clients addressing a loopback name, with no origin or their own", () => {
    for (const [address, host] of [
      ["127.0.0.1", "localhost:3700"],
      ["::1", "[::1]:3700"],
      ["::ffff:127.0.0.1", "127.0.0.1:3700"],
      ["127.0.0.1", "localhost"],
    ] as const) {
      expect(() => checkDevRequest(request(address, { host })), `${address} ${host}`).not.toThrow();
    }
    expect(() => checkDevRequest(request("127.0.0.1", { host: "localhost:3700", origin: "http://localhost:3700" }))).not.toThrow();
  });

  it("refuses other clients, other host names and other origins with FORBIDDEN", () => {
    const refused = [
      request("192.168.1.20", { host: "localhost:3700" }),
      request(undefined, { host: "localhost:3700" }),
      request("127.0.0.1", {}),
      request("127.0.0.1", { host: "localhost.attacker.example:3700" }),
      request("127.0.0.1", { host: "attacker.example" }),
      request("127.0.0.1", { host: "localhost:3700", origin: "http://localhost:5173" }),
      request("127.0.0.1", { host: "localhost:3700", origin: "https://attacker.example" }),
      request("127.0.0.1", { host: "localhost:3700", origin: "null" }),
    ];
    for (const candidate of refused) expect(() => checkDevRequest(candidate)).toThrow(expect.objectContaining({ code: "FORBIDDEN" }));
  });
});
