import type { Command } from "commander";
import { encodeValue } from "../../values/encoding.js";
import { runOnDevServer } from "../lib/admin-server.js";
import { AppHost } from "../lib/app-host.js";
import { resolveConfig } from "../lib/config.js";
import { runningDevServer } from "../lib/embedded-lock.js";
import { embeddedLockFile, openDatabase } from "../lib/open-database.js";
import { parseJsonArgs } from "../lib/parse-json-args.js";
import { parseIdentityClaims, runFunctionByName } from "../lib/run-function.js";

/**
 * `convoy run <name> [argsJSON]`: run any function (internal ones too) and print its result.
 * While `convoy dev` holds the embedded database, the call goes to that dev server instead.
 */
export function addRunCommand(program: Command): void {
  program
    .command("run")
    .argument("<name>", 'function name, e.g. "messages:list" or "admin/users:list"')
    .argument("[args]", "arguments as a JSON object (wire encoding)", "{}")
    .option("--db <url>", "Postgres URL (default: DATABASE_URL, else the embedded database, through a running convoy dev if there is one)")
    .option("--identity <claims>", 'run as this identity (JSON claims, e.g. \'{"subject":"user1","name":"Ada"}\'); without it the call is administrative (no table rules)')
    .description("run a query or mutation (internal ones too) and print the result as encoded JSON")
    .action(async (name: string, argsText: string, flags: { db?: string; identity?: string }) => {
      const config = await resolveConfig(process.cwd(), { db: flags.db });
      const args = parseJsonArgs(argsText);
      const identity = parseIdentityClaims(flags.identity);
      const print = (encoded: unknown) => void process.stdout.write(`${JSON.stringify(encoded, null, 2)}\n`);
      const devServer = config.databaseUrl === undefined ? runningDevServer(embeddedLockFile(config)) : undefined;
      if (devServer !== undefined) {
        print(await runOnDevServer(devServer, name, argsText, flags.identity));
        return;
      }
      const driver = await openDatabase(config);
      try {
        const host = new AppHost(config, driver, { mode: "dev" });
        await host.reload();
        print(encodeValue(await runFunctionByName(host, name, args, identity)));
      } finally {
        await driver.close();
      }
    });
}
