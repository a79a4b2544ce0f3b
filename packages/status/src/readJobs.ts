import type { JobStatus } from "@slabridge/core";
import type { StatusWorld } from "./StatusWorld.ts";
import { type JobView, toJobView } from "./toJobView.ts";

/** Every job state. */
export const JOB_STATUSES = [
  "observed",
  "finalized",
  "submitted",
  "confirmed",
  "failed",
  "dead-lettered",
] as const satisfies readonly JobStatus[];

/** The states of work not done: in flight, failed awaiting a retry, and dead-lettered. */
export const UNFINISHED_STATUSES = [
  "observed",
  "finalized",
  "submitted",
  "failed",
  "dead-lettered",
] as const satisfies readonly JobStatus[];

/** `GET /jobs` body. */
export interface JobsResponse {
  readonly statuses: readonly JobStatus[];
  /** Jobs per state listed (at most `limit` each). */
  readonly counts: Readonly<Partial<Record<JobStatus, number>>>;
  /** Oldest update first within each state, states in the order asked. */
  readonly jobs: readonly JobView[];
}

/**
 * Jobs in the given states from the job store's by-status index (default: every unfinished state), up to `limit`
 * per state.
 *
 * @example const { jobs } = await readJobs(world, ["dead-lettered"], 100);
 */
export async function readJobs(
  world: StatusWorld,
  statuses: readonly JobStatus[] = UNFINISHED_STATUSES,
  limit = 100,
): Promise<JobsResponse> {
  const lists = await Promise.all(statuses.map((status) => world.stores.jobs.listByStatus(status, { limit })));
  const counts: Partial<Record<JobStatus, number>> = {};
  statuses.forEach((status, index) => {
    counts[status] = lists[index]?.length ?? 0;
  });
  return { statuses, counts, jobs: lists.flat().map(toJobView) };
}
