import { encodeValue } from "./encoding.js";
import type { Value } from "./value.js";

const MARKER = Symbol.for("convoy.ConvoyError");

/**
 * An application error: throw it from a function to send `data` to the caller (HTTP 400,
 * code `APPLICATION_ERROR`, with `data` in the body). The message is `data` when it is a
 * string, else `data` as encoded JSON.
 *
 * @example
 * throw new ConvoyError({ reason: "sold out", itemId });
 * // client side: if (error.code === "APPLICATION_ERROR") error.data.reason
 */
export class ConvoyError<TData extends Value = Value> extends Error {
  override readonly name = "ConvoyError";
  /** Always `APPLICATION_ERROR`. */
  readonly code = "APPLICATION_ERROR" as const;
  /** The payload sent to the caller. */
  readonly data: TData;
  readonly [MARKER] = true;

  constructor(data: TData) {
    super(typeof data === "string" ? data : stringifyData(data));
    this.data = data;
  }
}

/**
 * Whether `error` is a {@link ConvoyError}, even one created by another copy of this package.
 *
 * @example
 * if (isConvoyError(error)) console.log(error.data);
 */
export function isConvoyError(error: unknown): error is ConvoyError {
  return error instanceof ConvoyError || (typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[MARKER] === true);
}

function stringifyData(data: Value): string {
  try {
    return JSON.stringify(encodeValue(data));
  } catch {
    return Object.prototype.toString.call(data);
  }
}
