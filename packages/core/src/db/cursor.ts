import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { FrameworkError } from "../errors/index.js";
import { sortKeyHex } from "../storage/sort-key.js";
import { DOCUMENT_STORAGE } from "../storage/table-storage.js";
import type { FilterNode } from "./filter-builder.js";
import type { Position, QueryPlan } from "./query-compiler.js";

/** Where a page starts: the beginning, after a row, or past the end. */
export type CursorPosition = { kind: "start" } | { kind: "after"; position: Position } | { kind: "end" };

interface CursorPayload {
  /** Version. */
  v: 1;
  /** Id of the signing key (absent in cursors made before keys had ids: every key is tried). */
  k?: string;
  /** Catalog version of the table's storage layout (absent before layouts had versions: the document-only layout). */
  s?: string;
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
      return ["v", sortKeyHex(node.value)];
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
  const bound = (b: { op: string; value: unknown } | null) => (b === null ? null : [b.op, sortKeyHex(b.value as never)]);
  const json = JSON.stringify([
    plan.index.table.name,
    plan.index.index.name,
    plan.range.eq.map((value) => sortKeyHex(value)),
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

/** One cursor signing key: its id (carried by cursors) and its secret. */
export interface CursorKey {
  id: string;
  secret: string;
}

/** The keys of a deployment: cursors are signed with `current` and verified with any key of `all`. */
export interface CursorKeys {
  current: CursorKey;
  all: ReadonlyMap<string, CursorKey>;
}

/** The id of a key: derived from its secret, so every server of a deployment agrees without configuration. */
export function cursorKeyId(secret: string): string {
  return createHash("sha256").update(`convoy-cursor-key\0${secret}`).digest("base64url").slice(0, 8);
}

/**
 * A key ring from secrets: the first signs, every one verifies (rotation: put the new secret
 * first, keep the old ones until the cursors they signed have expired from clients).
 */
export function createCursorKeys(secrets: readonly string[]): CursorKeys {
  if (secrets.length === 0 || secrets.some((secret) => typeof secret !== "string" || secret === "")) {
    throw new FrameworkError("INTERNAL", "cursor keys: expected one or more non-empty secrets (the first signs)");
  }
  const keys = secrets.map((secret) => ({ id: cursorKeyId(secret), secret }));
  return { current: keys[0]!, all: new Map(keys.map((key) => [key.id, key])) };
}

/** Key rings of plain secrets (the database-stored default), built once per secret. */
const singleKeys = new Map<string, CursorKeys>();

/** The key ring of a secret or a ring. */
export function asCursorKeys(keys: string | CursorKeys): CursorKeys {
  if (typeof keys !== "string") return keys;
  let ring = singleKeys.get(keys);
  if (ring === undefined) {
    if (singleKeys.size >= 16) singleKeys.clear();
    singleKeys.set(keys, (ring = createCursorKeys([keys])));
  }
  return ring;
}

/** HMAC keys by secret: a prepared `KeyObject` makes each signature about twice as cheap as a string key. */
const hmacKeys = new Map<string, KeyObject>();

function sign(secret: string, body: string): Buffer {
  let key = hmacKeys.get(secret);
  if (key === undefined) {
    if (hmacKeys.size >= 16) hmacKeys.clear();
    hmacKeys.set(secret, (key = createSecretKey(Buffer.from(secret, "utf8"))));
  }
  return createHmac("sha256", key).update(body).digest();
}

/**
 * An opaque cursor: base64url JSON payload, a dot, base64url HMAC-SHA256 of the payload with
 * the current key. The payload names the key (`k`) and the catalog version of the table's
 * storage layout (`s`).
 */
export function encodeCursor(keys: string | CursorKeys, digest: string, catalogVersion: string, position: CursorPosition): string {
  const key = asCursorKeys(keys).current;
  const payload: CursorPayload = {
    v: 1,
    k: key.id,
    s: catalogVersion,
    q: digest,
    p: position.kind === "start" ? null : position.kind === "end" ? "end" : [...position.position],
  };
  const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
  return `${body}.${sign(key.secret, body).toString("base64url")}`;
}

function badCursor(reason: string): FrameworkError {
  return new FrameworkError("BAD_REQUEST", `invalid pagination cursor: ${reason}`);
}

/**
 * Reads a cursor made by {@link encodeCursor} for the same query under the same storage
 * layout. A malformed, tampered, unknown-key, other-query or other-layout cursor is
 * `BAD_REQUEST`. `columnKinds` checks the position's shape.
 */
export function decodeCursor(keys: string | CursorKeys, digest: string, catalogVersion: string, cursor: unknown, columnKinds: readonly string[]): CursorPosition {
  if (cursor === null) return { kind: "start" };
  if (typeof cursor !== "string") throw badCursor("expected a string or null");
  const dot = cursor.indexOf(".");
  if (dot <= 0 || cursor.length > 100_000) throw badCursor("malformed");
  const body = cursor.slice(0, dot);
  let payload: CursorPayload;
  try {
    payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as CursorPayload;
  } catch {
    throw badCursor("malformed");
  }
  if (typeof payload !== "object" || payload === null) throw badCursor("malformed");
  // Nothing in the payload is trusted before its signature is checked: the key id only picks the key.
  const ring = asCursorKeys(keys);
  const candidates = typeof payload.k === "string" ? [ring.all.get(payload.k)].filter((key) => key !== undefined) : [...ring.all.values()];
  if (candidates.length === 0) throw badCursor("signed with an unknown key (rotated out, or from another deployment)");
  const mac = Buffer.from(cursor.slice(dot + 1), "base64url");
  const verified = candidates.some((key) => {
    const expected = sign(key.secret, body);
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  });
  if (!verified) throw badCursor("signature mismatch (tampered, or from another database)");
  if (payload.v !== 1) throw badCursor("unknown version");
  if ((payload.s ?? DOCUMENT_STORAGE.version) !== catalogVersion) {
    throw badCursor("the table's storage changed since this cursor was made (a field moved to or from a column of its own); start again from the first page");
  }
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
