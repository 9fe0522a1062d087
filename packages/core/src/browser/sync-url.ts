/* Where a ConvoyClient's socket is, from the address the user gives. */

/** `http(s)://host/base` → `ws(s)://host/base/api/sync`. */
export function syncUrl(address: string): string {
  const url = new URL(address);
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  else if (url.protocol !== "ws:" && url.protocol !== "wss:") throw new Error(`ConvoyClient needs an http(s) or ws(s) URL, got ${address}`);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/api/sync`;
  url.search = "";
  url.hash = "";
  return url.href;
}

/** `ws(s)://host/base/api/sync` → `http(s)://host/base` (where the HTTP API is). */
export function httpAddressOf(socketUrl: string): string {
  const url = new URL(socketUrl);
  url.protocol = url.protocol === "wss:" ? "https:" : "http:";
  url.pathname = url.pathname.replace(/\/api\/sync$/, "");
  return url.href.replace(/\/+$/, "");
}
