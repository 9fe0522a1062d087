import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { FrameworkError } from "../../errors/framework-error.js";
import type { UserIdentity } from "../../functions/context.js";
import type { HttpLogger, TokenVerifier } from "../../http/handler-options.js";
import { decodeArgs } from "../../http/request-args.js";
import type { EngineClient, Transition } from "../../realtime/engine-client.js";
import type { OutcomeSerializer, QueryOutcome } from "../../realtime/query-outcome.js";
import type { RealtimeEngine } from "../../realtime/realtime-engine.js";
import { CLOSE } from "../../realtime/sync/close-codes.js";
import { textFrame, type FrameBatch } from "../../realtime/sync/frame-batch.js";
import { storeRequestResult } from "../../realtime/sync/request-log.js";
import { SocketSession } from "../../realtime/sync/socket-session.js";
import type { RequestMemory } from "../../realtime/sync/sync-options.js";
import type { Runtime } from "../../runtime/runtime.js";
import { isPlainObject } from "../../values/validation-issue.js";
import type { Value } from "../../values/value.js";
import { parseConvexClientMessage, type AddQuery, type ConvexClientMessage, type FunctionRequest } from "./convex-client-message.js";
import { queryModification, removedModification, responseBody, transitionFrame, type StateVersion } from "./convex-frames.js";
import { argsWithJournal, isUnpinnedPage, journalOfResult } from "./query-journal.js";
import { encodeU64 } from "./u64.js";

/** Unsent bytes, in `maxBufferedBytes`, past which a socket that does not read is closed (4429). */
const MAX_UNREAD_FACTOR = 8;

/** What a {@link ConvexSyncSession} shares with its server. @internal */
export interface ConvexSessionContext {
  engine: RealtimeEngine;
  runtime: () => Runtime;
  /** The wire text of a mutation's or action's outcome (the engine's format). */
  serialize: OutcomeSerializer;
  verifyToken: TokenVerifier | undefined;
  maxSubscriptions: number;
  maxInFlight: number;
  maxBufferedBytes: number;
  heartbeatTimeoutMs: number;
  maxDepth: number;
  maxArrayLength: number;
  logger: HttpLogger;
  batch: FrameBatch;
  requests: RequestMemory;
  onClose(session: ConvexSyncSession): void;
}

/** A modification of one query: its id and its JSON text. */
type Modification = [queryId: number, text: string];

interface LiveQuery {
  name: string;
  args: Record<string, Value>;
  journal: string | null;
  /** A page whose end is pinned (journal) at its first result. */
  pinPending: boolean;
}

/**
 * One socket of Convex's sync protocol (`/api/<version>/sync`), an adapter over the
 * {@link RealtimeEngine}: the client's query set becomes the engine client's subscriptions,
 * engine transitions become `Transition`s carrying the query set and identity versions the
 * client sent, and a mutation is answered with the timestamp of its commit, then followed by a
 * `Transition` at least that late (the client resolves the mutation on it). While the socket is
 * slow, transitions are held and coalesced (the latest modification per query).
 */
export class ConvexSyncSession extends SocketSession<ConvexClientMessage> {
  private client: EngineClient | undefined;
  private sessionId = "";
  private identity: UserIdentity | null = null;
  private querySetVersion = 0;
  private identityVersion = 0;
  /** The versions transitions claim: reached once the engine delivered the first results under them. */
  private claimed = { querySet: 0, identity: 0 };
  /** The end version of the last `Transition` sent (the client's start version for the next). */
  private sent: StateVersion = { querySet: 0, identity: 0, ts: 0 };
  private transitionsSent = 0;
  private readonly queries = new Map<number, LiveQuery>();
  /** Modifications the engine does not produce (removals, arguments that do not decode), sent with the next transition. */
  private extra: Modification[] = [];
  /** Held while the socket's unsent bytes are over the limit: the latest modification per query, and the latest ts. */
  private held: { modifications: Map<number, string>; ts: number } | undefined;
  /** Authenticate, query set changes and mutations, in the order the client sent them. */
  private queue: Promise<void> = Promise.resolve();
  private inFlight = 0;

