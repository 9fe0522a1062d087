// The `convoy dev` type-checker's process (forked by `typecheck.ts`): TypeScript's incremental
// watch program over the functions directory, with the project's own `typescript`. After each
// check it sends the parent the errors, formatted `file:line:col - error TSnnnn: message`.
import { createRequire } from "node:module";
import { relative } from "node:path";
import type * as TypeScript from "typescript";

const [typescriptPath, configPath, projectDir] = process.argv.slice(2) as [string, string, string];
const ts = createRequire(import.meta.url)(typescriptPath) as typeof TypeScript;

/** What the parent receives after each check. */
export interface TypecheckMessage {
  errors: string[];
}

let errors: string[] = [];

function format(diagnostic: TypeScript.Diagnostic): string {
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
  const code = `error TS${diagnostic.code}`;
  if (diagnostic.file === undefined || diagnostic.start === undefined) return `${code}: ${text}`;
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return `${relative(projectDir, diagnostic.file.fileName)}:${line + 1}:${character + 1} - ${code}: ${text}`;
}

const host = ts.createWatchCompilerHost(
  configPath,
  { noEmit: true },
  ts.sys,
  ts.createSemanticDiagnosticsBuilderProgram,
  (diagnostic) => {
    if (diagnostic.category === ts.DiagnosticCategory.Error) errors.push(format(diagnostic));
  },
  (_status, _newLine, _options, errorCount) => {
    // TypeScript passes the error count only with its "Found N errors" status, at the end of each check
    if (errorCount === undefined) return;
    process.send?.({ errors } satisfies TypecheckMessage);
    errors = [];
  },
);
ts.createWatchProgram(host);
// the parent went away (even without a signal): stop watching
process.on("disconnect", () => process.exit(0));
