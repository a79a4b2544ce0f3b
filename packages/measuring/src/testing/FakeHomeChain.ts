import {
  type Hex,
  type HomeChain,
  keccak256,
  type ModelClock,
  pickRefundBps,
  type ReportSignature,
  type SlaReport,
  type SlaTerms,
  type SubmitReportResult,
  type TransportName,
  VerdictAlreadyPublishedError,
  VerdictAwaitsReceiptsError,
} from "@slabridge/core";
import { recoverSigner } from "../attest/ProberKey.ts";

/**
 * A home chain in memory for unit tests, with the SlaOracle's rules: a report is refused before its epoch is over
 * (by the fake's own clock) or when its refund is not what the terms pick; one verdict per (model, epoch); publishing
 * needs a recorded verdict and leaves a VerdictPublished "log".
 *
 * @example const home = new FakeHomeChain({ chainId: 31338, nowMs: () => now, models: new Map([[1n, model]]) });
 */
export class FakeHomeChain implements HomeChain {
  readonly chainId: number;
  readonly #models: ReadonlyMap<bigint, { clock: ModelClock; endpoint: string; terms: SlaTerms }>;
  /** Endpoints changed by {@link setHost}, over the listed ones. */
  readonly #hosts = new Map<bigint, string>();
  readonly #nowMs: () => number;
  readonly verdicts = new Map<string, SlaReport>();
  readonly submissions: SlaReport[] = [];
  readonly published: { modelId: bigint; epoch: bigint; dstChain: number; transport: TransportName }[] = [];
  /** Destinations whose next publish throws (then succeeds). */
  readonly failNextPublishTo = new Set<number>();
  /** Payment chains whose receipts are not all home yet: a breach verdict of a bonded model waits for them. */
  readonly receiptsIncomplete = new Set<number>();

  /** The co-signatures each recorded report was submitted with. */
  readonly cosignatures = new Map<string, readonly ReportSignature[]>();
  readonly #oracleSigners: { addresses: readonly Hex[]; threshold: number } | undefined;

  constructor(options: {
    chainId: number;
    nowMs: () => number;
    models: ReadonlyMap<bigint, { clock: ModelClock; endpoint: string; terms: SlaTerms }>;
    /** The oracle's signer set: when given, a report needs `threshold` valid signatures of distinct signers. */
    oracleSigners?: { addresses: readonly Hex[]; threshold: number };
  }) {
    this.chainId = options.chainId;
    this.#oracleSigners = options.oracleSigners;
    this.#models = options.models;
    this.#nowMs = options.nowMs;
  }

  #model(modelId: bigint) {
    const model = this.#models.get(modelId);
    if (!model) throw new Error(`UnknownModel(${modelId})`);
    return model;
  }

  async modelClock(modelId: bigint): Promise<ModelClock> {
    return this.#model(modelId).clock;
  }

  async hostOf(modelId: bigint): Promise<string> {
    return this.#hosts.get(modelId) ?? this.#model(modelId).endpoint;
  }

  /** `ModelRegistry.setHost`: the endpoint `hostOf` returns from now on (any string, as the registry accepts). */
  setHost(modelId: bigint, endpoint: string): void {
    this.#model(modelId);
    this.#hosts.set(modelId, endpoint);
  }

  async slaTermsAt(modelId: bigint, _epoch: bigint): Promise<SlaTerms> {
    return this.#model(modelId).terms;
  }

  async hasVerdict(modelId: bigint, epoch: bigint): Promise<boolean> {
    return this.verdicts.has(`${modelId}:${epoch}`);
  }

  async verdictOf(modelId: bigint, epoch: bigint): Promise<{ refundBps: number; recordedAt: bigint }> {
    const v = this.verdicts.get(`${modelId}:${epoch}`);
    return { refundBps: v?.refundBps ?? 0, recordedAt: v ? 1n : 0n };
  }

  /** Records a verdict as if another evaluator had submitted it. */
  record(report: SlaReport): void {
    this.verdicts.set(`${report.modelId}:${report.epoch}`, report);
  }

  /** A stand-in for the EIP-712 digest: keccak256 of the chain id and the report's fields. */
  async reportDigest(report: SlaReport): Promise<Hex> {
    const fields = Object.entries(report).map(([k, v]) => `${k}=${String(v)}`);
    return keccak256(new TextEncoder().encode(`fake-oracle:${this.chainId}:${fields.join(",")}`));
  }

  async submitReport(report: SlaReport, signatures?: readonly ReportSignature[]): Promise<SubmitReportResult> {
    if (this.#oracleSigners) {
      const digest = await this.reportDigest(report);
      const valid = new Set(
        (signatures ?? [])
          .filter((s) => this.#oracleSigners?.addresses.includes(s.signer.toLowerCase() as Hex))
          .filter((s) => recoverSigner(digest, s.signature) === s.signer.toLowerCase())
          .map((s) => s.signer.toLowerCase()),
      );
      if (valid.size < this.#oracleSigners.threshold) throw new Error("InsufficientSignatures");
    }
    const { clock, terms } = this.#model(report.modelId);
    const end = Number((clock.genesis + (report.epoch + 1n) * clock.epochSeconds) * 1_000n);
    if (this.#nowMs() < end) throw new Error(`EpochNotOver(${report.modelId}, ${report.epoch})`);
    if (report.refundBps !== pickRefundBps(terms, report)) throw new Error("RefundMismatch");
    if (report.sampleCount < 1 || report.uptimeBps > 10_000) throw new Error("InvalidReport");
    this.submissions.push(report);
    if (this.verdicts.has(`${report.modelId}:${report.epoch}`)) return "already-recorded";
    this.record(report);
    this.cosignatures.set(`${report.modelId}:${report.epoch}`, signatures ?? []);
    return "recorded";
  }

  async wasPublished(modelId: bigint, epoch: bigint, dstChain: number): Promise<boolean> {
    return this.published.some((p) => p.modelId === modelId && p.epoch === epoch && p.dstChain === dstChain);
  }

  async publishVerdict(modelId: bigint, epoch: bigint, dstChain: number, transport: TransportName): Promise<string> {
    if (!(await this.hasVerdict(modelId, epoch))) throw new Error(`VerdictNotRecorded(${modelId}, ${epoch})`);
    if (this.failNextPublishTo.delete(dstChain)) throw new Error(`messenger down for ${dstChain}`);
    const [incomplete] = this.receiptsIncomplete;
    if (incomplete !== undefined) throw new VerdictAwaitsReceiptsError(modelId, epoch, incomplete);
    // The oracle's once-per-messenger guard (one messenger per transport here).
    if (
      this.published.some(
        (p) => p.modelId === modelId && p.epoch === epoch && p.dstChain === dstChain && p.transport === transport,
      )
    ) {
      throw new VerdictAlreadyPublishedError(modelId, epoch, dstChain);
    }
    this.published.push({ modelId, epoch, dstChain, transport });
    return `0x${this.published.length.toString(16).padStart(64, "0")}`;
  }
}