  constructor(
    socket: WebSocket,
    tcp: Duplex,
    private readonly context: ConvexSessionContext,
  ) {
    super(socket, tcp, context, { name: "Convex sync", connect: "Connect" });
  }

  /** Convex's `Ping`, after the heartbeat's WebSocket ping. */
  protected override pinged(): void {
    this.write(`{"type":"Ping"}`);
  }

  protected violation(reason: string): void {
    this.fatal(reason);
  }

  protected released(): void {
    this.client?.close();
    this.context.onClose(this);
  }

  /** A protocol violation: `FatalError` (after what is queued), then close with 4400. */
  private fatal(reason: string): void {
    if (this.closed) return;
    this.outbox.flush();
    this.socket.send(`{"type":"FatalError","error":${JSON.stringify(reason)}}`);
    this.close(CLOSE.protocol, reason);
  }

  protected parse(text: string): ConvexClientMessage {
    return parseConvexClientMessage(text, this.context);
  }

  protected get connected(): boolean {
    return this.client !== undefined;
  }

  protected handle(message: ConvexClientMessage): void {
    switch (message.type) {
      case "Connect":
        if (this.client !== undefined) return this.fatal("Connect was already sent");
        // Namespaced: Convoy's own sessions share the request log.
        this.sessionId = `convex:${message.sessionId}`;
        this.client = this.context.engine.connect({ transition: (transition) => this.transition(transition) }, null);
        return;
      case "ModifyQuerySet":
        return this.enqueue(() => this.modifyQuerySet(message));
      case "Authenticate":
        return this.enqueue(() => this.authenticate(message));
      case "Mutation":
      case "Action": {
        if (this.inFlight >= this.context.maxInFlight) return this.close(CLOSE.limit, `more than ${this.context.maxInFlight} requests in flight`);
        this.inFlight++;
        const done = (): void => {
          this.inFlight--;
        };
        // Mutations run one after the other, in order; an action runs once what precedes it ran.
        if (message.type === "Mutation") this.enqueue(() => this.mutation(message).finally(done));
        else this.enqueue(() => void this.guard(this.action(message).finally(done)));
        return;
      }
      case "Event":
        return;
    }
  }

  private enqueue(step: () => void | Promise<void>): void {
    this.queue = this.queue.then(() => (this.closed ? undefined : this.guard(Promise.resolve(step()))));
  }

  private guard(work: Promise<void>): Promise<void> {
    return work.catch((error: unknown) => {
      this.context.logger.error("convoy: Convex sync request failed", error);
      this.close(CLOSE.internal, "internal error");
    });
  }

  private modifyQuerySet(message: Extract<ConvexClientMessage, { type: "ModifyQuerySet" }>): void {
    if (message.baseVersion !== this.querySetVersion) return this.fatal(`ModifyQuerySet from query set version ${message.baseVersion}, but the server is at ${this.querySetVersion}`);
    if (message.newVersion <= message.baseVersion) return this.fatal(`ModifyQuerySet to version ${message.newVersion}, not after ${message.baseVersion}`);
    const client = this.client!;
    for (const modification of message.modifications) {
      if (modification.type === "Remove") {
        if (!this.queries.delete(modification.queryId)) return this.fatal(`Remove of query ${modification.queryId}, which is not in the query set`);
        client.unsubscribe(modification.queryId);
        this.extra.push([modification.queryId, removedModification(modification.queryId)]);
        continue;
      }
      if (this.queries.has(modification.queryId)) return this.fatal(`Add of query ${modification.queryId}, which is already in the query set`);
      if (this.queries.size >= this.context.maxSubscriptions) return this.close(CLOSE.limit, `more than ${this.context.maxSubscriptions} subscriptions`);
      this.add(client, modification);
    }
    this.querySetVersion = message.newVersion;
    this.syncVersions(this.context.engine.version);
  }

