import {
  hostBondAbi,
  layerZeroMessengerAbi,
  modelRegistryAbi,
  slaOracleAbi,
  wormholeMessengerAbi,
} from "@slabridge/contracts";
import {
  encodeMessage,
  type HomeChain,
  type ModelClock,
  type ReportSignature,
  type SlaReport,
  type SlaTerms,
  type SubmitReportResult,
  type TransportName,
  VerdictAlreadyPublishedError,
  VerdictAwaitsReceiptsError,
} from "@slabridge/core";
import { type Address, encodeFunctionData, type Hex, hashTypedData, parseEventLogs, recoverAddress } from "viem";
import { type ReaderClient, readContractTyped } from "../contracts/readContractTyped.ts";
import { ContractRevertedError } from "../errors.ts";
import type { EvmSender } from "../sender/EvmSender.ts";
import { buildSubmitReportTx } from "../sla/buildSubmitReportTx.ts";
import { SlaSigningError } from "../sla/errors.ts";
import { type SlaReportSigner, signSlaReport } from "../sla/signSlaReport.ts";
import { slaReportTypedData } from "../sla/slaReportTypedData.ts";

/** HostBond's custom errors, to decode a revert of `SlaOracle.publishVerdict` that comes from the bond. */
const hostBondErrors = hostBondAbi.filter((item) => item.type === "error");

/** Options of {@link EvmHomeChain}. */
export interface EvmHomeChainOptions {
  chainId: number;
  client: ReaderClient;
  registry: Address;
  oracle: Address;
  messengers: Readonly<Record<TransportName, Address>>;
  /** Sends the oracle transactions (submitReport is permissionless; so is publishVerdict). */
  sender: EvmSender;
  /**
   * Keys that sign reports when `submitReport` gets no co-signatures (tests); the measuring evaluator passes none
   * and submits the probers' co-signatures instead.
   */
  signers: () => readonly SlaReportSigner[];
  /** Blocks per eth_getLogs call when looking for VerdictPublished. */
  maxBlockRange: number;
}

/**
 * {@link HomeChain} over viem: reads the registry and oracle, signs reports (EIP-712, M of N) and sends oracle
 * transactions with a nonce-safe {@link EvmSender}.
 *
 * @example const home = new EvmHomeChain({ chainId, client, registry, oracle, messengers, sender, signers, maxBlockRange: 2000 });
 */
export class EvmHomeChain implements HomeChain {
  readonly chainId: number;
  readonly #o: EvmHomeChainOptions;

  constructor(options: EvmHomeChainOptions) {
    this.chainId = options.chainId;
    this.#o = options;
  }

