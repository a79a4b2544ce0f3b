import {
  type ChainNettingStatus,
  type CursorStore,
  mapConcurrently,
  type NetPayment,
  type NettingPayResult,
  SlabridgeError,
} from "@slabridge/core";
import { NettingCursorVanishedError, NettingPayoutMissingError } from "./errors.ts";
import type { NettingRecord } from "./runNettingRound.ts";

/** What {@link netDueRounds} needs from the chains (see `buildNettingWorld` for the real one; fakes in unit tests). */
export interface NettingChains {
  /** The EVM chains whose netting vault takes part in rounds (their `fromBlock`s are recorded). */
  readonly vaultChains: readonly number[];
  /** The latest epoch of the model on any payment chain (epochs before it are candidates). */
  currentEpoch(modelId: bigint): Promise<bigint>;
  /** Every payment chain's status for the (model, epoch). */
  status(modelId: bigint, epoch: bigint): Promise<ChainNettingStatus[]>;
  /** The chain's latest block number. */
  blockNumber(chainId: number): Promise<bigint>;
  /** Reads the round from the chains and runs it (`runNettingRound`: idempotent by chain state). */
  run(round: {
    roundId: string;
    modelId: bigint;
    epoch: bigint;
    fromBlocks: ReadonlyMap<number, bigint>;
  }): Promise<NettingRecord>;
  /**
   * Pays a netted round's Solana payouts out of the Solana vault (core's `NettingPayer`, e.g. the Solana vault's
   * payer: idempotent by the vault's net memos). Absent when the deployment has no Solana settlement target: the payouts then stay owed.
   */
  paySolana?(round: {
    roundId: string;
    modelId: bigint;
    epoch: bigint;
    solanaPayouts: NetRoundOutcome["solanaPayouts"];
  }): Promise<NettingPayResult>;
}

/** Input of {@link netDueRounds}. */
export interface NetDueRoundsInput {
  models: readonly bigint[];
  /** How many epochs before the current one are looked at. */
  lookbackEpochs: number;
  chains: NettingChains;
  cursors: CursorStore;
  /** Rounds run at once (default {@link DEFAULT_NETTING_CONCURRENCY}): due rounds of a pass do not wait on each other. */
  concurrency?: number;
}

/** A recorded round outcome, JSON-safe (amounts as decimal strings). */
export interface NetRoundOutcome {
  roundId: string;
  modelId: string;
  epoch: string;
  status: "netted" | "invalid";
  /** EVM -> EVM net transfers sent over the OFT. */
  bridged: { from: number; to: number; amount: string; guid: string; sourceTransaction: string }[];
  /** What each EVM vault paid each payee. */
  paid: { chain: number; account: string; amount: string; transactionHash: string }[];
  /** Inter-vault balances with Solana left open (rebalanced over Wormhole Token Bridge/NTT in production). */
  openBalances: { from: number; to: number; amount: string }[];
  /** Payouts the Solana vault owes Solana payees (its multisig pays them). */
  solanaPayouts: { chain: number; account: string; amount: string }[];
  /**
   * What the Solana vault paid the Solana payees of `solanaPayouts` (their `net` memos; one entry per payee with a
   * non-zero amount, in `solanaPayouts` order), recorded once every one of them is paid. Absent while any is unpaid
   * (or when the deployment has no Solana payer); outcomes recorded before this field existed lack it too.
   */
  solanaPaid?: NetPayment[];
  /** Why an invalid round was given up (typed error name and message). */
  error?: { name: string; message: string };
}

/** What one run of {@link netDueRounds} did (JSON-safe). */
export interface NetDueRoundsResult {
  /** Rounds netted by this run. */
  netted: NetRoundOutcome[];
  /** Rounds given up as invalid by this run (recorded: not retried). */
  invalid: NetRoundOutcome[];
  /**
   * Rounds left for the next run after an error: retryable errors of the round itself, and any error paying a
   * netted round's Solana payouts (the round stays netted; its payouts are tried again on every run until paid).
   */
  retry: { roundId: string; error: { name: string; message: string } }[];
  /** Rounds netted by an earlier run whose Solana payouts this run finished paying (`solanaPaid` set). */
  solanaSettled: NetRoundOutcome[];
  /** Rounds recorded by an earlier run, skipped. */
  alreadyNetted: string[];
  /** (model, epoch)s not fully paid out on every chain where buyers paid. */
  notDue: string[];
}

