/**
 * Why an object key is not allowed in a Convoy value, or `null` if it is fine. Keys starting
 * with `$` would collide with the wire tags (`$integer`, `$float`, `$bytes`); `__proto__`
 * could set a prototype. `constructor` and `prototype` are ordinary keys.
 */
export function reservedKeyReason(key: string): string | null {
  if (key.startsWith("$")) return `field name ${JSON.stringify(key)} is reserved: names must not start with "$"`;
  if (key === "__proto__") return `field name "__proto__" is not allowed`;
  return null;
}

/** Why a field name in a `v.object({...})` definition is invalid, or `null`. */
export function invalidFieldNameReason(name: string): string | null {
  if (name === "") return "field names must not be empty";
  return reservedKeyReason(name);
}
