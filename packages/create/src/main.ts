import { parseArgs } from "node:util";
import { createApp } from "./create-app.js";

const USAGE = `Usage: create-convoy <dir> [--core <spec>]

Creates a Convoy app in <dir>: installs @convoy/core there and runs its \`convoy init\`
(package.json, tsconfig.json, convoy/ with a schema, functions and a test), then installs
the rest.

  --core <spec>  the @convoy/core to install: a version range (default: this starter's
                 version) or a path to a packed tarball, e.g. ./convoy-core-0.1.0.tgz
`;

/** Exit codes as the `convoy` CLI's: 0 success, 1 failure, 2 usage error. */
try {
  const { values, positionals } = parseArgs({ options: { core: { type: "string" }, help: { type: "boolean", short: "h" } }, allowPositionals: true });
  if (values.help === true) {
    process.stdout.write(USAGE);
  } else if (positionals.length !== 1) {
    process.stderr.write(USAGE);
    process.exitCode = 2;
  } else {
    await createApp({ dir: positionals[0] as string, ...(values.core === undefined ? {} : { core: values.core }) });
  }
} catch (error) {
  const usage = (error as { code?: unknown }).code;
  process.stderr.write(`error ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = typeof usage === "string" && usage.startsWith("ERR_PARSE_ARGS") ? 2 : 1;
}
