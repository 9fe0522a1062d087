import { identityFromTestClaims, type IdentityClaims } from "../../auth/index.js";
import type { Value } from "../../values/value.js";
import type { AppHost } from "./app-host.js";

/**
 * Runs the function called `name` (internal ones too) on the host's current version; `convoy
 * run`'s core. With `identity` claims the call carries that identity (as `withIdentity` in
 * tests) and table rules apply; without, it is administrative (SPEC §7).
 */
export async function runFunctionByName(host: AppHost, name: string, args: Record<string, Value>, identity?: IdentityClaims): Promise<Value> {
  const registry = host.current().registry;
  const entry = registry.get(name);
  if (entry === undefined) throw new Error(`no function named ${JSON.stringify(name)}; known: ${registry.entries().map((e) => e.name).join(", ")}`);
  const options = identity === undefined ? { allowInternal: true, administrative: true } : { allowInternal: true, identity: identityFromTestClaims(identity) };
  const { value } = await host.run(entry.kind, entry.name, args, options);
  return value;
}

/** `--identity '<json claims>'`: a JSON object of claims, e.g. `{"subject":"user1","name":"Ada"}`. */
export function parseIdentityClaims(text: string | undefined): IdentityClaims | undefined {
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`--identity must be JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new Error('--identity must be a JSON object of claims, e.g. \'{"subject":"user1","name":"Ada"}\'');
  const claims = json as IdentityClaims;
  // checked here so a bad identity fails before anything runs
  identityFromTestClaims(claims);
  return claims;
}
