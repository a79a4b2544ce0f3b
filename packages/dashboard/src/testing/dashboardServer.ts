import { rmSync } from "node:fs";
import { createStatusHandler } from "@slabridge/functions/src/status.ts";
import { LocalFunctionUrlServer } from "@slabridge/runtime";
import type { StatusWorld } from "@slabridge/status";
import { buildDashboard } from "./headlessChromium.ts";

/** The status handler serving a fresh build of the page, on loopback. */
export interface DashboardServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The deployed status handler behind the runtime's function URL stand-in (as `startLocalStatusServer` runs it), over
 * `world`, serving this checkout's page bundled into a folder of its own.
 *
 * @example const server = await startDashboardServer(await finishedRunWorld()); await page.goto(`${server.url}/`);
 */
export async function startDashboardServer(world: StatusWorld): Promise<DashboardServer> {
  const dashboardDir = buildDashboard();
  const server = new LocalFunctionUrlServer({
    name: "status",
    handler: createStatusHandler(async () => world, { dashboardDir }),
    timeoutSeconds: 30,
  });
  const url = await server.start();
  return {
    url,
    stop: async () => {
      await server.stop();
      rmSync(dashboardDir, { recursive: true, force: true });
    },
  };
}
