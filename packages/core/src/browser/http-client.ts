import { getFunctionName, type AnyFunctionReference, type FunctionArgs, type FunctionReference, type FunctionReturnType } from "../functions/function-reference.js";
import { decodeValue, encodeValue } from "../values/encoding.js";
import type { JSONValue, Value } from "../values/value.js";
import { isErrorCode } from "../errors/error-codes.js";
import { ConvoyRequestError, type ConvoyRequestErrorCode } from "./request-error.js";

/** Returns the current auth token, or `null` when signed out. */
export type AuthTokenFetcher = () => string | null | undefined | Promise<string | null | undefined>;

/** Options of {@link ConvoyHttpClient}. */
export interface ConvoyHttpClientOptions {
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
  /** Retries of a query on network errors and 503 (default 3; mutations are never retried). */
  queryRetries?: number;
  /** The `fetch` to use (default `globalThis.fetch`). */
  fetch?: typeof fetch;
}

/** Per-call options. */
export interface CallOptions {
  /** Aborts the call (rejects with code `ABORTED`); also stops a query's retries. */
  signal?: AbortSignal;
  /** Called with what this call read and wrote, before its promise resolves (after the {@link ConvoyHttpClient.onAccess} listeners). */
  onAccess?: (access: CallAccess) => void;
}

/**
 * What a call read and wrote, as reported by the server (`X-Convoy-Reads` / `X-Convoy-Writes`):
 * table names, sorted. Caches use it to invalidate the queries a mutation could have changed
 * (see {@link accessOverlaps}); finer reports (index ranges, M5) can add fields here.
 */
export interface CallAccess {
  readTables: string[];
  writtenTables: string[];
  /**
   * `false` when the server sent no access headers (its `accessHeaders` option is off, the
   * default outside `convoy dev`): the call may have read or written any table, and the table
   * lists are empty. Absent means reported.
   */
  reported?: boolean;
}

/** A listener of {@link ConvoyHttpClient.onAccess}. */
export type AccessListener = (kind: "query" | "mutation", name: string, access: CallAccess) => void;

/**
 * Whether a write could have changed what a read saw: the tables `read` read intersect the
 * tables `write` wrote, or either side was not reported by the server (then it may be any
 * table). The one place the invalidation rule lives, for every adapter.
 *
 * @example
 * accessOverlaps({ readTables: ["messages"], writtenTables: [] }, { readTables: [], writtenTables: ["messages"] }); // true
 */
export function accessOverlaps(read: Pick<CallAccess, "readTables" | "reported">, write: Pick<CallAccess, "writtenTables" | "reported">): boolean {
  if (read.reported === false || write.reported === false) return true;
  return write.writtenTables.some((table) => read.readTables.includes(table));
}

/** Args as a rest parameter: optional when the function takes none. */
type ArgsParameter<TReference extends AnyFunctionReference> =
  Record<string, never> extends FunctionArgs<TReference> ? [args?: FunctionArgs<TReference>, options?: CallOptions] : [args: FunctionArgs<TReference>, options?: CallOptions];

const RETRY_BASE_MS = 100;
/** Transport failures after which a query is sent again (with 503 answers). */
const RETRYABLE_CODES: ReadonlySet<ConvoyRequestErrorCode> = new Set(["NETWORK_ERROR", "TIMEOUT"]);

/**
 * Calls Convoy queries and mutations over HTTP, typed by function references.
 *
 * @example
 * const client = new ConvoyHttpClient("http://localhost:3700");
 * const messages = await client.query(api.messages.byAuthor, { author: "ada" });
 * await client.mutation(api.messages.send, { author: "ada", body: "hi" });
 */
export class ConvoyHttpClient {
  readonly address: string;
  private readonly options: Required<Omit<ConvoyHttpClientOptions, "fetch">> & { fetch: typeof fetch | undefined };
  private fetchToken: AuthTokenFetcher | undefined;
  private readonly accessListeners = new Set<AccessListener>();

  constructor(address: string, options: ConvoyHttpClientOptions = {}) {
    this.address = address.replace(/\/+$/, "");
    this.options = { timeoutMs: options.timeoutMs ?? 30_000, queryRetries: options.queryRetries ?? 3, fetch: options.fetch };
  }

  /** Sends `Authorization: Bearer <token>` with every call while the fetcher returns a token. */
  setAuth(fetchToken: AuthTokenFetcher): void {
    this.fetchToken = fetchToken;
  }

  /** Stops sending a token. */
  clearAuth(): void {
    this.fetchToken = undefined;
  }

  /**
   * Listens to what each successful call read and wrote (`@convoy/react-query` invalidates with
   * it). Listeners run synchronously, before the call's promise resolves. Returns a function
   * that removes the listener.
   *
   * @example
   * const stop = client.onAccess((kind, name, { writtenTables }) => console.log(kind, name, writtenTables));
   */
  onAccess(listener: AccessListener): () => void {
    this.accessListeners.add(listener);
    return () => {
      this.accessListeners.delete(listener);
    };
  }

