import { escrowAbi, revenueLedgerAbi, slaOracleAbi, slaReceiverAbi } from "@slabridge/contracts";
import type { CursorStore, DeploymentManifest, Job, JobStore } from "@slabridge/core";
import { devnetChainsOf } from "@slabridge/devnet";
import { type NetRoundOutcome, readNetRoundOutcome } from "@slabridge/netting";
import { type Abi, type Address, decodeEventLog, type Log, type PublicClient } from "viem";

/** One line of live progress: what happened, where, and when (ms since the main job started). */
export interface ProgressEvent {
  atMs: number;
  kind:
    | "pay"
    | "call"
    | "claim"
    | "receipts"
    | "verdict"
    | "refund"
    | "release"
    | "payout"
    | "job"
    | "probe"
    | "net"
    | "info";
  text: string;
}

/** Totals the main job shows in its one-line status and uses to decide when the story is complete. */
export interface ProgressCounters {
  payments: number;
  receiptBatches: number;
  verdicts: number;
  verdictsApplied: number;
  refunds: number;
  releases: number;
  payouts: number;
  jobsDeadLettered: number;
}

interface WatchedContract {
  chainId: number;
  chainName: string;
  address: Address;
  abi: Abi;
  events: readonly string[];
  /** An SLA receiver's model (its `Booked` events do not name it). */
  modelId?: bigint;
}

const fmtAmount = (units: bigint, decimals = 6) => {
  const scale = 10n ** BigInt(decimals);
  const frac = (units % scale).toString().padStart(decimals, "0").slice(0, 4);
  return `${units / scale}.${frac}`;
};

/**
 * Live progress of the main job, read from where the truth is: the contracts' events on every EVM chain (payments,
 * receipt batches recorded at home, verdicts recorded and applied, refunds, releases, payouts), the netting rounds'
 * recorded outcomes of the epochs it saw paid out, and the job store (jobs dead-lettered, with the reason). Polled,
 * so it sees what any handler did, in any order. One log query per chain and poll, for all its watched contracts: the
 * main job shares the CPU with the devnet and every handler.
 *
 * @example
 * const monitor = new ProgressMonitor({ manifest, clients, jobs, startedAt: Date.now(), emit: (e) => print(e) });
 * setInterval(() => monitor.poll(), 1000);
 */
export class ProgressMonitor {
  readonly counters: ProgressCounters = {
    payments: 0,
    receiptBatches: 0,
    verdicts: 0,
    verdictsApplied: 0,
    refunds: 0,
    releases: 0,
    payouts: 0,
    jobsDeadLettered: 0,
  };
  readonly #contracts: WatchedContract[];
  /** The watched contracts per chain, by lowercase address: one log query per chain reads them all. */
  readonly #watchedByChain = new Map<number, Map<string, WatchedContract>>();
  readonly #clients: ReadonlyMap<number, PublicClient>;
  readonly #jobs: JobStore;
  readonly #emit: (event: ProgressEvent) => void;
  readonly #startedAt: number;
  readonly #nextBlock = new Map<number, bigint>();
  readonly #seenJobs = new Set<string>();
  readonly #chainNames: Map<number, string>;
  readonly #cursors: CursorStore | undefined;
  /** (model, epoch)s seen paid out whose netting round has not been reported yet. */
  readonly #awaitingNet = new Map<string, { model: bigint; epoch: bigint }>();
  readonly #netReported = new Set<string>();
  #polling: Promise<void> | undefined;

