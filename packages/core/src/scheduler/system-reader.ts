import type { Queryable } from "../driver/driver.js";
import { FrameworkError } from "../errors/framework-error.js";
import type { ScheduledFunction, ScheduledFunctionId, SystemDatabaseReader, SystemQuery } from "../functions/scheduler-types.js";
import { isIdOfTable } from "../storage/ids.js";
import { listJobs, loadJob, SCHEDULED_FUNCTIONS, toScheduledFunction } from "./job-store.js";

class ScheduledFunctionsQuery implements SystemQuery<ScheduledFunction> {
  constructor(
    private readonly q: Queryable,
    private readonly direction: "asc" | "desc" = "asc",
    private readonly predicates: readonly ((document: ScheduledFunction) => boolean)[] = [],
  ) {}

  order(order: "asc" | "desc"): SystemQuery<ScheduledFunction> {
    if (order !== "asc" && order !== "desc") throw new FrameworkError("INTERNAL", `order() takes "asc" or "desc", got ${String(order)}`);
    return new ScheduledFunctionsQuery(this.q, order, this.predicates);
  }

  filter(predicate: (document: ScheduledFunction) => boolean): SystemQuery<ScheduledFunction> {
    return new ScheduledFunctionsQuery(this.q, this.direction, [...this.predicates, predicate]);
  }

  private async read(limit: number | null): Promise<ScheduledFunction[]> {
    // Without a filter the limit goes to SQL; with one, rows are filtered here.
    const rows = await listJobs(this.q, this.direction, this.predicates.length === 0 ? limit : null);
    const documents = rows.map(toScheduledFunction).filter((document) => this.predicates.every((predicate) => predicate(document)));
    return limit === null ? documents : documents.slice(0, limit);
  }

  collect(): Promise<ScheduledFunction[]> {
    return this.read(null);
  }

  take(n: number): Promise<ScheduledFunction[]> {
    if (!Number.isInteger(n) || n < 0) return Promise.reject(new FrameworkError("INTERNAL", `take(n) needs a non-negative integer, got ${String(n)}`));
    return this.read(n);
  }

  async first(): Promise<ScheduledFunction | null> {
    return (await this.read(1))[0] ?? null;
  }

  async unique(): Promise<ScheduledFunction | null> {
    const found = await this.read(2);
    if (found.length > 1) throw new FrameworkError("INTERNAL", "unique() matched more than one scheduled function");
    return found[0] ?? null;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ScheduledFunction> {
    for (const document of await this.collect()) yield document;
  }
}

/**
 * `ctx.db.system`: Convex's `_scheduled_functions` over Convoy's job table, read in the call's
 * transaction. Reads of system tables are not tracked for live queries.
 *
 * @example
 * const job = await ctx.db.system.get(jobId); // { name, args, scheduledTime, state: { kind: "pending" }, ... }
 */
export function createSystemReader(q: Queryable): SystemDatabaseReader {
  return Object.freeze({
    async get(id: ScheduledFunctionId): Promise<ScheduledFunction | null> {
      if (typeof id !== "string" || !isIdOfTable(id, SCHEDULED_FUNCTIONS)) throw new FrameworkError("INTERNAL", `db.system.get: ${JSON.stringify(id)} is not the id of a system document`);
      const row = await loadJob(q, id);
      return row === null ? null : toScheduledFunction(row);
    },
    query(table: "_scheduled_functions"): SystemQuery<ScheduledFunction> {
      if (table !== SCHEDULED_FUNCTIONS) throw new FrameworkError("INTERNAL", `db.system.query: no system table ${JSON.stringify(table)} (there is "_scheduled_functions")`);
      return new ScheduledFunctionsQuery(q);
    },
  });
}
