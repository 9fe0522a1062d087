/** The Postgres name of a Convoy index: `<table>__<index>` (validated at schema definition to fit 63 bytes). */
export function indexNameFor(table: string, index: string): string {
  return `${table}__${index}`;
}
