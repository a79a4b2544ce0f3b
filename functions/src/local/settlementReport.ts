import { escrowAbi, slaOracleAbi } from "@slabridge/contracts";
import { SOLANA_CHAIN_ID } from "@slabridge/core";
import { type Devnet, devnetStablecoinAbi } from "@slabridge/devnet";
import { PublicKey } from "@solana/web3.js";
import { type Address, type Hex, hexToBytes, type PublicClient } from "viem";
import type { SolanaSettlementTarget } from "../context/SolanaSettlementTarget.ts";
import type { DemoTraffic } from "./DemoTraffic.ts";

/** Money of one (model, epoch) on one payment chain, in stablecoin base units. */
export interface ChainMoney {
  paid: bigint;
  refunded: bigint;
  paidOut: bigint;
}

/** One row of the final table: the SLA figures and verdict of a (model, epoch), and its money per chain. */
export interface EpochRow {
  modelId: bigint;
  host: string;
  epoch: bigint;
  verdict?: { p95Ms: number; uptimeBps: number; refundBps: number; sampleCount: number };
  chains: Map<number, ChainMoney>;
}

/** A buyer's proof on one chain: what it paid and got back per our records, and its balance change on chain. */
export interface BuyerProof {
  chainId: number;
  buyer: string;
  paid: bigint;
  expectedRefund: bigint;
  balanceDelta: bigint;
  holds: boolean;
}

/** Everything the main job prints at the end. */
export interface SettlementReport {
  chainNames: Map<number, string>;
  rows: EpochRow[];
  buyers: BuyerProof[];
  conservation: { holds: boolean; lines: string[] };
}

/** What {@link collectSettlementReport} reads. */
export interface SettlementReportInput {
  devnet: Devnet;
  clients: ReadonlyMap<number, PublicClient>;
  traffic: DemoTraffic;
  planned: ReadonlyArray<{ modelId: bigint; epoch: bigint }>;
  /** Buyer balances per chain before the traffic (see {@link snapshotBuyerBalances}). */
  before: Map<string, bigint>;
  solanaSettlement?: SolanaSettlementTarget | undefined;
}

const BPS = 10_000n;

/**
 * Reads the balances of every demo buyer on every payment chain (key `<chainId>:<buyer hex>`).
 *
 * @example const before = await snapshotBuyerBalances(devnet, clients, traffic);
 */
export async function snapshotBuyerBalances(
  devnet: Devnet,
  clients: ReadonlyMap<number, PublicClient>,
  traffic: DemoTraffic,
): Promise<Map<string, bigint>> {
  const balances = new Map<string, bigint>();
  for (const chain of devnet.manifest.evm) {
    const client = clients.get(chain.chainId);
    if (!chain.contracts.escrow || !client) continue;
    for (const buyer of traffic.evmBuyers()) {
      balances.set(
        `${chain.chainId}:${buyer.toLowerCase()}`,
        await evmBalance(client, chain.stablecoin.address, buyer),
      );
    }
  }
  const solana = devnet.manifest.solana;
  if (solana) {
    for (const buyer of traffic.solanaBuyers()) {
      const key = `${SOLANA_CHAIN_ID}:0x${Buffer.from(buyer.publicKey.toBytes()).toString("hex")}`;
      balances.set(key, await solanaBalance(traffic, buyer.publicKey));
    }
  }
  return balances;
}

/**
 * Collects the final table from the chains: verdict figures from the home SlaOracle's `VerdictRecorded` events,
 * money per EVM chain from each escrow's epoch record, Solana payments from what the buyers sent, and each buyer's
 * balance change checked against what it paid and the refund its verdict promised.
 *
 * @example const report = await collectSettlementReport({ devnet, clients, traffic, planned, before });
 */
export async function collectSettlementReport(input: SettlementReportInput): Promise<SettlementReport> {
  const { manifest } = input.devnet;
  const chainNames = new Map(manifest.evm.map((chain) => [chain.chainId, chain.name]));
  if (manifest.solana) chainNames.set(SOLANA_CHAIN_ID, "solana");
  const home = manifest.evm.find((chain) => chain.chainId === manifest.homeChainId);
  const homeClient = input.clients.get(manifest.homeChainId);
  if (!home?.contracts.slaOracle || !homeClient) throw new Error("no home chain");
  const verdictLogs = await homeClient.getContractEvents({
    address: home.contracts.slaOracle,
    abi: slaOracleAbi,
    eventName: "VerdictRecorded",
    fromBlock: 0n,
  });
  const verdicts = new Map(
    verdictLogs.map((log) => [
      `${log.args.modelId}:${log.args.epoch}`,
      {
        p95Ms: Number(log.args.p95Ms),
        uptimeBps: Number(log.args.uptimeBps),
        refundBps: Number(log.args.refundBps),
        sampleCount: Number(log.args.sampleCount),
      },
    ]),
  );

  const rows: EpochRow[] = [];
  for (const { modelId, epoch } of input.planned) {
    const model = manifest.models.find((m) => BigInt(m.modelId) === modelId);
    const verdict = verdicts.get(`${modelId}:${epoch}`);
    const row: EpochRow = { modelId, host: model?.hostName ?? "?", epoch, chains: new Map() };
    if (verdict) row.verdict = verdict;
    for (const chain of manifest.evm) {
      const client = input.clients.get(chain.chainId);
      if (!chain.contracts.escrow || !client) continue;
      const record = await client.readContract({
        address: chain.contracts.escrow,
        abi: escrowAbi,
        functionName: "epochRecord",
        args: [modelId, epoch],
      });
      row.chains.set(chain.chainId, { paid: record.paid, refunded: record.refunded, paidOut: record.paidOut });
    }
    if (manifest.solana) {
      const paid = input.traffic.payments
        .filter((p) => p.chainId === SOLANA_CHAIN_ID && p.modelId === modelId && p.epoch === epoch)
        .reduce((sum, p) => sum + p.amount, 0n);
      const position = verdict ? await input.solanaSettlement?.nettingPosition(modelId, epoch) : undefined;
      row.chains.set(SOLANA_CHAIN_ID, {
        paid,
        refunded: position?.refundsDone ? position.refunded : 0n,
        paidOut: position?.payoutsDone ? position.paidLocally : 0n,
      });
    }
    rows.push(row);
  }

  const buyers = await buyerProofs(input, verdicts);
  const conservation = {
    holds: buyers.every((b) => b.holds),
    lines: buyers.every((b) => b.holds)
      ? ["every buyer's balance changed by exactly −paid + its verdict's refund"]
      : buyers
          .filter((b) => !b.holds)
          .map((b) => `buyer ${b.buyer} on chain ${b.chainId}: off by ${b.balanceDelta + b.paid - b.expectedRefund}`),
  };
  return { chainNames, rows, buyers, conservation };
}

