import { styleText } from "node:util";

type Style = Parameters<typeof styleText>[0];

/** Colours only when the stream is a TTY (and `NO_COLOR` is not set). */
function paint(stream: NodeJS.WriteStream, style: Style, text: string): string {
  return stream.isTTY && process.env.NO_COLOR === undefined ? styleText(style, text) : text;
}

/** The CLI's one way of printing: info to stdout, problems to stderr. */
export const logger = {
  info(message: string): void {
    process.stdout.write(`${message}\n`);
  },
  success(message: string): void {
    process.stdout.write(`${paint(process.stdout, "green", "✔")} ${message}\n`);
  },
  warn(message: string): void {
    process.stderr.write(`${paint(process.stderr, "yellow", "warning")} ${message}\n`);
  },
  error(message: string): void {
    process.stderr.write(`${paint(process.stderr, "red", "error")} ${message}\n`);
  },
  /** A problem report that names its own severity (e.g. TypeScript's `file:line:col - error TS…`), to stderr as is. */
  report(message: string): void {
    process.stderr.write(`${message}\n`);
  },
  dim(text: string): string {
    return paint(process.stdout, "dim", text);
  },
  bold(text: string): string {
    return paint(process.stdout, "bold", text);
  },
  color(style: Style, text: string): string {
    return paint(process.stdout, style, text);
  },
};
