/* The fixture app served by `createServer` on in-memory PGlite, for process-level tests: `overload-server.ts <maxConcurrentCalls> <maxBufferedBodyBytes>`. */
import type { AddressInfo } from "node:net";
import { createPgliteDriver } from "../../src/driver/index.js";
import { createServer } from "../../src/http/index.js";
import { createAppRuntime } from "../../src/http/fixtures/test-server.js";

const [maxConcurrentCalls = "256", maxBufferedBodyBytes = String(64 * 1024 * 1024)] = process.argv.slice(2);
const driver = await createPgliteDriver();
const server = createServer({
  runtime: await createAppRuntime(driver),
  // a generous body deadline: on a loaded machine an admitted 1 MiB body may take a while to arrive
  limits: { maxConcurrentCalls: Number(maxConcurrentCalls), maxBufferedBodyBytes: Number(maxBufferedBodyBytes), bodyTimeoutMs: 120_000 },
});
server.listen(0, "127.0.0.1", () => {
  console.log(`listening on ${(server.address() as AddressInfo).port}`);
});
