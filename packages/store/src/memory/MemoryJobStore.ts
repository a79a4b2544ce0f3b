import type { Clock, CreateJobResult, Job, JobStatus, JobStore } from "@slabridge/core";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { type JobItem, jobItem } from "../items/jobItem.ts";
import { checkJobTransition } from "../rules/checkJobTransition.ts";
import { checkListLimit } from "../rules/checkListLimit.ts";
import { matchesTransitionCondition } from "../rules/matchesTransitionCondition.ts";
import { systemClock } from "../systemClock.ts";

const TABLE = "Jobs";

/**
 * In-memory {@link JobStore} with the DynamoDB store's semantics: same item encoding, same conditions, same errors.
 * For unit tests and the local runtime; state lives as long as the instance.
 *
 * @example const jobs = new MemoryJobStore(); await jobs.create(job); // "created"
 */
export class MemoryJobStore implements JobStore {
  readonly #items = new Map<string, JobItem>();
  readonly #clock: Clock;

  constructor(config: { clock?: Clock } = {}) {
    this.#clock = config.clock ?? systemClock;
  }

  async create(job: Job): Promise<CreateJobResult> {
    const item = jobItem.encode(job);
    if (this.#items.has(job.id)) return "exists";
    this.#items.set(job.id, { ...item, storedAt: this.#clock.now() });
    return "created";
  }

  async get(id: string): Promise<Job | undefined> {
    const item = this.#items.get(id);
    return item === undefined ? undefined : jobItem.decode(TABLE, structuredClone(item));
  }

  async transition(expected: Pick<Job, "id" | "status" | "version">, next: Job): Promise<boolean> {
    checkJobTransition(expected, next);
    const item = jobItem.encode(next);
    const stored = this.#items.get(expected.id);
    if (stored === undefined) return false;
    if (!matchesTransitionCondition(stored, expected, item)) {
      // Same classification as DynamoDB after a failed condition: a kind/source change is the caller's bug.
      const current = jobItem.decode(TABLE, structuredClone(stored));
      if (current.status === expected.status && current.version === expected.version) {
        throw new InvalidStoreInputError(`job ${expected.id}: a transition may not change the job's kind or source`);
      }
      return false;
    }
    this.#items.set(expected.id, { ...item, storedAt: this.#clock.now() });
    return true;
  }

  async listByStatus(status: JobStatus, options: { limit?: number; updatedBefore?: number } = {}): Promise<Job[]> {
    checkListLimit(options.limit);
    const { updatedBefore } = options;
    const matching = [...this.#items.values()]
      .filter((item): item is JobItem & { updatedAt: number } => {
        // Like the byStatus GSI: only items with a string status and a number updatedAt are indexed.
        if (item.status !== status || typeof item.updatedAt !== "number") return false;
        return updatedBefore === undefined || item.updatedAt < updatedBefore;
      })
      .sort((a, b) => a.updatedAt - b.updatedAt);
    const page = options.limit === undefined ? matching : matching.slice(0, options.limit);
    return page.map((item) => jobItem.decode(TABLE, structuredClone(item)));
  }

  /**
   * Test hook: stores `item` as-is under its `jobId`, bypassing encoding, as another writer or a bad migration might.
   *
   * @example jobs.putRawItem({ jobId: "x", status: "observed", version: "one" });
   */
  putRawItem(item: Record<string, unknown>): void {
    this.#items.set(String(item.jobId), structuredClone(item));
  }
}
