import { FrameworkError } from "../errors/framework-error.js";
import { moduleKeyPrefix, modulePathFromKey, normalizeFunctionName } from "./function-name.js";
import type { FunctionType, FunctionVisibility } from "./function-reference.js";
import { isRegisteredFunction, type AnyRegisteredFunction } from "./registered-function.js";

/** A loaded module: its exports by name. */
export type ModuleExports = Readonly<Record<string, unknown>>;

/** A module, or a function that loads it (what `import.meta.glob` gives without `eager`). */
export type ModuleSource = object | (() => Promise<unknown>);

/**
 * Modules by path relative to the functions directory: `import.meta.glob("./**\/*.ts")` keys
 * (`"./admin/users.ts"`) or already-normalised module paths (`"admin/users"`).
 */
export type ModuleRecord = Readonly<Record<string, ModuleSource>>;

/** One registered function, as the router and runtime find it. */
export interface RegistryEntry {
  /** `"admin/users:list"`. */
  readonly name: string;
  /** `"admin/users"`. */
  readonly modulePath: string;
  /** `"list"`. */
  readonly exportName: string;
  readonly kind: FunctionType;
  readonly visibility: FunctionVisibility;
  readonly fn: AnyRegisteredFunction;
}

/**
 * Every function of an app by name. Immutable: the dev loop builds a new one and swaps it.
 *
 * @example
 * const registry = await createRegistry(import.meta.glob("./convoy/**\/*.ts"));
 * registry.get("messages:list")?.kind; // "query"
 */
export interface FunctionRegistry {
  /** The entry named `name` (`"messages"` means `"messages:default"`), or `undefined`. */
  get(name: string): RegistryEntry | undefined;
  /** Every entry, sorted by name. */
  entries(): readonly RegistryEntry[];
  /** How many functions there are. */
  readonly size: number;
}

/**
 * Build a registry from modules that are already loaded. Throws if a module is a lazy loader
 * (use {@link createRegistry} for those).
 *
 * @example
 * import * as messages from "./convoy/messages.js";
 * const registry = createRegistrySync({ messages });
 */
export function createRegistrySync(modules: Readonly<Record<string, object>>): FunctionRegistry {
  if (typeof modules !== "object" || modules === null) throw new FrameworkError("INTERNAL", "createRegistry(modules) needs an object of modules");
  const prefix = moduleKeyPrefix(Object.keys(modules));
  const byName = new Map<string, RegistryEntry>();
  for (const [key, moduleExports] of Object.entries(modules)) {
    const modulePath = modulePathFromKey(key, prefix);
    if (modulePath === null) continue;
    if (typeof moduleExports === "function") {
      throw new FrameworkError("INTERNAL", `module "${key}" is a loader function: use await createRegistry(modules) for lazy modules`);
    }
    if (typeof moduleExports !== "object" || moduleExports === null) continue;
    for (const [exportName, value] of Object.entries(moduleExports)) {
      if (!isRegisteredFunction(value)) continue;
      const name = `${modulePath}:${exportName}`;
      if (byName.has(name)) throw new FrameworkError("INTERNAL", `two modules define the function "${name}"`);
      byName.set(name, Object.freeze({ name, modulePath, exportName, kind: value.type, visibility: value.visibility, fn: value }));
    }
  }
  const sorted = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Object.freeze({
    get(name: string): RegistryEntry | undefined {
      if (typeof name !== "string" || name === "") return undefined;
      return byName.get(name) ?? byName.get(normalizeFunctionName(name));
    },
    entries: () => sorted,
    size: sorted.length,
  });
}

/**
 * Build a registry from the modules of the functions directory, as `import.meta.glob` gives
 * them (eager modules or loaders; loaders are awaited). Function names are
 * `<module path without extension>:<export name>`; files and folders starting with `_` or
 * `.` and files with another dot in their name are skipped; only registered functions become
 * entries.
 *
 * @example
 * const registry = await createRegistry(import.meta.glob("./convoy/**\/*.ts"));
 * registry.get("admin/users:list"); // { name, kind: "query", visibility: "public", fn, ... }
 */
export async function createRegistry(modules: ModuleRecord): Promise<FunctionRegistry> {
  if (typeof modules !== "object" || modules === null) throw new FrameworkError("INTERNAL", "createRegistry(modules) needs an object of modules");
  const prefix = moduleKeyPrefix(Object.keys(modules));
  const loaded: Record<string, object> = {};
  await Promise.all(
    Object.entries(modules).map(async ([key, source]) => {
      const modulePath = modulePathFromKey(key, prefix);
      if (modulePath === null) return;
      const moduleExports: unknown = typeof source === "function" ? await (source as () => Promise<unknown>)() : source;
      if (typeof moduleExports !== "object" || moduleExports === null) return;
      if (Object.hasOwn(loaded, modulePath)) throw new FrameworkError("INTERNAL", `two files are the module "${modulePath}"`);
      loaded[modulePath] = moduleExports;
    }),
  );
  return createRegistrySync(loaded);
}
