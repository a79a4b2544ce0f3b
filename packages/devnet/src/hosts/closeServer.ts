import type { Server } from "node:http";

/**
 * Closes `server` and drops its idle keep-alive sockets so the port is free when the promise resolves.
 *
 * @example
 * await closeServer(server);
 */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  // Keep-alive sockets from test clients would otherwise hold close() open until they time out.
  server.closeAllConnections();
  await closed;
}
