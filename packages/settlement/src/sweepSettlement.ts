import {
  type ChainAdapter,
  type Clock,
  type DeploymentManifest,
  type Job,
  type JobIntake,
  type JobSource,
  type PayoutPublisher,
  type SettlementState,
  type SettlementTarget,
  SlabridgeError,
} from "@slabridge/core";

/**
 * A settlement target names a chain the world has no adapter for (a wiring bug). Never retryable.
 *
 * @example
 * throw new SweepChainMissingError(31337); // "no chain adapter for settlement target chain 31337"
 */
export class SweepChainMissingError extends SlabridgeError {
  override readonly name = "SweepChainMissingError" as const;
  constructor(chainId: number) {
    super(`no chain adapter for settlement target chain ${chainId}`, { retryable: false });
  }
}

/**
 * A sweep pass could not check some (chain, model, epoch)s (their reads failed; the rest of the pass was kept).
 * Retryable: the schedule runs the sweep again.
 *
 * @example
 * if (result.failures.length > 0) throw new SettlementSweepIncompleteError(result);
 */
export class SettlementSweepIncompleteError extends SlabridgeError {
  override readonly name = "SettlementSweepIncompleteError" as const;
  constructor(result: Pick<SettlementSweepResult, "kind" | "failures">) {
    super(`${result.kind} sweep could not check ${result.failures.length} epoch(s); see the log`, { retryable: true });
  }
}

/** Which half of settling a sweep looks after: the refunds, or the release and payouts. */
export type SettlementSweepKind = "refund" | "settle";

/** How many ended epochs back a sweep looks when the stage config has no `probing.lookbackEpochs`. */
export const DEFAULT_SWEEP_LOOKBACK_EPOCHS = 10;

/** A confirmed job is re-armed only once it has been confirmed this long (5 min, the stuck-job sweep's age). */
export const DEFAULT_REARM_CONFIRMED_AFTER_MS = 300_000;

/** What a sweep runs on (the relay world fits it; tests pass fakes of the targets and the engine). */
export interface SettlementSweepWorld {
  /** The models whose ended epochs are swept. */
  manifest: Pick<DeploymentManifest, "models">;
  /** The stage config's `probing.lookbackEpochs`: how many ended epochs back the sweep looks. */
  config: { readonly probing?: { readonly lookbackEpochs: number } | undefined };
  clock: Clock;
  /** The settlement target per payment chain: where settling stands. */
  settlementTargets: ReadonlyMap<number, SettlementTarget>;
  /** Puts an existing job's id on the relay queue again. */
  enqueue(jobId: string): Promise<void>;
  /**
   * The relay engine: creates a missing job (and queues it), and gives a finished one (dead-lettered, or confirmed
   * while the chain shows its work undone) a fresh set of attempts (and queues it): `RelayEngine.rearm`.
   */
  engine: JobIntake & {
    rearm(jobId: string, options: { confirmedBefore: number }): Promise<"re-armed" | "busy" | "recent">;
  };
  /**
   * How long a confirmed job is left alone before the chain's word that its work is undone re-arms it (a read right
   * after it confirmed may not see its last transactions yet). Default {@link DEFAULT_REARM_CONFIRMED_AFTER_MS}.
   */
  rearmConfirmedAfterMs?: number | undefined;
  /**
   * The home chain's payout publisher: a released epoch is unfinished while a payout index towards its chain is
   * neither paid nor published. Absent: released epochs are finished.
   */
  payouts?: PayoutPublisher | undefined;
  /** Each chain's adapter: the sweep creates missing jobs with the shape its watcher gives them. */
  chains: ReadonlyMap<number, Pick<ChainAdapter, "settlementJobs">>;
}

/** One (chain, model, epoch) the sweep found unfinished, and what it did about it. JSON-safe. */
export interface SweptJob {
  readonly chainId: number;
  readonly modelId: string;
  readonly epoch: string;
  readonly jobId: string;
  /**
   * `created`: the watcher had missed it, the sweep created and queued it; `queued`: it existed, queued again;
   * `re-armed`: it had been dead-lettered, or confirmed while the chain shows its work undone (a reorg dropped its
   * refunds, release or publishes), the sweep gave it a fresh set of attempts and queued it.
   */
  readonly action: "created" | "queued" | "re-armed";
}

/** A (chain, model, epoch) the sweep could not check or act on (the rest of the pass went on). JSON-safe. */
export interface SweepFailure {
  readonly chainId: number;
  readonly modelId: string;
  readonly epoch: string;
  readonly error: string;
}

/** What one sweep pass did. JSON-safe (a Lambda result). */
export interface SettlementSweepResult {
  readonly kind: SettlementSweepKind;
  /** (chain, model, epoch)s whose settlement state was read. */
  readonly checked: number;
  readonly jobs: readonly SweptJob[];
  readonly failures: readonly SweepFailure[];
}

