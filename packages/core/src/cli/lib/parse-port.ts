import { InvalidArgumentError } from "commander";

/** Parses `--port`: an integer from 0 to 65535 (0 picks a free port). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`"${value}" is not a port number`);
  return port;
}
