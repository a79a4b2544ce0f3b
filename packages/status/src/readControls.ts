import type { StatusWorld } from "./StatusWorld.ts";
import { type JobView, toJobView } from "./toJobView.ts";

/** A pause in force: its scope (`chain:31337`, `route:31337-31338`), the operator's reason and since when. */
export interface PauseStatusView {
  readonly scope: string;
  readonly reason: string;
  readonly pausedAt: string;
}

/** `GET /controls` body. */
export interface ControlsView {
  /** Pauses in force (the kill switch), chains first. */
  readonly paused: readonly PauseStatusView[];
  /** Jobs the relay holds for a pause or a route's value-per-hour limit, with the reason and when they ask again. */
  readonly held: readonly JobView[];
}

/** What the relay engine writes as the reason of a job a pause or a rate limit holds. */
const HELD = /^not ready: (chain \d+ is paused|route \d+->\d+ (is paused|is at its limit))/;

/**
 * The kill switch and rate limits as the status API shows them: the pauses in force (from the world's `controls`;
 * none without) and the jobs they hold (failed-and-parked jobs whose reason names a pause or a limit, up to `limit`).
 *
 * @example const { paused, held } = await readControls(world); // paused: [{ scope: "route:31337-31338", reason, pausedAt }]
 */
export async function readControls(world: StatusWorld, limit = 100): Promise<ControlsView> {
  const paused = (await world.controls?.paused()) ?? [];
  const failed = await world.stores.jobs.listByStatus("failed", { limit });
  const held = failed.filter((job) => job.status === "failed" && HELD.test(job.reason)).map(toJobView);
  return { paused, held };
}
