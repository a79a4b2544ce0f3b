import { escrowAbi, revenueLedgerAbi, slaOracleAbi } from "@slabridge/contracts";
import type { CursorStore } from "@slabridge/core";
import { type DemoTraffic, type Devnet, devnetChainsOf } from "@slabridge/devnet";
import { readNetRoundOutcome } from "@slabridge/netting";
import type { SolanaSettlementTarget } from "@slabridge/solana";
import type { Address, PublicClient } from "viem";

/** One condition the main job waits for, with what it is in words (printed when it is still pending at the end). */
export interface SettlementCheck {
  what: string;
  done: boolean;
}

/** What {@link settlementChecks} reads. */
export interface SettlementCheckInput {
  devnet: Devnet;
  clients: ReadonlyMap<number, PublicClient>;
  traffic: DemoTraffic;
  planned: ReadonlyArray<{ modelId: bigint; epoch: bigint }>;
  /** The Solana vault's settlement (absent without Solana). */
  solanaSettlement?: SolanaSettlementTarget | undefined;
  /** Where the netting rounds record their outcome. */
  cursors: CursorStore;
}

const RELEASED = 2;
const ALL_BPS = 10_000;

/**
 * Everything that must be true on chain before the main job calls an epoch settled: per (model, epoch), every
 * payment chain's receipts are complete at home and the verdict is recorded; on every EVM chain where buyers paid,
 * the escrow applied the verdict, refunded every payment and released, and the payouts reached 10,000 bps.
 *
 * @example const pending = (await settlementChecks(input)).filter((c) => !c.done);
 */
export async function settlementChecks(input: SettlementCheckInput): Promise<SettlementCheck[]> {
  const { manifest } = input.devnet;
  const home = devnetChainsOf(manifest).evm.find((chain) => chain.chainId === manifest.homeChainId);
  const homeClient = input.clients.get(manifest.homeChainId);
  if (!home?.contracts.slaOracle || !home.contracts.revenueLedger || !homeClient) throw new Error("no home chain");
  const checks: SettlementCheck[] = [];
  for (const { modelId, epoch } of input.planned) {
    const where = `model ${modelId} epoch ${epoch}`;
    const paidOn = new Set(
      input.traffic.payments.filter((p) => p.modelId === modelId && p.epoch === epoch).map((p) => p.chainId),
    );
    for (const chainId of paidOn) {
      const complete = await homeClient.readContract({
        address: home.contracts.revenueLedger,
        abi: revenueLedgerAbi,
        functionName: "isChainComplete",
        args: [modelId, epoch, chainId],
      });
      checks.push({ what: `${where}: receipts of chain ${chainId} complete at home`, done: complete });
    }
    const hasVerdict = await homeClient.readContract({
      address: home.contracts.slaOracle,
      abi: slaOracleAbi,
      functionName: "hasVerdict",
      args: [modelId, epoch],
    });
    checks.push({ what: `${where}: verdict recorded`, done: hasVerdict });
    for (const chain of devnetChainsOf(manifest).evm) {
      const escrow = chain.contracts.escrow;
      const client = input.clients.get(chain.chainId);
      if (!escrow || !client || !paidOn.has(chain.chainId)) continue;
      const record = await client.readContract({
        address: escrow as Address,
        abi: escrowAbi,
        functionName: "epochRecord",
        args: [modelId, epoch],
      });
      checks.push({ what: `${where}: released on ${chain.name}`, done: record.status === RELEASED });
      checks.push({ what: `${where}: payouts complete on ${chain.name}`, done: record.paidOutBps === ALL_BPS });
    }
    if (input.solanaSettlement && paidOn.has(input.solanaSettlement.chainId)) {
      const position = hasVerdict ? await input.solanaSettlement.nettingPosition(modelId, epoch) : undefined;
      checks.push({ what: `${where}: refunds done on solana`, done: position?.refundsDone ?? false });
      checks.push({ what: `${where}: Solana payees paid`, done: position?.payoutsDone ?? false });
    }
    if (paidOn.size > 0) {
      const outcome = await readNetRoundOutcome(input.cursors, modelId, epoch);
      checks.push({ what: `${where}: netted across chains`, done: outcome?.status === "netted" });
      const owedOnSolana = outcome?.solanaPayouts.some((payout) => BigInt(payout.amount) > 0n) ?? false;
      if (owedOnSolana) {
        checks.push({
          what: `${where}: Solana payees paid their netted shares`,
          done: outcome?.solanaPaid !== undefined,
        });
      }
    }
  }
  return checks;
}