  /**
   * Runs a query: resolves with its decoded result (bigints, bytes, … as they were returned).
   * Sent again, with jittered exponential backoff, on network errors, timeouts and 503.
   *
   * @example
   * const page = await client.query(api.messages.list, { paginationOpts: { numItems: 10, cursor: null } });
   */
  async query<TReference extends FunctionReference<"query">>(reference: TReference, ...rest: ArgsParameter<TReference>): Promise<FunctionReturnType<TReference>> {
    const [args, options] = rest;
    const name = getFunctionName(reference);
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.call("query", name, args ?? {}, options));
      } catch (error) {
        const retryable = error instanceof ConvoyRequestError && (RETRYABLE_CODES.has(error.code) || error.status === 503);
        if (!retryable || attempt >= this.options.queryRetries) throw error;
        await sleep(RETRY_BASE_MS * 2 ** attempt * (0.5 + Math.random()), options?.signal);
      }
    }
  }

  /**
   * Runs a mutation. Never sent twice: after a network error it may have committed.
   *
   * @example
   * const id = await client.mutation(api.messages.send, { author: "ada", body: "hi" });
   */
  async mutation<TReference extends FunctionReference<"mutation">>(
    reference: TReference,
    ...rest: ArgsParameter<TReference>
  ): Promise<FunctionReturnType<TReference>> {
    const [args, options] = rest;
    return (await this.call("mutation", getFunctionName(reference), args ?? {}, options));
  }

  /**
   * Runs an action (`POST /api/action/<name>`). Never sent twice: an action may have side
   * effects. The client's `timeoutMs` bounds it (raise it for long actions).
   *
   * @example
   * const receipt = await client.action(api.payments.charge, { amount: 42 });
   */
  async action<TReference extends FunctionReference<"action">>(
    reference: TReference,
    ...rest: ArgsParameter<TReference>
  ): Promise<FunctionReturnType<TReference>> {
    const [args, options] = rest;
    return (await this.call("action", getFunctionName(reference), args ?? {}, options));
  }

  private async call(kind: "query" | "mutation" | "action", name: string, args: unknown, options: CallOptions | undefined): Promise<Value> {
    let body: string;
    try {
      body = JSON.stringify({ args: encodeValue(args as Value) });
    } catch (error) {
      throw new ConvoyRequestError("BAD_REQUEST", `the arguments of ${name} cannot be sent: ${error instanceof Error ? error.message : String(error)}`, 0, { cause: error });
    }
    const headers: Record<string, string> = { "Content-Type": "application/json" };
    const token = this.fetchToken ? await this.fetchToken() : null;
    if (token) headers.Authorization = `Bearer ${token}`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const signal = options?.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const url = `${this.address}/api/${kind}/${name.split("/").map(encodeURIComponent).join("/")}`;
    const transportError = (error: unknown): ConvoyRequestError => {
      if (options?.signal?.aborted) return new ConvoyRequestError("ABORTED", "the request was aborted", 0, { cause: error });
      if (timeout.aborted) return new ConvoyRequestError("TIMEOUT", `no answer within ${this.options.timeoutMs} ms`, 0, { cause: error });
      return new ConvoyRequestError("NETWORK_ERROR", `could not reach ${this.address}: ${error instanceof Error ? error.message : String(error)}`, 0, { cause: error });
    };
    let response: Response;
    let text: string;
    try {
      response = await (this.options.fetch ?? fetch)(url, { method: "POST", headers, body, signal });
      text = await response.text();
    } catch (error) {
      throw transportError(error);
    }
    const answer = parseAnswer(text);
    if (response.ok && answer !== null && "value" in answer) {
      const reported = response.headers.has("x-convoy-reads") && response.headers.has("x-convoy-writes");
      const access: CallAccess = { readTables: headerList(response, "x-convoy-reads"), writtenTables: headerList(response, "x-convoy-writes") };
      if (!reported) access.reported = false;
      if (kind !== "action") {
        // an action's own reads and writes are those of its nested calls, not reported
        for (const listener of this.accessListeners) listener(kind, name, access);
        options?.onAccess?.(access);
      }
      return decodeValue(answer.value ?? null);
    }
    const error = answer?.error;
    const code = isErrorCode(error?.code) ? error.code : response.status === 503 ? "UNAVAILABLE" : "INTERNAL";
    throw new ConvoyRequestError(code, error?.message ?? `HTTP ${response.status}`, response.status, {
      ...(error?.data === undefined ? {} : { data: decodeValue(error.data) }),
      ...(error?.path === undefined ? {} : { path: error.path }),
    });
  }
}

interface Answer {
  value?: JSONValue;
  error?: { code?: string; message?: string; data?: JSONValue; path?: string };
}

function parseAnswer(text: string): Answer | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function headerList(response: Response, name: string): string[] {
  const value = response.headers.get(name);
  return value ? value.split(",").filter((table) => table !== "") : [];
}

/** Waits `ms`, or rejects with `ABORTED` as soon as `signal` aborts (at once if it already has). */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => {
      clearTimeout(timer);
      reject(new ConvoyRequestError("ABORTED", "the request was aborted", 0));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", aborted);
      resolve();
    }, ms);
    if (signal?.aborted) aborted();
    else signal?.addEventListener("abort", aborted, { once: true });
  });
}