/**
 * The deterministic id of the netting round of one (model, epoch): `net:<model>:<epoch>`.
 *
 * @example
 * ```ts
 * netRoundId(1n, 7n); // "net:1:7"
 * ```
 */
export function netRoundId(modelId: bigint, epoch: bigint): string {
  return `net:${modelId}:${epoch}`;
}

const fromBlockCursorId = (roundId: string, chainId: number) => `netting:${roundId}:from:${chainId}`;
const outcomeCursorId = (roundId: string) => `netting:${roundId}:outcome`;

/**
 * One pass of automatic netting: for each model and each epoch of the lookback, finds the (model, epoch)s that are
 * fully paid out on every chain where buyers paid (nothing paid anywhere: nothing to net) and have no recorded
 * outcome, and runs ONE netting round per (model, epoch) with the id {@link netRoundId}. Due rounds run side by side
 * (`concurrency` at once): a pass that finds several due ends when the slowest is done, not after their sum.
 *
 * The first time a round is seen, each vault chain's current block is recorded as the round's `fromBlock` (a
 * conditional cursor write; a racing worker's record wins and is re-read), so a retry after a crash searches the vault's
 * marked transactions from the same block and never pays twice. The outcome is recorded in a cursor
 * (`netting:<round>:outcome`, the JSON in `blockHash`, read back by {@link readNetRoundOutcome}) so the round is not run
 * again; a replay without that record is still safe (`runNettingRound` is idempotent by chain state). Retryable errors
 * leave the round for the next run; non-retryable slabridge errors (e.g. `InvalidNettingRoundError`) record the round as
 * `invalid` with the error, so it is reported and not retried forever.
 *
 * A netted round's `solanaPayouts` (what EVM revenue owes Solana payees) are then paid by the Solana vault
 * (`chains.paySolana`, when the deployment has one) and the stored outcome gains `solanaPaid`; until they are all
 * paid, every later run pays what is missing (idempotent by the vault's memos) and lists the round in
 * `solanaSettled` once done. A failure there is listed in `retry` and leaves the round netted.
 *
 * @example
 * ```ts
 * const result = await netDueRounds({ models: [1n, 2n], lookbackEpochs: 10, chains, cursors });
 * result.netted[0]?.bridged; // [{ from: 31337, to: 31338, amount: "475000", guid: "0x…", ... }]
 * ```
 */
export async function netDueRounds(input: NetDueRoundsInput): Promise<NetDueRoundsResult> {
  const result: NetDueRoundsResult = {
    netted: [],
    invalid: [],
    retry: [],
    alreadyNetted: [],
    notDue: [],
    solanaSettled: [],
  };
  // Due work, in (model, epoch) order; each piece returns its part of the result, which keeps that order.
  const work: Array<() => Promise<RoundPart>> = [];
  for (const modelId of input.models) {
    const current = await input.chains.currentEpoch(modelId);
    const first = current > BigInt(input.lookbackEpochs) ? current - BigInt(input.lookbackEpochs) : 0n;
    for (let epoch = first; epoch < current; epoch++) {
      const roundId = netRoundId(modelId, epoch);
      const recorded = await input.cursors.get(outcomeCursorId(roundId));
      if (recorded) {
        result.alreadyNetted.push(roundId);
        const outcome = JSON.parse(recorded.blockHash) as NetRoundOutcome;
        if (solanaOwed(input, outcome)) {
          work.push(async () => {
            const part = emptyPart();
            const settled = await paySolana(input, outcome, part);
            if (settled.solanaPaid) part.solanaSettled.push(settled);
            return part;
          });
        }
        continue;
      }
      const status = await input.chains.status(modelId, epoch);
      const paying = status.filter((s) => s.paid);
      if (paying.length === 0) continue; // nothing paid anywhere: nothing to net
      if (!paying.every((s) => s.paidOut)) {
        result.notDue.push(roundId);
        continue;
      }
      work.push(() => netRound(input, { roundId, modelId, epoch }));
    }
  }
  // Rounds share the vaults' senders (one nonce order per key) and keep each vault's balance check and sends together
  // (`runNettingRound`'s `exclusive`), so running them side by side changes when they land, not what they send.
  const parts = await mapConcurrently(work, input.concurrency ?? DEFAULT_NETTING_CONCURRENCY, (run) => run());
  for (const part of parts) {
    result.netted.push(...part.netted);
    result.invalid.push(...part.invalid);
    result.retry.push(...part.retry);
    result.solanaSettled.push(...part.solanaSettled);
  }
  return result;
}

