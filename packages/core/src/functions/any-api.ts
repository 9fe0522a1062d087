import { FrameworkError } from "../errors/framework-error.js";
import { functionNameSymbol, type AnyFunctionReference } from "./function-reference.js";

/**
 * The untyped API: any property path is a function reference. `api.js` and `internal.js`
 * in `_generated/` are this object; their `.d.ts` give it types.
 */
export interface AnyApi {
  readonly [moduleOrFunction: string]: AnyApi & AnyFunctionReference;
}

/** The name a property path refers to: every part but the last is the module path. */
function nameOfPath(parts: readonly string[]): string {
  if (parts.length < 2) {
    throw new FrameworkError(
      "INTERNAL",
      `a function reference needs a module and a function name, like api.messages.list; got api.${parts.join(".")}`,
    );
  }
  return `${parts.slice(0, -1).join("/")}:${parts[parts.length - 1]!}`;
}

function createApi(parts: readonly string[]): AnyApi {
  return new Proxy(
    {},
    {
      get(_target, property) {
        if (typeof property === "string") return createApi([...parts, property]);
        if (property === functionNameSymbol) return nameOfPath(parts);
        if (property === Symbol.toStringTag) return "FunctionReference";
        return undefined;
      },
    },
  );
}

/**
 * A reference to any function, by property path: `anyApi.messages.list` names
 * `messages:list`, `anyApi.admin.users.list` names `admin/users:list` (the last part is the
 * export, the parts before it the module path).
 *
 * @example
 * getFunctionName(anyApi.admin.users.list); // "admin/users:list"
 * await t.query(anyApi.messages.list, {});
 */
export const anyApi: AnyApi = createApi([]);
