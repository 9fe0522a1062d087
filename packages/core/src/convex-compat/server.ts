/**
 * What `convex/server` means inside a Convoy app's functions directory (the bundler resolves
 * it here): Convoy's `@convoy/core/server`, whose builders carry Convex's names
 * (`queryGeneric`, `actionGeneric`, `httpActionGeneric`, `cronJobs`, `httpRouter`, …).
 */
export * from "../server/index.js";
