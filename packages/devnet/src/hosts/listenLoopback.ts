import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Binds `server` to 127.0.0.1 on `port` (default 0: a free one) and resolves the port; the devnet never listens beyond
 * loopback.
 *
 * @example
 * const port = await listenLoopback(createServer(handler));
 */
export async function listenLoopback(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once("error", onError);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
