import type { Value } from "../../values/value.js";
import type { AppHost } from "./app-host.js";

/** Runs the function called `name` (internal ones too) on the host's current version; `convoy run`'s core. */
export async function runFunctionByName(host: AppHost, name: string, args: Record<string, Value>): Promise<Value> {
  const registry = host.current().registry;
  const entry = registry.get(name);
  if (entry === undefined) throw new Error(`no function named ${JSON.stringify(name)}; known: ${registry.entries().map((e) => e.name).join(", ")}`);
  const { value } = await host.run(entry.kind, entry.name, args, { allowInternal: true });
  return value;
}
