import { errorResponse } from "../../http/error-response.js";
import { encodeValue } from "../../values/encoding.js";
import type { OutcomeSerializer, QueryOutcome } from "../query-outcome.js";

/**
 * The wire text of a result inside a protocol message: `"value":<encoded JSON>` or
 * `"error":{code,message,data?}` (the HTTP API's error body, same codes).
 */
export function outcomeSerializer(options: { dev: boolean }): OutcomeSerializer {
  return (outcome: QueryOutcome): string => {
    if (outcome.ok) return `"value":${JSON.stringify(encodeValue(outcome.value))}`;
    const { body } = errorResponse(outcome.error, options);
    try {
      return `"error":${JSON.stringify(body.error)}`;
    } catch {
      const rest = { ...body.error };
      delete rest.data;
      return `"error":${JSON.stringify(rest)}`;
    }
  };
}