  constructor(options: {
    manifest: DeploymentManifest;
    clients: ReadonlyMap<number, PublicClient>;
    jobs: JobStore;
    startedAt: number;
    emit(event: ProgressEvent): void;
    /** Where the netting rounds record their outcomes: each round is reported once recorded. Absent: none are. */
    cursors?: CursorStore;
  }) {
    const { manifest } = options;
    this.#clients = options.clients;
    this.#jobs = options.jobs;
    this.#emit = options.emit;
    this.#startedAt = options.startedAt;
    this.#cursors = options.cursors;
    this.#chainNames = new Map(manifest.chains.map((chain) => [chain.chainId, chain.name]));
    this.#contracts = [];
    for (const chain of devnetChainsOf(manifest).evm) {
      const base = { chainId: chain.chainId, chainName: chain.name };
      if (chain.contracts.escrow) {
        this.#contracts.push({
          ...base,
          address: chain.contracts.escrow,
          abi: escrowAbi as Abi,
          events: ["Paid", "VerdictApplied", "Refunded", "Released", "PaidOut"],
        });
      }
      // Pay per call: each model's SLA receiver books the claimed vouchers and settles as the escrow does.
      for (const [modelId, receiver] of Object.entries(chain.contracts.slaReceivers ?? {})) {
        this.#contracts.push({
          ...base,
          address: receiver,
          abi: slaReceiverAbi as Abi,
          events: ["Booked", "VerdictApplied", "Refunded", "Released", "PaidOut"],
          modelId: BigInt(modelId),
        });
      }
      if (chain.contracts.revenueLedger) {
        this.#contracts.push({
          ...base,
          address: chain.contracts.revenueLedger,
          abi: revenueLedgerAbi as Abi,
          events: ["ReceiptBatchRecorded"],
        });
      }
      if (chain.contracts.slaOracle) {
        this.#contracts.push({
          ...base,
          address: chain.contracts.slaOracle,
          abi: slaOracleAbi as Abi,
          events: ["VerdictRecorded"],
        });
      }
    }
    for (const contract of this.#contracts) {
      const watched = this.#watchedByChain.get(contract.chainId) ?? new Map<string, WatchedContract>();
      watched.set(contract.address.toLowerCase(), contract);
      this.#watchedByChain.set(contract.chainId, watched);
    }
  }

  /** Name of a slabridge chain id, for display. */
  chainName(chainId: number | bigint): string {
    return this.#chainNames.get(Number(chainId)) ?? `chain ${chainId}`;
  }

  /**
   * Whether the monitor reports the payments made on a chain itself (from its escrow's `Paid` logs); the caller notes
   * the others as it makes them.
   *
   * @example if (!monitor.observesPayments(chainId)) monitor.note("pay", `${amount} paid on ${monitor.chainName(chainId)}`);
   */
  observesPayments(chainId: number): boolean {
    return this.#contracts.some((contract) => contract.chainId === chainId && contract.events.includes("Paid"));
  }

  /** Reports a line that did not come from a chain or the store (payments by the demo buyers, probe rounds). */
  note(kind: ProgressEvent["kind"], text: string): void {
    this.#emit({ atMs: Date.now() - this.#startedAt, kind, text });
  }

  /** Reads what happened since the last poll; concurrent calls share one pass. */
  poll(): Promise<void> {
    this.#polling ??= this.#pollOnce().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #pollOnce(): Promise<void> {
    for (const [chainId, watched] of this.#watchedByChain) await this.#pollChain(chainId, watched);
    await this.#pollNetting();
    await this.#pollJobs();
  }

  /** Reports each netting round once its outcome is recorded: what crossed chains and what the vaults paid. */
  async #pollNetting(): Promise<void> {
    if (!this.#cursors) return;
    for (const [key, { model, epoch }] of this.#awaitingNet) {
      const outcome = await readNetRoundOutcome(this.#cursors, model, epoch);
      if (outcome === undefined) continue;
      this.#awaitingNet.delete(key);
      this.#netReported.add(key);
      this.note("net", `model ${model} · epoch ${epoch}  ${this.#describeNetting(outcome)}`);
    }
  }

  #describeNetting(outcome: NetRoundOutcome): string {
    if (outcome.status === "invalid") return `netting round refused: ${outcome.error?.message ?? "invalid"}`;
    const bridged = outcome.bridged.map(
      (b) => `${fmtAmount(BigInt(b.amount))} ${this.chainName(b.from)} → ${this.chainName(b.to)} over the OFT`,
    );
    const paid = outcome.paid.reduce((sum, p) => sum + BigInt(p.amount), 0n);
    const solana = outcome.solanaPayouts.reduce((sum, p) => sum + BigInt(p.amount), 0n);
    const open = outcome.openBalances.length;
    return [
      `netted: ${bridged.length > 0 ? `bridged ${bridged.join(", ")}` : "nothing to bridge"}`,
      `EVM vaults paid ${outcome.paid.length} shares (${fmtAmount(paid)})`,
      ...(solana > 0n ? [`Solana payees' shares ${fmtAmount(solana)} (the Solana vault pays them)`] : []),
      ...(open > 0 ? [`${open} ${open === 1 ? "balance" : "balances"} with Solana left open`] : []),
    ].join(" · ");
  }

  async #pollChain(chainId: number, watched: ReadonlyMap<string, WatchedContract>): Promise<void> {
    const client = this.#clients.get(chainId);
    if (!client) return;
    const latest = await client.getBlockNumber();
    const fromBlock = this.#nextBlock.get(chainId) ?? 0n;
    if (fromBlock > latest) return;
    const logs = await client.getLogs({ address: [...watched.keys()] as Address[], fromBlock, toBlock: latest });
    this.#nextBlock.set(chainId, latest + 1n);
    const byContract = new Map<WatchedContract, Log[]>();
    for (const log of logs) {
      const contract = watched.get(log.address.toLowerCase());
      if (!contract) continue;
      const contractLogs = byContract.get(contract);
      if (contractLogs) contractLogs.push(log);
      else byContract.set(contract, [log]);
    }
    for (const [contract, contractLogs] of byContract) this.#report(contract, contractLogs);
  }

  #report(contract: WatchedContract, logs: readonly Log[]): void {
    const refundsByTx = new Map<string, { count: number; total: bigint; model: bigint; epoch: bigint }>();
    const claimsByTx = new Map<string, { count: number; total: bigint; model: bigint; epoch: bigint }>();
    for (const log of logs) {
      const decoded = decodeLog(contract.abi, log);
      if (!decoded || !contract.events.includes(decoded.eventName)) continue;
      const { eventName: name, args } = decoded;
      const model = (args.modelId as bigint | undefined) ?? contract.modelId ?? 0n;
      const epoch = args.epoch as bigint;
      const where = `model ${model} · epoch ${epoch}`;
      switch (name) {
        case "Paid":
          this.counters.payments++;
          this.note("pay", `${where}  ${fmtAmount(args.amount as bigint)} paid on ${contract.chainName}`);
          break;
        case "Booked": {
          const entry = claimsByTx.get(log.transactionHash ?? "") ?? { count: 0, total: 0n, model, epoch };
          entry.count++;
          entry.total += args.amount as bigint;
          claimsByTx.set(log.transactionHash ?? "", entry);
          break;
        }
        case "ReceiptBatchRecorded":
          this.counters.receiptBatches++;
          // An epoch without payments still closes with an empty batch (the home chain must know it is complete).
          if (args.count === 0n || args.count === 0) break;
          this.note(
            "receipts",
            `${where}  batch ${args.batchIndex} from ${this.chainName(args.chain as number)} recorded at home (${args.count} payments, ${fmtAmount(args.total as bigint)})`,
          );
          break;
        case "VerdictRecorded":
          this.counters.verdicts++;
          this.note(
            "verdict",
            `${where}  p95 ${args.p95Ms} ms · uptime ${(Number(args.uptimeBps) / 100).toFixed(2)}% · ${args.sampleCount} samples + ${args.receiptCount} paid calls → refund ${(Number(args.refundBps) / 100).toFixed(2)}%`,
          );
          break;
        case "VerdictApplied":
          this.counters.verdictsApplied++;
          this.note(
            "verdict",
            `${where}  verdict applied on ${contract.chainName} (refund ${Number(args.refundBps) / 100}%)`,
          );
          break;
        case "Refunded": {
          this.counters.refunds++;
          const entry = refundsByTx.get(log.transactionHash ?? "") ?? { count: 0, total: 0n, model, epoch };
          entry.count++;
          entry.total += args.amount as bigint;
          refundsByTx.set(log.transactionHash ?? "", entry);
          break;
        }
        case "Released": {
          this.counters.releases++;
          // Netting runs once the epoch is paid out everywhere: watch for its round from its first release.
          const round = `${model}:${epoch}`;
          if (!this.#netReported.has(round)) this.#awaitingNet.set(round, { model, epoch });
          this.note("release", `${where}  ${fmtAmount(args.amount as bigint)} released on ${contract.chainName}`);
          break;
        }
        case "PaidOut":
          this.counters.payouts++;
          this.note(
            "payout",
            `${where}  payout #${args.payoutIndex} ${fmtAmount(args.amount as bigint)} to ${shortAddress(args.payee as string)} on ${contract.chainName}`,
          );
          break;
      }
    }
    for (const claim of claimsByTx.values()) {
      this.note(
        "claim",
        `model ${claim.model} · epoch ${claim.epoch}  ${claim.count} x402 channels claimed ${fmtAmount(claim.total)} into the SLA receiver on ${contract.chainName}`,
      );
    }
    for (const refund of refundsByTx.values()) {
      this.note(
        "refund",
        `model ${refund.model} · epoch ${refund.epoch}  ${refund.count} buyers refunded ${fmtAmount(refund.total)} on ${contract.chainName}`,
      );
    }
  }

  async #pollJobs(): Promise<void> {
    for (const job of await this.#jobs.listByStatus("dead-lettered", { limit: 1_000 })) {
      if (this.#seenJobs.has(job.id)) continue;
      this.#seenJobs.add(job.id);
      this.counters.jobsDeadLettered++;
      this.note("job", `dead-lettered ${describeJob(job, this)}: ${(job as { reason?: string }).reason ?? ""}`);
    }
  }
}

function describeJob(job: Job, names: { chainName(id: number): string }): string {
  const ref = job.epochRef ? ` model ${job.epochRef.modelId} · epoch ${job.epochRef.epoch}` : "";
  return `${job.kind}${ref} ${names.chainName(job.source.chainId)} → ${names.chainName(job.destinationChainId)}`;
}

function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}

/** The event a watched contract emitted, by its ABI; undefined for an event outside it. */
function decodeLog(abi: Abi, log: Log): { eventName: string; args: Record<string, unknown> } | undefined {
  try {
    const { eventName, args } = decodeEventLog({ abi, data: log.data, topics: log.topics });
    if (eventName === undefined) return undefined;
    return { eventName, args: typeof args === "object" && args !== null ? { ...args } : {} };
  } catch {
    return undefined;
  }
}