/**
 * The safety net under the watchers: for every model of the manifest and each of its last ended epochs (at most
 * `probing.lookbackEpochs`, else {@link DEFAULT_SWEEP_LOOKBACK_EPOCHS}), on every payment chain with a settlement
 * target, reads where settling stands and, when the verdict is applied but the refunds are not done (`refund`) or
 * the remainder is not released or a payout towards the chain is neither paid nor published (`settle`, asking
 * `payouts`), makes sure the (chain, model, epoch)'s job exists, with the same
 * deterministic id and shape the watcher gives it (the chain adapter's `settlementJobs`), and is on
 * the relay queue: a missing job is created (and queued by `engine.ingest`), a dead-lettered or confirmed one gets a
 * fresh set of attempts (`engine.rearm`, one conditional write, so two passes re-arm it once; a job confirmed less than
 * `rearmConfirmedAfterMs` ago is left alone, as a read may not see its last transactions yet), any other is queued
 * again (processing is idempotent: a spare message costs one read). Nothing is ever created twice. A read that fails is
 * recorded in `failures` and the pass goes on.
 *
 * @example
 * const result = await sweepSettlement(relayWorld, "refund");
 * // { kind: "refund", checked: 60, jobs: [{ chainId: 31337, modelId: "2", epoch: "41", jobId, action: "created" }], failures: [] }
 */
export async function sweepSettlement(
  world: SettlementSweepWorld,
  kind: SettlementSweepKind,
): Promise<SettlementSweepResult> {
  const nowMs = world.clock.now();
  const lookback = BigInt(world.config.probing?.lookbackEpochs ?? DEFAULT_SWEEP_LOOKBACK_EPOCHS);
  const perChain = await Promise.all(
    [...world.settlementTargets.values()].map(async (target) => {
      let checked = 0;
      const jobs: SweptJob[] = [];
      const failures: SweepFailure[] = [];
      for (const model of world.manifest.models) {
        const modelId = BigInt(model.modelId);
        for (const epoch of endedEpochs(model, nowMs, lookback)) {
          const at = { chainId: target.chainId, modelId: `${modelId}`, epoch: `${epoch}` };
          try {
            const state = await target.state(modelId, epoch);
            checked++;
            if (!(await due(world, kind, target.chainId, modelId, epoch, state))) continue;
            const job = sweepJob(world, kind, target.chainId, modelId, epoch);
            if ((await world.engine.ingest(job)) === "created") {
              jobs.push({ ...at, jobId: job.id, action: "created" });
            } else {
              // It ended (attempts ran out, or confirmed and then a reorg dropped its work) with the epoch unfinished.
              const confirmedBefore = nowMs - (world.rearmConfirmedAfterMs ?? DEFAULT_REARM_CONFIRMED_AFTER_MS);
              const rearmed = await world.engine.rearm(job.id, { confirmedBefore });
              if (rearmed === "recent") continue; // just confirmed: its last transactions may not be visible yet
              if (rearmed === "re-armed") {
                jobs.push({ ...at, jobId: job.id, action: "re-armed" });
                continue;
              }
              await world.enqueue(job.id);
              jobs.push({ ...at, jobId: job.id, action: "queued" });
            }
          } catch (error) {
            failures.push({ ...at, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
          }
        }
      }
      return { checked, jobs, failures };
    }),
  );
  return {
    kind,
    checked: perChain.reduce((sum, chain) => sum + chain.checked, 0),
    jobs: perChain.flatMap((chain) => chain.jobs),
    failures: perChain.flatMap((chain) => chain.failures),
  };
}

/**
 * Whether a (chain, model, epoch) in `state` needs a `kind` job: refunds not done; or not released, or released with
 * a payout towards the chain neither paid nor published (only the settle job publishes them).
 */
async function due(
  world: Pick<SettlementSweepWorld, "payouts">,
  kind: SettlementSweepKind,
  chainId: number,
  modelId: bigint,
  epoch: bigint,
  state: SettlementState,
): Promise<boolean> {
  if (!state.verdictApplied) return false;
  if (kind === "refund") return !state.refundsDone || state.topUpsDone === false;
  if (!state.released) return true;
  if (state.nothingToRelease) return false; // its payouts would move 0: the settle job publishes none
  const payouts = world.payouts;
  if (!payouts?.servesChain(chainId)) return false;
  const count = await payouts.payoutCount(modelId, epoch);
  for (let index = 0; index < count; index++) {
    if ((await payouts.status(chainId, modelId, epoch, index)) === "open") return true;
  }
  return false;
}

/** The ended epochs of a model at `nowMs`, newest last: at most `lookback`, none before genesis. */
function endedEpochs(model: { genesis: number; epochSeconds: number }, nowMs: number, lookback: bigint): bigint[] {
  const nowSeconds = BigInt(Math.floor(nowMs / 1_000));
  const genesis = BigInt(model.genesis);
  if (nowSeconds < genesis) return [];
  const current = (nowSeconds - genesis) / BigInt(model.epochSeconds);
  const first = current > lookback ? current - lookback : 0n;
  const epochs: bigint[] = [];
  for (let epoch = first; epoch < current; epoch++) epochs.push(epoch);
  return epochs;
}

/** The job the watcher would have created, with the sweep as its source. */
function sweepJob(
  world: SettlementSweepWorld,
  kind: SettlementSweepKind,
  chainId: number,
  modelId: bigint,
  epoch: bigint,
): Job {
  const source: JobSource = {
    chainId,
    transaction: `settlement-sweep:${modelId}:${epoch}`,
    block: 0n,
    blockHash: "settlement-sweep",
    index: 0,
  };
  const chain = world.chains.get(chainId);
  if (!chain) throw new SweepChainMissingError(chainId);
  const jobs = chain.settlementJobs({ modelId, epoch, source });
  return kind === "refund" ? jobs.refund : jobs.settle;
}