  async modelClock(modelId: bigint): Promise<ModelClock> {
    const core = await readContractTyped(this.#o.client, this.#o.registry, modelRegistryAbi, "coreOf", [modelId]);
    return { genesis: BigInt(core.genesis), epochSeconds: BigInt(core.epochSeconds) };
  }

  async hostOf(modelId: bigint): Promise<string> {
    const [endpoint] = await readContractTyped(this.#o.client, this.#o.registry, modelRegistryAbi, "hostOf", [modelId]);
    return endpoint;
  }

  slaTermsAt(modelId: bigint, epoch: bigint): Promise<SlaTerms> {
    return readContractTyped(this.#o.client, this.#o.registry, modelRegistryAbi, "slaTermsAt", [modelId, epoch]);
  }

  hasVerdict(modelId: bigint, epoch: bigint): Promise<boolean> {
    return readContractTyped(this.#o.client, this.#o.oracle, slaOracleAbi, "hasVerdict", [modelId, epoch]);
  }

  async verdictOf(modelId: bigint, epoch: bigint): Promise<{ refundBps: number; recordedAt: bigint }> {
    const v = await readContractTyped(this.#o.client, this.#o.oracle, slaOracleAbi, "verdictOf", [modelId, epoch]);
    return { refundBps: v.refundBps, recordedAt: BigInt(v.recordedAt) };
  }

  async reportDigest(report: SlaReport): Promise<Hex> {
    return hashTypedData(slaReportTypedData(report, { chainId: this.chainId, oracle: this.#o.oracle }));
  }

  async submitReport(report: SlaReport, cosignatures?: readonly ReportSignature[]): Promise<SubmitReportResult> {
    const signatures =
      cosignatures === undefined
        ? (await signSlaReport(report, { chainId: this.chainId, oracle: this.#o.oracle }, this.#o.signers())).signatures
        : await this.#ordered(report, cosignatures);
    try {
      const { receipt } = await this.#o.sender.send(
        buildSubmitReportTx({ oracle: this.#o.oracle, report, signatures }),
      );
      const recorded = parseEventLogs({ abi: slaOracleAbi, eventName: "VerdictRecorded", logs: receipt.logs });
      // submitReport of the very report already recorded succeeds without an event (an idempotent retry).
      return recorded.length > 0 ? "recorded" : "already-recorded";
    } catch (error) {
      if (error instanceof ContractRevertedError && error.errorName === "VerdictAlreadyRecorded") {
        return "already-recorded";
      }
      throw error;
    }
  }

  /** Co-signatures checked against the report's digest and put in the oracle's order (signer ascending as uint160). */
  async #ordered(report: SlaReport, cosignatures: readonly ReportSignature[]): Promise<Hex[]> {
    if (cosignatures.length === 0) throw new SlaSigningError("No co-signatures for the SLA report.");
    const digest = await this.reportDigest(report);
    const checked = await Promise.all(
      cosignatures.map(async ({ signer, signature }) => {
        const recovered = await recoverAddress({ hash: digest, signature });
        if (recovered.toLowerCase() !== signer.toLowerCase()) {
          throw new SlaSigningError(`A co-signature recovers to ${recovered}, not to its signer.`, { signer });
        }
        return { key: BigInt(signer), signature };
      }),
    );
    checked.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return checked.filter((c, i) => i === 0 || c.key !== checked[i - 1]?.key).map((c) => c.signature);
  }

  async wasPublished(modelId: bigint, epoch: bigint, dstChain: number): Promise<boolean> {
    const { recordedAt } = await this.verdictOf(modelId, epoch);
    if (recordedAt === 0n) return false;
    const { client, oracle, maxBlockRange } = this.#o;
    // No cached head: a publish mined a moment ago must be seen (viem caches the block number for a poll interval).
    let to = await client.getBlockNumber({ cacheTime: 0 });
    // Walk back from the head in chunks until the chunk starts before the verdict was recorded: nothing published
    // it earlier than that.
    for (;;) {
      const from = to + 1n > BigInt(maxBlockRange) ? to + 1n - BigInt(maxBlockRange) : 0n;
      const logs = await client.getContractEvents({
        address: oracle,
        abi: slaOracleAbi,
        eventName: "VerdictPublished",
        args: { modelId, epoch, dstChain },
        fromBlock: from,
        toBlock: to,
      });
      if (logs.length > 0) return true;
      if (from === 0n) return false;
      const start = await client.getBlock({ blockNumber: from });
      if (start.timestamp < recordedAt) return false;
      to = from - 1n;
    }
  }

  async publishVerdict(modelId: bigint, epoch: bigint, dstChain: number, transport: TransportName): Promise<string> {
    const { client, oracle, sender } = this.#o;
    const verdict = await readContractTyped(client, oracle, slaOracleAbi, "verdictOf", [modelId, epoch]);
    const message = encodeMessage({
      kind: "Verdict",
      modelId,
      epoch,
      refundBps: verdict.refundBps,
      reportHash: verdict.reportHash as Hex,
      // only for the quote: the oracle fills in the bond top-up, and a message has the same length whatever it is
      topUp: 0n,
    });
    const messenger = this.#o.messengers[transport];
    const fee =
      transport === "layerzero"
        ? await readContractTyped(client, messenger, layerZeroMessengerAbi, "quote", [dstChain, message])
        : await readContractTyped(client, messenger, wormholeMessengerAbi, "quote", [dstChain, message]);
    try {
      const { receipt } = await sender.send({
        to: oracle,
        data: encodeFunctionData({
          abi: slaOracleAbi,
          functionName: "publishVerdict",
          args: [modelId, epoch, dstChain, messenger],
        }),
        value: fee,
        // the oracle asks the HostBond for the chain's top-up: its errors bubble up through publishVerdict
        abi: [...slaOracleAbi, ...hostBondErrors],
      });
      return receipt.transactionHash;
    } catch (error) {
      if (error instanceof ContractRevertedError && error.errorName === "ReceiptsIncomplete") {
        const chain = error.args[2];
        throw new VerdictAwaitsReceiptsError(modelId, epoch, typeof chain === "number" ? chain : dstChain);
      }
      if (error instanceof ContractRevertedError && error.errorName === "VerdictAlreadyPublished") {
        throw new VerdictAlreadyPublishedError(modelId, epoch, dstChain);
      }
      throw error;
    }
  }
}
