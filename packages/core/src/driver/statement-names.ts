/** How many distinct statement texts keep a name (those not used recently are forgotten first). */
export const MAX_NAMED_STATEMENTS = 500;

/**
 * One DML or `SELECT` statement, or `BEGIN`/`COMMIT`/`ROLLBACK` (no `;`): what may be prepared
 * (over the protocol, unlike SQL's `PREPARE`, transaction control may be, and a prepared
 * `ROLLBACK` still runs in an aborted transaction). DDL, savepoints and multi-statement
 * strings are sent as they are.
 */
const PREPARABLE = /^\s*(?:SELECT|INSERT|UPDATE|DELETE|WITH|BEGIN|COMMIT|ROLLBACK(?!\s+TO\b))\b[^;]*$/i;

/**
 * Names for prepared statements, by SQL text. `pg` parses a named statement once per
 * connection and then only binds and executes it, and Postgres may reuse its plan, so the hot
 * statements (every Convoy statement is generated from a few shapes with `$n` parameters) are
 * neither parsed nor planned on every call. Bounded: past {@link MAX_NAMED_STATEMENTS} texts, a
 * text not used recently is forgotten (the oldest one not named again since it last had a second
 * chance), and a text named again gets a fresh name (a name is never reused for another text,
 * which `pg` refuses). Statements already prepared on a connection stay there until the pool
 * closes it (idle connections are closed after `idleTimeoutMillis`).
 */
export class StatementNames {
  /** By text, oldest first; `used`: named again since it was last moved to the end. */
  readonly #names = new Map<string, { name: string; used: boolean }>();
  #next = 0;

  constructor(private readonly max = MAX_NAMED_STATEMENTS) {}

  /** The name to prepare `sql` under, or `undefined` when it is sent unnamed. */
  nameFor(sql: string): string | undefined {
    const known = this.#names.get(sql);
    if (known !== undefined) {
      // a flag, not a move to the end on every use (the statement path's hot loop)
      known.used = true;
      return known.name;
    }
    if (!PREPARABLE.test(sql)) return undefined;
    const name = `convoy_${(this.#next++).toString(36)}`;
    if (this.#names.size >= this.max) this.#evictOne();
    this.#names.set(sql, { name, used: false });
    return name;
  }

  /** Forgets the oldest text not used since it was last moved; a used one moves to the end, unflagged (second chance). */
  #evictOne(): void {
    for (const [sql, entry] of this.#names) {
      this.#names.delete(sql);
      if (!entry.used) return;
      entry.used = false;
      this.#names.set(sql, entry);
    }
  }

  /** The number of texts named now (for tests). */
  get size(): number {
    return this.#names.size;
  }
}
