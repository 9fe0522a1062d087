import type { Command } from "commander";
import { encodeValue } from "../../values/encoding.js";
import { AppHost } from "../lib/app-host.js";
import { resolveConfig } from "../lib/config.js";
import { openDatabase } from "../lib/open-database.js";
import { parseJsonArgs } from "../lib/parse-json-args.js";

/** `convoy run <name> [argsJSON]`: run any function (internal ones too) and print its result. */
export function addRunCommand(program: Command): void {
  program
    .command("run")
    .argument("<name>", 'function name, e.g. "messages:list" or "admin/users:list"')
    .argument("[args]", "arguments as a JSON object (wire encoding)", "{}")
    .option("--db <url>", "Postgres URL (default: DATABASE_URL, else the embedded database)")
    .description("run a query or mutation (internal ones too) and print the result as encoded JSON")
    .action(async (name: string, argsText: string, flags: { db?: string }) => {
      const config = await resolveConfig(process.cwd(), { db: flags.db });
      const args = parseJsonArgs(argsText);
      const driver = await openDatabase(config);
      try {
        const host = new AppHost(config, driver, { mode: "dev" });
        const app = await host.reload();
        const entry = app.registry.get(name);
        if (entry === undefined) throw new Error(`no function named ${JSON.stringify(name)}; known: ${app.registry.entries().map((e) => e.name).join(", ")}`);
        const { value } = await host.run(entry.kind, entry.name, args, { allowInternal: true });
        process.stdout.write(`${JSON.stringify(encodeValue(value), null, 2)}\n`);
      } finally {
        await driver.close();
      }
    });
}