  private add(client: EngineClient, add: AddQuery): void {
    let args: Record<string, Value>;
    try {
      args = argsWithJournal(decodeConvexArgs(add.args), add.journal);
    } catch (error) {
      // A query that cannot run: it fails (as on Convex), the connection goes on.
      this.queries.set(add.queryId, { name: add.name, args: {}, journal: null, pinPending: false });
      this.extra.push([add.queryId, queryModification(add.queryId, this.context.serialize({ ok: false, error }), null)]);
      return;
    }
    this.queries.set(add.queryId, { name: add.name, args, journal: add.journal, pinPending: isUnpinnedPage(args) });
    client.subscribe(add.queryId, add.name, args);
  }

  private async authenticate(message: Extract<ConvexClientMessage, { type: "Authenticate" }>): Promise<void> {
    if (message.baseVersion !== this.identityVersion) {
      this.fatal(`Authenticate from identity version ${message.baseVersion}, but the server is at ${this.identityVersion}`);
      return;
    }
    let identity: UserIdentity | null = null;
    if (message.tokenType === "Admin") {
      this.authError(message.baseVersion, "Convoy has no admin keys: authenticate with a user token (setAuth)");
      return;
    }
    if (message.tokenType === "User") {
      const verify = this.context.verifyToken;
      if (verify === undefined) {
        this.authError(message.baseVersion, "UNAUTHENTICATED: this server accepts no tokens");
        return;
      }
      try {
        identity = await verify(message.value!);
      } catch (error) {
        this.authError(message.baseVersion, error instanceof FrameworkError ? `${error.code}: ${error.message}` : "UNAUTHENTICATED: the token was refused");
        return;
      }
    }
    if (this.closed) return;
    this.identity = identity;
    this.identityVersion = message.baseVersion + 1;
    this.client!.setIdentity(identity);
    this.syncVersions(this.context.engine.version);
  }

  private authError(baseVersion: number, error: string): void {
    this.write(`{"type":"AuthError","error":${JSON.stringify(error)},"baseVersion":${baseVersion},"authUpdateAttempted":true}`);
  }

  private async mutation(message: FunctionRequest): Promise<void> {
    const key = `${this.sessionId}\u0000${message.requestId}`;
    const requests = this.context.requests;
    let answer = requests.get(key);
    if (answer === undefined) {
      const running = this.runMutation(message);
      answer = running;
      requests.set(key, running);
      // A failed mutation changed nothing: a retry with the same id runs it again.
      void running.then((done) => done.ok || requests.delete(key, running));
    }
    const { ok, text, version } = await answer;
    this.write(`{"type":"MutationResponse","requestId":${message.requestId},${text}${ok ? `,"ts":"${encodeU64(version)}"` : ""}}`);
    if (!ok) return;
    // The client resolves the mutation on the first Transition at or after its ts.
    const mark = this.transitionsSent;
    void this.client!.synced(version).then(() => {
      if (this.closed || (this.transitionsSent > mark && this.sent.ts >= version)) return;
      this.sendTransition([], version);
    });
  }

  private async runMutation(message: FunctionRequest): Promise<{ ok: boolean; text: string; version: number }> {
    const outcome = await this.run("mutation", message);
    // The commit's version is at most this one (its after-commit publication ran before `run` answered).
    const version = this.context.engine.version;
    const { ok, body } = responseBody(this.context.serialize(outcome));
    return { ok, text: body, version };
  }

  private async action(message: FunctionRequest): Promise<void> {
    const { body } = responseBody(this.context.serialize(await this.run("action", message)));
    this.write(`{"type":"ActionResponse","requestId":${message.requestId},${body}}`);
  }

