import { setFlagsFromString } from "node:v8";

/**
 * V8 settings of the CLI's process (imported first by main.ts, so they apply before the app
 * loads). Allocation-site pretenuring is off: V8 marks object-literal sites "tenured" while the
 * process starts (the schema check, the bundle, the first calls), then allocates their objects
 * straight into the old generation for good, where they keep every young object of a request
 * they point to alive through each scavenge; each request's objects were then promoted and only
 * freed by full collections (measured in docs/performance.md). An app that embeds the server
 * in its own process can pass `--no-allocation-site-pretenuring` in `NODE_OPTIONS`.
 */
setFlagsFromString("--no-allocation-site-pretenuring");
