import { setFlagsFromString } from "node:v8";

/**
 * V8 settings of the CLI's process (imported first by main.ts, so they apply before the app
 * loads). Allocation-site pretenuring is off: after a burst in which all the objects of a site
 * survived (the startup's statements), V8 marks the site "tenured" for good (`pg`'s result
 * arrays among them), allocates its objects in the old generation, and there they keep the
 * young objects they point to (every request's rows) alive through each scavenge: every request
 * was promoted and freed only by full collections (docs/performance.md, session 7). An app
 * that embeds the server in its own process sets `--no-allocation-site-pretenuring` in
 * `NODE_OPTIONS` (docs/http.md).
 */
setFlagsFromString("--no-allocation-site-pretenuring");