  private async run(kind: "mutation" | "action", message: FunctionRequest): Promise<QueryOutcome> {
    try {
      if (message.componentPath !== undefined) throw new FrameworkError("BAD_REQUEST", "Convoy has no components: call the app's own functions");
      const args = decodeConvexArgs(message.args);
      const around = kind === "mutation" ? storeRequestResult(this.sessionId, String(message.requestId)) : undefined;
      const { value } = await this.context.runtime().run(kind, message.name, args, { identity: this.identity, allowInternal: false, ...(around === undefined ? {} : { around }) });
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * Once the engine delivered what precedes `version` and the first results of the current
   * queries (under the current identity): claim the versions the client sent, with a
   * `Transition` for versions (and removals) no result carried yet.
   */
  private syncVersions(version: number): void {
    const reached = { querySet: this.querySetVersion, identity: this.identityVersion };
    void this.client!.synced(version).then(() => {
      if (this.closed) return;
      this.claimed = { querySet: Math.max(this.claimed.querySet, reached.querySet), identity: Math.max(this.claimed.identity, reached.identity) };
      if (this.extra.length > 0 || this.sent.querySet !== this.claimed.querySet || this.sent.identity !== this.claimed.identity) this.sendTransition([], this.sent.ts);
    });
  }

  /** The engine's transition: this client's changed results. */
  private transition(transition: Transition): void {
    if (this.closed) return;
    const modifications: Modification[] = [];
    for (const { queryId, text } of transition.results) {
      const query = this.queries.get(queryId);
      if (query === undefined) continue;
      if (query.pinPending) this.pin(queryId, query, text);
      modifications.push([queryId, queryModification(queryId, text, query.journal)]);
    }
    this.sendTransition(modifications, transition.version);
  }

  /** Pin a page at its first result's end: from now on it runs with that `endCursor` (see query-journal.ts). */
  private pin(queryId: number, query: LiveQuery, text: string): void {
    query.pinPending = false;
    const journal = journalOfResult(text);
    if (journal === null) return;
    query.journal = journal;
    query.args = argsWithJournal(query.args, journal);
    this.client!.unsubscribe(queryId);
    this.client!.subscribe(queryId, query.name, query.args);
  }

  /** A `Transition` to `ts` (or later), held and coalesced while the socket is slow. */
  private sendTransition(modifications: Modification[], ts: number): void {
    const all = this.extra.length === 0 ? modifications : [...this.extra, ...modifications];
    this.extra = [];
    if (this.held === undefined && !this.slow) {
      this.writeTransition(all.map(([, text]) => text), ts);
      return;
    }
    // Every modification replaces the query's result: the latest per query is the whole story.
    this.held ??= { modifications: new Map(), ts };
    for (const [queryId, text] of all) this.held.modifications.set(queryId, text);
    this.held.ts = Math.max(this.held.ts, ts);
    this.scheduleFlush();
  }

  protected flushHeld(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    this.writeTransition([...held.modifications.values()], held.ts);
  }

  private writeTransition(modifications: string[], ts: number): void {
    const end: StateVersion = { ...this.claimed, ts: Math.max(this.sent.ts, ts) };
    this.write(transitionFrame(this.sent, end, modifications));
    this.sent = end;
    this.transitionsSent++;
  }

  private write(frame: string): void {
    if (this.closed) return;
    // Answers are not coalesced: a client that sends but does not read is closed.
    if (this.socket.bufferedAmount > MAX_UNREAD_FACTOR * this.context.maxBufferedBytes) return this.close(CLOSE.limit, "the client does not read its messages");
    this.outbox.push(textFrame(frame));
  }
}

/** Convex's arguments object, decoded from `convex_encoded_json` (Convoy's wire encoding); `ARGS_INVALID` otherwise. */
function decodeConvexArgs(args: unknown): Record<string, Value> {
  if (!isPlainObject(args)) throw new FrameworkError("ARGS_INVALID", "args: expected an object");
  return decodeArgs(args);
}
