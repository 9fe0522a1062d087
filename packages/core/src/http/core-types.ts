/**
 * A request as the transport-neutral core sees it. The node and fetch adapters build one; the
 * adapter owns the body stream and enforces the size limit and timeout while reading it.
 */
export interface CoreRequest {
  /** Upper-case method. */
  method: string;
  /** The raw (still percent-encoded) path, without the query string. */
  path: string;
  /** The query string with its `?`, or `""`. */
  search: string;
  /** The client's IP address when the transport knows it (the node adapter does). */
  remoteAddress?: string | undefined;
  /** A request header by lower-case name. */
  header(name: string): string | undefined;
  /** Every header as `[lower-case name, value]` (HTTP actions build a web `Request` from them). */
  headerEntries?(): Iterable<[string, string]>;
  /**
   * The whole body, read at most once. Rejects with `PAYLOAD_TOO_LARGE` as soon as the limit is
   * passed (or at once when `Content-Length` is over it) and with `BAD_REQUEST` when the body
   * is cut off or too slow.
   */
  readBody(): Promise<Uint8Array>;
}

/** A response from the core; adapters write it (and drop the body for `HEAD`). */
export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}
