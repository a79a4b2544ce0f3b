import { revenueLedgerAbi, slaOracleAbi } from "@slabridge/contracts";
import type { ChainStatusReader, CursorStore } from "@slabridge/core";
import type { DemoTraffic, Devnet } from "@slabridge/devnet";
import { readNetRoundOutcome } from "@slabridge/netting";
import type { PublicClient } from "viem";
import { epochBond, epochPayees, homeOf } from "./settlementReport.ts";

/** One condition the main job waits for, with what it is in words (printed when it is still pending at the end). */
export interface SettlementCheck {
  modelId: bigint;
  epoch: bigint;
  what: string;
  done: boolean;
}

/** What {@link settlementChecks} reads. */
export interface SettlementCheckInput {
  devnet: Devnet;
  clients: ReadonlyMap<number, PublicClient>;
  traffic: DemoTraffic;
  planned: ReadonlyArray<{ modelId: bigint; epoch: bigint }>;
  /** The status read model's chains: each payment chain's money of an epoch. */
  chains: readonly ChainStatusReader[];
  /** Where the netting rounds record their outcome. */
  cursors: CursorStore;
  /**
   * Pay per call: the (model, epoch, chain)s where a gateway charged calls. Their payments appear only once the
   * epoch is claimed, so these chains are waited for from the start.
   */
  charged?: ReadonlyArray<{ modelId: bigint; epoch: bigint; chainId: number }>;
  /**
   * The last call's checks. What they check is final on chain, so a (model, epoch) whose checks were all done keeps
   * them and is not read again: a waiting loop reads only the epochs still settling.
   */
  previous?: readonly SettlementCheck[];
}

/**
 * Everything that must be true on chain before the main job calls an epoch settled: per (model, epoch), every
 * payment chain's receipts are complete at home and the verdict is recorded; on every payment chain where buyers
 * paid, every payment got its refund share back (with its share of the host's slashed bond) and the rest was released and paid out there (the chain's
 * `epochMoney`); then the epoch is netted across chains and any netted shares owed to Solana payees are paid.
 *
 * @example const pending = (await settlementChecks(input)).filter((c) => !c.done);
 */
export async function settlementChecks(input: SettlementCheckInput): Promise<SettlementCheck[]> {
  const home = homeOf(input.devnet, input.clients);
  const settled = settledEpochs(input.previous ?? []);
  const checks: SettlementCheck[] = [];
  for (const { modelId, epoch } of input.planned) {
    const kept = settled.get(`${modelId}:${epoch}`);
    if (kept) {
      checks.push(...kept);
      continue;
    }
    const where = `model ${modelId} epoch ${epoch}`;
    const paidOn = new Set(
      [...input.traffic.payments, ...(input.charged ?? [])]
        .filter((p) => p.modelId === modelId && p.epoch === epoch)
        .map((p) => p.chainId),
    );
    for (const chainId of paidOn) {
      const complete = await home.client.readContract({
        address: home.revenueLedger,
        abi: revenueLedgerAbi,
        functionName: "isChainComplete",
        args: [modelId, epoch, chainId],
      });
      checks.push({ modelId, epoch, what: `${where}: receipts of chain ${chainId} complete at home`, done: complete });
    }
    const hasVerdict = await home.client.readContract({
      address: home.slaOracle,
      abi: slaOracleAbi,
      functionName: "hasVerdict",
      args: [modelId, epoch],
    });
    checks.push({ modelId, epoch, what: `${where}: verdict recorded`, done: hasVerdict });
    const refundBps = hasVerdict
      ? (
          await home.client.readContract({
            address: home.slaOracle,
            abi: slaOracleAbi,
            functionName: "verdictOf",
            args: [modelId, epoch],
          })
        ).refundBps
      : undefined;
    const payees = hasVerdict ? await epochPayees(input.devnet, input.clients, modelId, epoch) : undefined;
    // A breach of a bonded model: the bond is slashed when its verdict is first published (and travels with it).
    const bond = await epochBond(
      input.devnet,
      input.clients,
      modelId,
      epoch,
      input.chains.map((chain) => chain.chainId),
    );
    if (home.hostBond && refundBps !== undefined && refundBps > 0) {
      checks.push({
        modelId,
        epoch,
        what: `${where}: host bond settled (slashed into buyers' top-ups)`,
        done: bond.settled,
      });
    }
    for (const chain of input.chains) {
      if (!chain.settlement || !paidOn.has(chain.chainId)) continue;
      const topUp = bond.topUps.get(chain.chainId) ?? 0n;
      const money = await chain.settlement.epochMoney({
        modelId,
        epoch,
        refundBps,
        payees,
        ...(topUp > 0n ? { topUp } : {}),
      });
      checks.push({ modelId, epoch, what: `${where}: refunds done on ${chain.name}`, done: money.refundsDone });
      checks.push({
        modelId,
        epoch,
        what: `${where}: released and paid out on ${chain.name}`,
        done: money.released !== undefined,
      });
    }
    if (paidOn.size > 0) {
      const outcome = await readNetRoundOutcome(input.cursors, modelId, epoch);
      checks.push({ modelId, epoch, what: `${where}: netted across chains`, done: outcome?.status === "netted" });
      const owedOnSolana = outcome?.solanaPayouts.some((payout) => BigInt(payout.amount) > 0n) ?? false;
      if (owedOnSolana) {
        checks.push({
          modelId,
          epoch,
          what: `${where}: Solana payees paid their netted shares`,
          done: outcome?.solanaPaid !== undefined,
        });
      }
    }
  }
  return checks;
}

/** The (model, epoch)s whose checks are all done, with those checks. */
function settledEpochs(checks: readonly SettlementCheck[]): Map<string, SettlementCheck[]> {
  const byEpoch = new Map<string, SettlementCheck[]>();
  for (const check of checks) {
    const key = `${check.modelId}:${check.epoch}`;
    byEpoch.set(key, [...(byEpoch.get(key) ?? []), check]);
  }
  for (const [key, epochChecks] of byEpoch) if (!epochChecks.every((check) => check.done)) byEpoch.delete(key);
  return byEpoch;
}
