/**
 * Table rules (SPEC §10): `defineRules` in `convoy/rules.ts`, enforced by `ctx.db` on every
 * non-administrative call. The typed `defineRules` is generated into `_generated/server`.
 *
 * ```ts
 * const runtime = await createRuntime({ driver, schema, registry, rules });
 * await runtime.run("query", "notes:list", {}, { identity }); // only the notes the rules let identity read
 * ```
 */
export { isRulesDefinition, RulesDefinition, type AnyReadFilter, type AnyReadPredicate, type AnyRuleCtx, type AnyTableRules, type DefaultPolicy } from "./rules-definition.js";
export { RulesEngine } from "./rules-engine.js";
export { readableRows, type StoredRow } from "./readable-rows.js";
