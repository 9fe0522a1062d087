import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { FrameworkError } from "../../errors/framework-error.js";
import type { UserIdentity } from "../../functions/context.js";
import type { Runtime } from "../../runtime/runtime.js";
import type { EngineClient, Transition } from "../engine-client.js";
import type { RealtimeEngine } from "../realtime-engine.js";
import type { OutcomeSerializer, QueryOutcome } from "../query-outcome.js";
import { parseClientMessage, type ClientMessage } from "./client-message.js";
import { CLOSE } from "./close-codes.js";
import { textFrame } from "./frame-batch.js";
import { storeRequestResult } from "./request-log.js";
import { SocketSession } from "./socket-session.js";
import type { ResolvedSyncOptions } from "./sync-options.js";

/** Answers (other than transitions, which coalesce) queued for a slow socket before it is closed. */
const MAX_QUEUED_FRAMES = 1024;

/** A mutation's answer: its wire text and the version after which the client's results reflect it. */
export interface MutationAnswer {
  ok: boolean;
  text: string;
  version: number;
}

/**
 * One `/api/sync` socket: parses frames, drives its {@link EngineClient}, runs requests, and
 * writes frames, coalescing transitions while the socket is slow.
 */
export class SyncSession extends SocketSession<ClientMessage> {
  private client: EngineClient | undefined;
  private sessionId: string | undefined;
  private identity: UserIdentity | null = null;
  private inFlight = 0;
  /** Coalesced while the socket's buffer is over the limit: latest text per query, latest version. */
  private pending: { version: number; results: Map<number, string> } | undefined;
  private queued: string[] = [];
  private authQueue: Promise<void> = Promise.resolve();

  constructor(
    socket: WebSocket,
    tcp: Duplex,
    private readonly engine: RealtimeEngine,
    private readonly runtime: () => Runtime,
    private readonly serialize: OutcomeSerializer,
    private readonly options: ResolvedSyncOptions,
  ) {
    super(socket, tcp, options, { name: "/api/sync", connect: "connect" });
  }

  protected violation(reason: string): void {
    this.close(CLOSE.protocol, reason);
  }

  protected released(): void {
    this.client?.close();
    this.options.onClose(this);
  }

  protected parse(text: string): ClientMessage {
    return parseClientMessage(text, this.options);
  }

  protected get connected(): boolean {
    return this.client !== undefined;
  }

  protected handle(message: ClientMessage): void {
    switch (message.type) {
      case "connect":
        if (this.client !== undefined) return this.close(CLOSE.protocol, "connect was already sent");
        this.sessionId = message.sessionId;
        this.client = this.engine.connect({ transition: (transition) => this.transition(transition) }, this.identity);
        return this.send(`{"type":"connected","protocol":1,"version":"${String(this.engine.version)}"}`);
      case "authenticate":
        this.authenticate(message.token);
        return;
      case "subscribe":
        // authenticate is asynchronous: subscriptions after it run under its identity
        void this.authQueue.then(() => {
          if (this.closed || this.client === undefined) return;
          if (this.client.subscriptions.size >= this.options.maxSubscriptions) return this.close(CLOSE.limit, `more than ${this.options.maxSubscriptions} subscriptions`);
          if (!this.client.subscribe(message.queryId, message.name, message.args)) this.close(CLOSE.protocol, `queryId ${message.queryId} is already subscribed`);
        });
        return;
      case "unsubscribe":
        void this.authQueue.then(() => {
          this.client?.unsubscribe(message.queryId);
          this.pending?.results.delete(message.queryId);
        });
        return;
      case "mutation":
      case "query":
        if (this.inFlight >= this.options.maxInFlight) return this.close(CLOSE.limit, `more than ${this.options.maxInFlight} requests in flight`);
        this.inFlight++;
        void this.authQueue
          .then(() => (message.type === "mutation" ? this.mutation(message) : this.query(message)))
          .catch((error: unknown) => {
            this.options.logger.error("convoy: /api/sync request failed", error);
            this.close(CLOSE.internal, "internal error");
          })
          .finally(() => this.inFlight--);
        return;
      case "ping":
        return this.send(`{"type":"pong"}`);
    }
  }

