/**
 * A deep copy of a validated Convoy value (what `structuredClone` gives for one, several times
 * faster): arrays and plain objects copied, `ArrayBuffer` bytes copied, primitives as they are.
 * Used to hand every attempt of a call arguments no earlier attempt has changed.
 *
 * @example
 * const copy = cloneValue({ tags: ["a"], bytes: new ArrayBuffer(2) }); // shares nothing mutable
 */
export function cloneValue<T>(value: T): T {
  return clone(value) as T;
}

function clone(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = clone(value[i]);
    return copy;
  }
  if (value instanceof ArrayBuffer) return value.slice(0);
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    if (key === "__proto__") Object.defineProperty(copy, key, { value: clone(source[key]), enumerable: true, writable: true, configurable: true });
    else copy[key] = clone(source[key]);
  }
  return copy;
}
