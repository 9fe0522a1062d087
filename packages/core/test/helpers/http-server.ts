import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Listen on 127.0.0.1 (a free port unless `port` is given) and resolve with the port. */
export async function listenLocal(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Stop listening and drop every connection (keep-alive and WebSocket ones included). */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