async function buyerProofs(
  input: SettlementReportInput,
  verdicts: Map<string, { refundBps: number }>,
): Promise<BuyerProof[]> {
  const byBuyer = new Map<string, { chainId: number; buyer: string; paid: bigint; expectedRefund: bigint }>();
  for (const payment of input.traffic.payments) {
    const key = `${payment.chainId}:${payment.buyer.toLowerCase()}`;
    const entry = byBuyer.get(key) ?? { chainId: payment.chainId, buyer: payment.buyer, paid: 0n, expectedRefund: 0n };
    entry.paid += payment.amount;
    const bps = BigInt(verdicts.get(`${payment.modelId}:${payment.epoch}`)?.refundBps ?? 0);
    entry.expectedRefund += (payment.amount * bps) / BPS;
    byBuyer.set(key, entry);
  }
  const proofs: BuyerProof[] = [];
  for (const [key, entry] of byBuyer) {
    const now = await currentBalance(input, entry.chainId, entry.buyer as Hex);
    const balanceDelta = now - (input.before.get(key) ?? 0n);
    proofs.push({ ...entry, balanceDelta, holds: balanceDelta === entry.expectedRefund - entry.paid });
  }
  return proofs;
}

async function currentBalance(input: SettlementReportInput, chainId: number, buyer: Hex): Promise<bigint> {
  if (chainId === SOLANA_CHAIN_ID) return solanaBalance(input.traffic, new PublicKey(hexToBytes(buyer)));
  const chain = input.devnet.manifest.evm.find((c) => c.chainId === chainId);
  const client = input.clients.get(chainId);
  if (!chain || !client) throw new Error(`no chain ${chainId}`);
  return evmBalance(client, chain.stablecoin.address, buyer as Address);
}

function evmBalance(client: PublicClient, token: string, holder: Address): Promise<bigint> {
  return client.readContract({
    address: token as Address,
    abi: devnetStablecoinAbi,
    functionName: "balanceOf",
    args: [holder],
  });
}

async function solanaBalance(traffic: DemoTraffic, owner: PublicKey): Promise<bigint> {
  return traffic.solanaTokenBalance(owner);
}

const units = (amount: bigint) => {
  const whole = amount / 1_000_000n;
  const frac = (amount % 1_000_000n).toString().padStart(6, "0").slice(0, 4);
  return `${whole}.${frac}`;
};

/**
 * The final table as lines: per model and epoch the SLA figures, the verdict and the money per chain; then each
 * buyer's balance proof and the conservation verdict.
 *
 * @example for (const line of formatSettlementReport(report)) console.log(line);
 */
export function formatSettlementReport(report: SettlementReport): string[] {
  const chainIds = [...report.chainNames.keys()];
  const header = [
    "model",
    "host",
    "epoch",
    "p95 ms",
    "uptime",
    "verdict",
    ...chainIds.map((id) => `${report.chainNames.get(id)} paid/refunded/paid out`),
  ];
  const body = report.rows.map((row) => [
    `${row.modelId}`,
    row.host,
    `${row.epoch}`,
    row.verdict ? `${row.verdict.p95Ms}` : "–",
    row.verdict ? `${(row.verdict.uptimeBps / 100).toFixed(2)}%` : "–",
    row.verdict ? (row.verdict.refundBps === 0 ? "SLA met" : `refund ${row.verdict.refundBps / 100}%`) : "pending",
    ...chainIds.map((id) => {
      const money = row.chains.get(id);
      return money ? `${units(money.paid)} / ${units(money.refunded)} / ${units(money.paidOut)}` : "–";
    }),
  ]);
  const lines = ["", "Settlement per model and epoch (stablecoin units)", ...table([header, ...body])];
  lines.push(
    "",
    "Buyers: balance change on chain vs paid and refund owed",
    ...table([
      ["chain", "buyer", "paid", "refund owed", "balance change", "ok"],
      ...report.buyers.map((b) => [
        report.chainNames.get(b.chainId) ?? `${b.chainId}`,
        `${b.buyer.slice(0, 8)}…${b.buyer.slice(-4)}`,
        units(b.paid),
        units(b.expectedRefund),
        `${b.balanceDelta < 0n ? "−" : "+"}${units(b.balanceDelta < 0n ? -b.balanceDelta : b.balanceDelta)}`,
        b.holds ? "yes" : "NO",
      ]),
    ]),
  );
  lines.push(
    "",
    `Conservation: ${report.conservation.holds ? "holds" : "FAILS"}`,
    ...report.conservation.lines.map((l) => `  ${l}`),
  );
  return lines;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const [head, ...rest] = rows;
  return head ? [line(head), widths.map((w) => "─".repeat(w)).join("  "), ...rest.map(line)] : [];
}
