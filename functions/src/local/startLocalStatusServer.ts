import { LocalFunctionUrlServer } from "@slabridge/runtime";
import type { StatusWorld } from "@slabridge/status";
import { createStatusHandler } from "../status.ts";

/** A running local status API. */
export interface LocalStatusServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Serves the status API locally: the deployed handler (`functions/src/status.ts`) behind the runtime's function URL
 * stand-in on 127.0.0.1, over a world built in process (devnet manifest, devnet DynamoDB stores).
 *
 * @example
 * const status = await startLocalStatusServer({ world: buildStatusWorld({ manifest, config, stores, rpcUrls }), port: 8787 });
 * console.log(`status API: ${status.url}/models`);
 */
export async function startLocalStatusServer(options: {
  world: StatusWorld;
  port?: number;
}): Promise<LocalStatusServer> {
  const server = new LocalFunctionUrlServer({
    name: "status",
    handler: createStatusHandler(async () => options.world),
    timeoutSeconds: 30,
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  const url = await server.start();
  return { url, stop: () => server.stop() };
}