  private authenticate(token: string | null): void {
    this.authQueue = this.authQueue.then(async () => {
      let identity: UserIdentity | null = null;
      if (token !== null) {
        const verify = this.options.verifyToken;
        if (verify === undefined) return this.close(CLOSE.unauthenticated, "UNAUTHENTICATED: this server accepts no tokens");
        try {
          identity = await verify(token);
        } catch (error) {
          const message = error instanceof FrameworkError ? `${error.code}: ${error.message}` : "UNAUTHENTICATED: the token was refused";
          return this.close(CLOSE.unauthenticated, message);
        }
      }
      if (this.closed) return;
      this.identity = identity;
      this.client?.setIdentity(identity);
      const shown = identity === null ? null : { tokenIdentifier: identity.tokenIdentifier, subject: identity.subject, issuer: identity.issuer };
      this.send(`{"type":"authenticated","identity":${JSON.stringify(shown)}}`);
    });
  }

  private async mutation(message: Extract<ClientMessage, { type: "mutation" }>): Promise<void> {
    const key = `${this.sessionId!}\u0000${message.requestId}`;
    let answer = this.options.requests.get(key);
    if (answer === undefined) {
      answer = this.runMutation(message);
      this.options.requests.set(key, answer);
      // A failed mutation changed nothing: a retry with the same id runs it again.
      void answer.then((done) => done.ok || this.options.requests.delete(key, answer!));
    }
    const { text, version } = await answer;
    await this.client!.synced(version);
    this.send(`{"type":"mutationResult","requestId":${JSON.stringify(message.requestId)},${text},"version":"${String(version)}"}`);
  }

  private async runMutation(message: Extract<ClientMessage, { type: "mutation" }>): Promise<MutationAnswer> {
    let outcome: QueryOutcome;
    try {
      const { value } = await this.runtime().run("mutation", message.name, message.args, {
        identity: this.identity,
        around: storeRequestResult(this.sessionId!, message.requestId),
      });
      outcome = { ok: true, value };
    } catch (error) {
      outcome = { ok: false, error };
    }
    // The commit's version is at most this one (its after-commit publication ran before `run` answered).
    return { ok: outcome.ok, text: this.serialize(outcome), version: this.engine.version };
  }

  private async query(message: Extract<ClientMessage, { type: "query" }>): Promise<void> {
    let outcome: QueryOutcome;
    try {
      const { value } = await this.runtime().run("query", message.name, message.args, { identity: this.identity });
      outcome = { ok: true, value };
    } catch (error) {
      outcome = { ok: false, error };
    }
    this.send(`{"type":"queryResult","requestId":${JSON.stringify(message.requestId)},${this.serialize(outcome)}}`);
  }

  private transition(transition: Transition): void {
    if (this.closed) return;
    if (this.pending === undefined && !this.slow) {
      this.write(this.options.frames.transition(transition));
      return;
    }
    // A slow socket: keep only the latest result per query until its buffer drains.
    this.pending ??= { version: transition.version, results: new Map() };
    this.pending.version = transition.version;
    for (const result of transition.results) this.pending.results.set(result.queryId, result.text);
    this.scheduleFlush();
  }

  private send(frame: string): void {
    if (this.closed) return;
    if (this.pending === undefined && this.queued.length === 0 && !this.slow) {
      this.write(frame);
      return;
    }
    // A client that keeps sending (pings) but does not read: bounded, then closed.
    if (this.queued.length >= MAX_QUEUED_FRAMES) return this.close(CLOSE.limit, "too many unread answers");
    this.queued.push(frame);
    this.scheduleFlush();
  }

  /** Write a frame (bytes: a transition frame, possibly shared) or a message's text, at the end of this turn. */
  private write(frame: string | Buffer): void {
    this.outbox.push(typeof frame === "string" ? textFrame(frame) : frame);
  }

  protected flushHeld(): void {
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined && pending.results.size > 0) {
      const results = [...pending.results].map(([queryId, text]) => ({ queryId, text }));
      this.write(this.options.frames.transition({ version: pending.version, results }));
    }
    const queued = this.queued;
    this.queued = [];
    for (const frame of queued) this.write(frame);
  }
}