/** How many rounds {@link netDueRounds} runs at once when its input does not say. */
export const DEFAULT_NETTING_CONCURRENCY = 4;

/** What one round (or one Solana payment of a netted round) adds to the pass's result. */
type RoundPart = Pick<NetDueRoundsResult, "netted" | "invalid" | "retry" | "solanaSettled">;

const emptyPart = (): RoundPart => ({ netted: [], invalid: [], retry: [], solanaSettled: [] });

/** Runs one due round and records its outcome: netted, invalid (a non-retryable error), or left for the next run. */
async function netRound(
  input: NetDueRoundsInput,
  round: { roundId: string; modelId: bigint; epoch: bigint },
): Promise<RoundPart> {
  const { roundId, modelId, epoch } = round;
  const part = emptyPart();
  try {
    const fromBlocks = await roundFromBlocks(input, roundId);
    const record = await input.chains.run({ roundId, modelId, epoch, fromBlocks });
    let outcome = await recordOutcome(input.cursors, toOutcome(record, modelId, epoch));
    if (solanaOwed(input, outcome)) outcome = await paySolana(input, outcome, part);
    part.netted.push(outcome);
  } catch (error) {
    const typed = error instanceof SlabridgeError ? error : undefined;
    const reported = {
      name: (error as Error)?.name ?? "Error",
      message: (error as Error)?.message ?? String(error),
    };
    if (typed && !typed.retryable) {
      const outcome = await recordOutcome(input.cursors, {
        ...emptyOutcome(roundId, modelId, epoch),
        status: "invalid",
        error: reported,
      });
      part.invalid.push(outcome);
    } else {
      part.retry.push({ roundId, error: reported });
    }
  }
  return part;
}

/**
 * The recorded outcome of the netting round of (model, epoch), or undefined while it is not netted (or given up).
 *
 * @example
 * ```ts
 * const outcome = await readNetRoundOutcome(stores.cursors, 1n, 7n);
 * outcome?.bridged.map((b) => b.guid);
 * ```
 */
export async function readNetRoundOutcome(
  cursors: CursorStore,
  modelId: bigint,
  epoch: bigint,
): Promise<NetRoundOutcome | undefined> {
  const cursor = await cursors.get(outcomeCursorId(netRoundId(modelId, epoch)));
  return cursor ? (JSON.parse(cursor.blockHash) as NetRoundOutcome) : undefined;
}

/** Each vault chain's `fromBlock` of the round: recorded the first time the round is seen, reused afterwards. */
async function roundFromBlocks(input: NetDueRoundsInput, roundId: string): Promise<Map<number, bigint>> {
  const fromBlocks = new Map<number, bigint>();
  for (const chainId of input.chains.vaultChains) {
    const id = fromBlockCursorId(roundId, chainId);
    let cursor = await input.cursors.get(id);
    if (!cursor) {
      const block = await input.chains.blockNumber(chainId);
      const next = { id, block, blockHash: `round ${roundId} from block ${block}`, version: 1 };
      cursor = (await input.cursors.advance(next, undefined)) ? next : await input.cursors.get(id);
      if (!cursor) throw new NettingCursorVanishedError(id);
    }
    fromBlocks.set(chainId, cursor.block);
  }
  return fromBlocks;
}

