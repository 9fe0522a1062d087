import { readableRows, type RulesDefinition, type Runtime, type StoredRow, type UserIdentity } from "@convoy/core/server";
import { shapeRowOf, storedRowOf, type ElectricRow } from "./shape-rows.js";

/** One message of a shape log: a change (`headers.operation`), a control message (`headers.control`) or an event. */
export interface ShapeMessage {
  headers: Record<string, unknown>;
  key?: string;
  value?: ElectricRow;
  old_value?: ElectricRow;
}

type CatalogTable = NonNullable<ReturnType<Runtime["catalog"]["tables"]["get"]>>;

/** What one caller may see of a batch of messages. */
export interface FilterContext {
  runtime: Runtime;
  rules: RulesDefinition | undefined;
  identity: UserIdentity | null;
  table: CatalogTable;
}

/**
 * The messages of one shape response as `identity` may see them. Every row goes through the
 * table's read rule, evaluated on that row's own values (one statement for the whole batch):
 * - insert / delete: relayed when the row is readable, dropped otherwise;
 * - update: old and new rows are checked: readable → readable is an update, unreadable →
 *   readable becomes an insert, readable → unreadable a delete (carrying the old row), and
 *   unreadable → unreadable is dropped;
 * - control messages (`up-to-date`, `must-refetch`, …) pass unchanged; events (move-in/out of
 *   subquery shapes, which the proxy never requests) are dropped.
 * Rows are sent whole and in Convoy's form (`_id`, `_creation_time`, `data`); `old_value` is
 * never sent, so nothing of a row the caller cannot read leaves the proxy.
 */
export async function filterMessages(messages: readonly ShapeMessage[], ctx: FilterContext): Promise<ShapeMessage[]> {
  const rows: StoredRow[] = [];
  const slots: { message: ShapeMessage; next: number; previous: number }[] = [];
  for (const message of messages) {
    const operation = message.headers.operation;
    if (operation !== "insert" && operation !== "update" && operation !== "delete") {
      slots.push({ message, next: -1, previous: -1 });
      continue;
    }
    const value = message.value ?? {};
    const next = rows.push(storedRowOf(ctx.table, value)) - 1;
    const previous = operation === "update" ? rows.push(storedRowOf(ctx.table, { ...value, ...message.old_value })) - 1 : -1;
    slots.push({ message, next, previous });
  }
  const allowed = await readableRows(ctx.runtime, ctx.rules, ctx.identity, ctx.table.name, rows);
  const out: ShapeMessage[] = [];
  for (const { message, next, previous } of slots) {
    const operation = message.headers.operation;
    if (next === -1) {
      if (message.headers.control !== undefined) out.push(message);
      continue;
    }
    const change = (op: "insert" | "update" | "delete", row: StoredRow): ShapeMessage => ({
      headers: { ...message.headers, operation: op },
      ...(message.key === undefined ? {} : { key: message.key }),
      value: shapeRowOf(ctx.table, row),
    });
    if (operation !== "update") {
      if (allowed[next] === true) out.push(change(operation as "insert" | "delete", rows[next]!));
      continue;
    }
    const before = allowed[previous] === true;
    const after = allowed[next] === true;
    if (before && after) out.push(change("update", rows[next]!));
    else if (after) out.push(change("insert", rows[next]!));
    else if (before) out.push(change("delete", rows[previous]!));
  }
  return out;
}
