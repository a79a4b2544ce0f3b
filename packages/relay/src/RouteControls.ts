import {
  type Clock,
  type Cursor,
  type CursorStore,
  decodeMessage,
  type Hex,
  type Job,
  NotReadyError,
  SlabridgeError,
} from "@slabridge/core";
import { z } from "zod";

/**
 * What an operator pauses: every send on one chain, the messages of one route (source -> destination), or the sales
 * of one model (its gateways answer 503 `model_paused` before asking for payment; settlement goes on).
 */
export type PauseScope =
  | { kind: "chain"; chainId: number }
  | { kind: "route"; source: number; destination: number }
  | { kind: "model"; modelId: bigint };

/** A pause in force, as the status API shows it. JSON-safe. */
export interface PauseView {
  readonly scope: string;
  readonly reason: string;
  readonly pausedAt: string;
}

/** Bad operator input (an empty reason, an unknown scope): nothing is written. */
export class InvalidRouteControlError extends SlabridgeError {
  override readonly name = "InvalidRouteControlError" as const;
  constructor(message: string) {
    super(message, { retryable: false });
  }
}

/** Options of {@link RouteControls}. */
export interface RouteControlsOptions {
  /** Where pauses and rate windows are kept: versioned records with conditional writes (the cursor store's table). */
  records: CursorStore;
  clock: Clock;
  /** The chains and routes of the stage config, with each route's value-per-hour limit (base units) if it has one. */
  chains: readonly number[];
  routes: readonly { source: number; destination: number; maxValuePerHour?: bigint | undefined }[];
  /** The models of the deployment (the manifest's): only these can be paused. */
  models?: readonly bigint[];
  /** How soon a job held by a pause asks again (default 60 s). */
  pausePollMs?: number;
}

const HOUR_MS = 3_600_000;
const pauseRecord = z.object({ reason: z.string().min(1), pausedAt: z.number().int() });

function scopeId(scope: PauseScope): string {
  if (scope.kind === "model") return `model:${scope.modelId}`;
  return scope.kind === "chain" ? `chain:${scope.chainId}` : `route:${scope.source}-${scope.destination}`;
}

/**
 * The kill switch and rate limits on the bot's side. An operator pauses a chain (no job sends on it) or a route (no
 * message of it is delivered); a job held by a pause is parked (core's `NotReadyError`: no attempt spent) with the
 * pause's reason, which the status API shows, and goes on once the pause is lifted. Each route may have a
 * value-per-hour limit (the stage config's `maxValuePerHour`): a ReceiptBatch whose total would take the route's
 * current hour over it waits for the next hour (a batch larger than the limit passes alone in an empty hour). Each
 * job's value is counted once per hour window, however often it is retried. Records are conditional writes in the
 * cursor store (ids `control:...`), so racing workers never both spend the last of a window.
 *
 * @example
 * const controls = new RouteControls({ records: stores.cursors, clock, chains: [31337, 31338], routes });
 * await controls.pause({ kind: "route", source: 31338, destination: 31337 }, "escrow upgrade");
 * await controls.admit(job); // throws NotReadyError("route 31338->31337 is paused: escrow upgrade", retryAt)
 */
export class RouteControls {
  readonly #o: RouteControlsOptions;

  constructor(options: RouteControlsOptions) {
    this.#o = options;
  }

