import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { FrameworkError } from "../errors/index.js";
import { sortKey } from "../storage/sort-key.js";
import { toHex } from "../storage/index-key.js";
import type { FilterNode } from "./filter-builder.js";
import type { Position, QueryPlan } from "./query-compiler.js";

/** Where a page starts: the beginning, after a row, or past the end. */
export type CursorPosition = { kind: "start" } | { kind: "after"; position: Position } | { kind: "end" };

interface CursorPayload {
  /** Version. */
  v: 1;
  /** Digest of the query the cursor belongs to. */
  q: string;
  /** `null` = start, `"end"`, or the last row's index columns. */
  p: null | "end" | (string | number)[];
}

function nodeJson(node: FilterNode): unknown {
  switch (node.kind) {
    case "field":
      return ["f", node.path];
    case "literal":
      return ["v", toHex(sortKey(node.value))];
    case "compare":
    case "arith":
      return [node.op, nodeJson(node.left), nodeJson(node.right)];
    case "and":
    case "or":
      return [node.kind, ...node.args.map(nodeJson)];
    case "not":
    case "neg":
      return [node.kind, nodeJson(node.arg)];
  }
}

/**
 * A digest of everything that decides a query's rows and order (table, index, range, filters,
 * order): a cursor only continues the query it came from.
 */
export function queryDigest(plan: QueryPlan): string {
  const bound = (b: { op: string; value: unknown } | null) => (b === null ? null : [b.op, toHex(sortKey(b.value as never))]);
  const json = JSON.stringify([
    plan.index.table.name,
    plan.index.index.name,
    plan.range.eq.map((value) => toHex(sortKey(value))),
    bound(plan.range.lower),
    bound(plan.range.upper),
    plan.order,
    plan.filters.map(nodeJson),
  ]);
  let digest = digests.get(json);
  if (digest === undefined) {
    digest = createHash("sha256").update(json).digest("base64url").slice(0, 22);
    if (json.length <= DIGEST_CACHE_KEY_LIMIT) {
      if (digests.size >= DIGEST_CACHE_LIMIT) digests.clear();
      digests.set(json, digest);
    }
  }
  return digest;
}

/** Digests of recent query shapes (an app runs the same few queries over and over). */
const digests = new Map<string, string>();
const DIGEST_CACHE_LIMIT = 1000;
const DIGEST_CACHE_KEY_LIMIT = 2000;

function sign(secret: string, body: string): Buffer {
  return createHmac("sha256", secret).update(body).digest();
}

/** An opaque cursor: base64url JSON payload, a dot, base64url HMAC-SHA256 of the payload. */
export function encodeCursor(secret: string, digest: string, position: CursorPosition): string {
  const payload: CursorPayload = {
    v: 1,
    q: digest,
    p: position.kind === "start" ? null : position.kind === "end" ? "end" : [...position.position],
  };
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${body}.${sign(secret, body).toString("base64url")}`;
}

function badCursor(reason: string): FrameworkError {
  return new FrameworkError("BAD_REQUEST", `invalid pagination cursor: ${reason}`);
}

/**
 * Reads a cursor made by {@link encodeCursor} for the same query. A malformed, tampered or
 * other-query cursor is `BAD_REQUEST`. `columnKinds` checks the position's shape.
 */
export function decodeCursor(secret: string, digest: string, cursor: unknown, columnKinds: readonly string[]): CursorPosition {
  if (cursor === null) return { kind: "start" };
  if (typeof cursor !== "string") throw badCursor("expected a string or null");
  const dot = cursor.indexOf(".");
  if (dot <= 0 || cursor.length > 100_000) throw badCursor("malformed");
  const body = cursor.slice(0, dot);
  const mac = Buffer.from(cursor.slice(dot + 1), "base64url");
  const expected = sign(secret, body);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) throw badCursor("signature mismatch (tampered, or from another database)");
  let payload: CursorPayload;
  try {
    payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as CursorPayload;
  } catch {
    throw badCursor("malformed");
  }
  if (payload.v !== 1) throw badCursor("unknown version");
  if (payload.q !== digest) throw badCursor("it belongs to a different query (table, index, range, filter or order changed)");
  if (payload.p === null) return { kind: "start" };
  if (payload.p === "end") return { kind: "end" };
  const position = payload.p;
  if (!Array.isArray(position) || position.length !== columnKinds.length) throw badCursor("malformed position");
  position.forEach((value, i) => {
    const ok = columnKinds[i] === "creationTime" ? typeof value === "number" : typeof value === "string";
    if (!ok) throw badCursor("malformed position");
  });
  return { kind: "after", position };
}
