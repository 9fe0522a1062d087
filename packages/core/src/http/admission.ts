import { FrameworkError } from "../errors/framework-error.js";

/** `503 UNAVAILABLE` for a call refused because the server is at its limits; answered with `Retry-After`. */
export class OverloadedError extends FrameworkError {
  override readonly name = "OverloadedError";
  /** What the `Retry-After` header says, in seconds. */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds = 1) {
    super("UNAVAILABLE", message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** The bounds {@link Admission} enforces. */
export interface AdmissionLimits {
  /** Most function calls in progress at once. */
  maxConcurrentCalls: number;
  /** Most request-body bytes held at once, counting every admitted call's body (declared, else the body limit). */
  maxBufferedBodyBytes: number;
}

/**
 * Admission control: a call enters only while fewer than `maxConcurrentCalls` run and its body
 * fits in what is left of `maxBufferedBodyBytes`; otherwise it is refused at once with
 * {@link OverloadedError} (no queue), so overload costs a fast 503 instead of memory.
 *
 * @example
 * const admission = new Admission({ maxConcurrentCalls: 256, maxBufferedBodyBytes: 64 << 20 });
 * const leave = admission.enter(bodyBytes); // throws OverloadedError when full
 * try { await run() } finally { leave() }
 */
export class Admission {
  #calls = 0;
  #bytes = 0;

  constructor(readonly limits: AdmissionLimits) {}

  /** Calls in progress and body bytes reserved now. */
  get usage(): { calls: number; bodyBytes: number } {
    return { calls: this.#calls, bodyBytes: this.#bytes };
  }

  /** Admit a call that will buffer up to `bodyBytes`; returns the function that ends it (idempotent). */
  enter(bodyBytes: number): () => void {
    if (this.#calls >= this.limits.maxConcurrentCalls) {
      throw new OverloadedError(`the server is at its limit of ${this.limits.maxConcurrentCalls} calls in progress; retry shortly`);
    }
    if (bodyBytes > 0 && this.#bytes + bodyBytes > this.limits.maxBufferedBodyBytes) {
      throw new OverloadedError(`the server is at its limit of ${this.limits.maxBufferedBodyBytes} buffered request bytes; retry shortly`);
    }
    this.#calls++;
    this.#bytes += bodyBytes;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#calls--;
      this.#bytes -= bodyBytes;
    };
  }
}