/** Whether a netted round's Solana payouts are owed and there is a payer to pay them. */
function solanaOwed(input: NetDueRoundsInput, outcome: NetRoundOutcome): boolean {
  if (!input.chains.paySolana || outcome.status !== "netted" || outcome.solanaPaid) return false;
  return (outcome.solanaPayouts ?? []).some((p) => p.amount !== "0");
}

/**
 * Pays the round's Solana payouts (idempotent by the vault's memos) and records `solanaPaid` in the stored outcome
 * once all are paid. An error is reported in `retry` and leaves the outcome as it was, for the next run.
 */
async function paySolana(
  input: NetDueRoundsInput,
  outcome: NetRoundOutcome,
  result: Pick<NetDueRoundsResult, "retry">,
): Promise<NetRoundOutcome> {
  const pay = input.chains.paySolana;
  if (!pay) return outcome;
  try {
    const done = await pay({
      roundId: outcome.roundId,
      modelId: BigInt(outcome.modelId),
      epoch: BigInt(outcome.epoch),
      solanaPayouts: outcome.solanaPayouts,
    });
    const byAccount = new Map([...done.alreadyPaid, ...done.paid].map((p) => [p.account, p]));
    const solanaPaid: NetPayment[] = [];
    for (const owed of outcome.solanaPayouts) {
      if (owed.amount === "0") continue;
      const paid = byAccount.get(owed.account);
      if (!paid) throw new NettingPayoutMissingError(owed.account, outcome.roundId);
      solanaPaid.push({ account: paid.account, amount: paid.amount, signature: paid.signature });
    }
    return await updateOutcome(input.cursors, { ...outcome, solanaPaid });
  } catch (error) {
    result.retry.push({
      roundId: outcome.roundId,
      error: { name: (error as Error)?.name ?? "Error", message: (error as Error)?.message ?? String(error) },
    });
    return outcome;
  }
}

/** Overwrites the stored outcome (compare-and-set on its version); a racing writer's newer record wins. */
async function updateOutcome(cursors: CursorStore, outcome: NetRoundOutcome): Promise<NetRoundOutcome> {
  const id = outcomeCursorId(outcome.roundId);
  const current = await cursors.get(id);
  const next = { id, block: 1n, blockHash: JSON.stringify(outcome), version: (current?.version ?? 0) + 1 };
  if (await cursors.advance(next, current?.version)) return outcome;
  const existing = await cursors.get(id);
  return existing ? (JSON.parse(existing.blockHash) as NetRoundOutcome) : outcome;
}

/** Writes the outcome once; when another worker recorded it first, returns theirs. */
async function recordOutcome(cursors: CursorStore, outcome: NetRoundOutcome): Promise<NetRoundOutcome> {
  const id = outcomeCursorId(outcome.roundId);
  const written = await cursors.advance({ id, block: 1n, blockHash: JSON.stringify(outcome), version: 1 }, undefined);
  if (written) return outcome;
  const existing = await cursors.get(id);
  return existing ? (JSON.parse(existing.blockHash) as NetRoundOutcome) : outcome;
}

function emptyOutcome(roundId: string, modelId: bigint, epoch: bigint): NetRoundOutcome {
  return {
    roundId,
    modelId: modelId.toString(),
    epoch: epoch.toString(),
    status: "netted",
    bridged: [],
    paid: [],
    openBalances: [],
    solanaPayouts: [],
  };
}

function toOutcome(record: NettingRecord, modelId: bigint, epoch: bigint): NetRoundOutcome {
  return {
    ...emptyOutcome(record.roundId, modelId, epoch),
    bridged: record.bridged.map((b) => ({
      from: b.from,
      to: b.to,
      amount: b.amount.toString(),
      guid: b.guid,
      sourceTransaction: b.sourceTransaction,
    })),
    paid: record.paid.map((p) => ({
      chain: p.chain,
      account: p.account,
      amount: p.amount.toString(),
      transactionHash: p.transactionHash,
    })),
    openBalances: record.openBalances.map((t) => ({ from: t.from, to: t.to, amount: t.amount.toString() })),
    solanaPayouts: record.solanaPayouts.map((p) => ({
      chain: p.chain,
      account: p.account,
      amount: p.amount.toString(),
    })),
  };
}
