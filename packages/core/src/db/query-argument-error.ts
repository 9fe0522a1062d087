import { FrameworkError } from "../errors/framework-error.js";

/**
 * An invalid argument to a query method (`take(-1)`, `take(1.5)`, …). It is the developer's
 * bug (`INTERNAL`) unless the value came from the caller: the runtime then reports it as the
 * caller's `ARGS_INVALID`, at the path where the value sits in the call's args (see
 * `attributeToArgs`).
 *
 * @example
 * throw new QueryArgumentError("take(n): n must be a non-negative integer, got -1", -1);
 */
export class QueryArgumentError extends FrameworkError {
  override readonly name = "QueryArgumentError";
  /** The offending value, to find it in the call's args. */
  readonly value: unknown;

  constructor(message: string, value: unknown) {
    super("INTERNAL", message);
    this.value = value;
  }
}
