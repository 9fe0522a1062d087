import type { Queryable } from "../../driver/driver.js";
import { REQUEST_LOG_TABLE } from "../../storage/layout.js";
import { decodeValue, encodeValue } from "../../values/encoding.js";
import type { JSONValue, Value } from "../../values/value.js";

/** How long stored mutation results are kept (a duplicate later than this runs again). */
export const REQUEST_LOG_RETENTION_SECONDS = 24 * 60 * 60;

/**
 * The `around` of a mutation sent with a request id: inside the mutation's own transaction,
 * answer a duplicate `(sessionId, requestId)` with the stored result, or run the mutation and
 * store its result. Concurrent duplicates conflict (serializable) and the retry finds the row.
 */
export function storeRequestResult(sessionId: string, requestId: string) {
  return async (tx: Queryable, invoke: () => Promise<Value>): Promise<Value> => {
    const found = await tx.query<{ result: string }>(`SELECT result FROM ${REQUEST_LOG_TABLE} WHERE session_id = $1 AND request_id = $2`, [sessionId, requestId]);
    if (found.rows[0] !== undefined) return decodeValue(JSON.parse(found.rows[0].result) as JSONValue);
    const value = await invoke();
    const sql = `INSERT INTO ${REQUEST_LOG_TABLE} (session_id, request_id, result) VALUES ($1, $2, $3)`;
    const params = [sessionId, requestId, JSON.stringify(encodeValue(value))];
    // Sent with COMMIT where the driver can (one round trip less); a duplicate still conflicts there.
    if (tx.defer !== undefined) tx.defer(sql, params);
    else await tx.query(sql, params);
    return value;
  };
}

/** Delete stored results older than the retention. */
export async function pruneRequestLog(q: Queryable, retentionSeconds = REQUEST_LOG_RETENTION_SECONDS): Promise<void> {
  await q.query(`DELETE FROM ${REQUEST_LOG_TABLE} WHERE created_at < now() - make_interval(secs => $1)`, [retentionSeconds]);
}