  /** Pauses a chain or a route with a reason (replaces an earlier reason). */
  async pause(scope: PauseScope, reason: string): Promise<void> {
    if (reason.trim() === "") throw new InvalidRouteControlError("a pause needs a reason");
    this.#known(scope);
    const id = `control:pause:${scopeId(scope)}`;
    const value = JSON.stringify({ reason: reason.trim(), pausedAt: this.#o.clock.now() });
    await this.#write(id, (current) => ({ block: 1n, blockHash: value, version: (current?.version ?? 0) + 1 }));
  }

  /** Lifts a pause (a no-op when none is in force). */
  async resume(scope: PauseScope): Promise<void> {
    this.#known(scope);
    const id = `control:pause:${scopeId(scope)}`;
    await this.#write(id, (current) => ({ block: 0n, blockHash: "resumed", version: (current?.version ?? 0) + 1 }));
  }

  /** Every pause in force, chains first. */
  async paused(): Promise<PauseView[]> {
    const scopes: PauseScope[] = [
      ...this.#o.chains.map((chainId) => ({ kind: "chain" as const, chainId })),
      ...this.#o.routes.map((r) => ({ kind: "route" as const, source: r.source, destination: r.destination })),
      ...(this.#o.models ?? []).map((modelId) => ({ kind: "model" as const, modelId })),
    ];
    const views: PauseView[] = [];
    for (const scope of scopes) {
      const pause = await this.#pause(scope);
      if (pause) views.push({ scope: scopeId(scope), ...pause, pausedAt: new Date(pause.pausedAt).toISOString() });
    }
    return views;
  }

  /**
   * The pause in force on one model's sales, or undefined (what the gateway asks before selling a call).
   *
   * @example if (await controls.modelPause(2n)) refuse();
   */
  async modelPause(modelId: bigint): Promise<{ reason: string; pausedAt: number } | undefined> {
    return this.#pause({ kind: "model", modelId });
  }

  /**
   * Lets a job send, or throws `NotReadyError` (parked, no attempt spent) naming the pause or the rate limit it
   * waits on.
   */
  async admit(job: Job): Promise<void> {
    const now = this.#o.clock.now();
    const chains = [...new Set([job.source.chainId, job.destinationChainId])];
    for (const chainId of chains) {
      const pause = await this.#pause({ kind: "chain", chainId });
      if (pause) {
        throw new NotReadyError(`chain ${chainId} is paused: ${pause.reason}`, now + (this.#o.pausePollMs ?? 60_000));
      }
    }
    if (job.kind !== "deliver-message") return;
    const route = { source: job.source.chainId, destination: job.destinationChainId };
    const pause = await this.#pause({ kind: "route", ...route });
    if (pause) {
      throw new NotReadyError(
        `route ${route.source}->${route.destination} is paused: ${pause.reason}`,
        now + (this.#o.pausePollMs ?? 60_000),
      );
    }
    const limit = this.#o.routes.find((r) => r.source === route.source && r.destination === route.destination);
    const value = messageValue(job.payload);
    if (limit?.maxValuePerHour === undefined || value === 0n) return;
    await this.#spend(job.id, route, value, limit.maxValuePerHour, now);
  }

  async #spend(
    jobId: string,
    route: { source: number; destination: number },
    value: bigint,
    limit: bigint,
    now: number,
  ): Promise<void> {
    const window = Math.floor(now / HOUR_MS);
    const counted = await this.#o.records.get(`control:rate-job:${jobId}`);
    if (counted?.block === BigInt(window)) return; // this job's value is in this hour already (a retry)
    const id = `control:rate:${route.source}-${route.destination}:${window}`;
    for (let attempt = 0; attempt < 8; attempt++) {
      const current = await this.#o.records.get(id);
      const used = current?.block ?? 0n;
      if (used > 0n && used + value > limit) {
        const next = (window + 1) * HOUR_MS;
        throw new NotReadyError(
          `route ${route.source}->${route.destination} is at its limit of ${limit} per hour (${used} sent this hour); waits until ${new Date(next).toISOString()}`,
          next,
        );
      }
      const moved = await this.#o.records.advance(
        { id, block: used + value, blockHash: "rate-window", version: (current?.version ?? 0) + 1 },
        current?.version,
      );
      if (!moved) continue; // another worker spent from the window first: read it again
      const mark = await this.#o.records.get(`control:rate-job:${jobId}`);
      await this.#o.records.advance(
        {
          id: `control:rate-job:${jobId}`,
          block: BigInt(window),
          blockHash: "rate-counted",
          version: (mark?.version ?? 0) + 1,
        },
        mark?.version,
      );
      return;
    }
    throw new NotReadyError(`route ${route.source}->${route.destination}: its rate window is contended`, now + 1_000);
  }

  async #pause(scope: PauseScope): Promise<{ reason: string; pausedAt: number } | undefined> {
    const record = await this.#o.records.get(`control:pause:${scopeId(scope)}`);
    if (!record || record.block === 0n) return undefined;
    const parsed = pauseRecord.safeParse(JSON.parse(record.blockHash));
    // A record that does not parse still pauses: fail closed, say so.
    return parsed.success ? parsed.data : { reason: "unreadable pause record", pausedAt: 0 };
  }

  async #write(id: string, next: (current: Cursor | undefined) => Omit<Cursor, "id">): Promise<void> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const current = await this.#o.records.get(id);
      if (await this.#o.records.advance({ id, ...next(current) }, current?.version)) return;
    }
    throw new SlabridgeError(`could not write ${id}: it keeps changing`, { retryable: true });
  }

  #known(scope: PauseScope): void {
    const known =
      scope.kind === "model"
        ? (this.#o.models ?? []).includes(scope.modelId)
        : scope.kind === "chain"
          ? this.#o.chains.includes(scope.chainId)
          : this.#o.routes.some((r) => r.source === scope.source && r.destination === scope.destination);
    if (!known) {
      const where = scope.kind === "model" ? "a model of the deployment" : "in the stage config";
      throw new InvalidRouteControlError(`${scopeId(scope)} is not ${where}`);
    }
  }
}

/** The value a message moves: a ReceiptBatch's total; other kinds (and undecodable payloads) count 0. */
function messageValue(payload: Hex): bigint {
  try {
    const message = decodeMessage(payload);
    return message.kind === "ReceiptBatch" ? message.total : 0n;
  } catch {
    return 0n;
  }
}
