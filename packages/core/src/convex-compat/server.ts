/**
 * What `convex/server` means inside a Convoy app's functions directory (the bundler resolves
 * it here): Convoy's `@convoy/core/server`, plus Convex's builders Convoy cannot run yet, which
 * define nothing instead of failing the module (docs/convex.md).
 */
export * from "../server/index.js";
import { unsupportedBuilder } from "./unsupported-function.js";

/** Not supported yet: actions. */
export const actionGeneric = unsupportedBuilder("action");
/** Not supported yet: actions. */
export const internalActionGeneric = unsupportedBuilder("internalAction");
/** Not supported yet: HTTP actions (`http.ts`). */
export const httpActionGeneric = unsupportedBuilder("httpAction");
