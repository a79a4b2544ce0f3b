import { type CursorStore, type Hex, SlabridgeError, type VerdictSource } from "@slabridge/core";
import {
  formatVaaId,
  type GuardianSet,
  parseVaaId,
  splitVaa,
  type VaaId,
  VaaNotYetAvailableError,
  verifyVaaForSolana,
} from "@slabridge/wormhole";
import { leftPad32 } from "./hexParts.ts";

/** A home-chain verdict for Solana, taken from a VAA that passed every check. */
export interface SolanaVerdict {
  modelId: bigint;
  epoch: bigint;
  refundBps: number;
  reportHash: Hex;
  /** The host bond's top-up for Solana's buyers of the epoch (base units), shared on top of their refunds. */
  topUp: bigint;
  /** `chain/emitter/sequence` of the VAA it came from. */
  vaaId: string;
  /** keccak256(keccak256(body)) of that VAA. */
  vaaHash: Hex;
}

/** The home chain's Wormhole identity: the only emitter whose verdicts Solana acts on. */
export interface HomeWormholeEmitter {
  /** Wormhole chain id of the home chain. */
  wormholeChainId: number;
  /** The home chain's WormholeMessenger (the SlaOracle publishes verdicts through it). */
  messenger: Hex;
}

/** A verified VAA that is not a verdict for the (model, epoch) it was recorded for. Never retryable. */
export class SolanaVerdictMismatchError extends SlabridgeError {
  override readonly name = "SolanaVerdictMismatchError" as const;
  constructor(reason: string) {
    super(reason, { retryable: false });
  }
}

/**
 * Verifies a VAA addressed to Solana as a verdict: signed by a quorum of `guardianSet`, emitted by the home chain's
 * WormholeMessenger, naming SOLANA_CHAIN_ID, and carrying a Verdict message (core codec). Everything settlement uses
 * (the refund share and the bond top-up above all) comes out of the verified bytes.
 *
 * @throws {ForgedVaaError | UntrustedEmitterError | WrongDestinationError | MalformedPayloadError | SolanaVerdictMismatchError}
 * @example
 * ```ts
 * const verdict = await verifySolanaVerdict(bytes, { guardianSet, home: { wormholeChainId: 10003, messenger } });
 * verdict.refundBps; // 2500
 * verdict.topUp; // 0n unless the host's bond was slashed for the epoch
 * ```
 */
export async function verifySolanaVerdict(
  bytes: Uint8Array,
  options: { guardianSet: GuardianSet; home: HomeWormholeEmitter },
): Promise<SolanaVerdict> {
  const verified = await verifyVaaForSolana(bytes, {
    guardianSet: options.guardianSet,
    allowedEmitters: new Map([[options.home.wormholeChainId, leftPad32(options.home.messenger)]]),
  });
  const { message } = verified;
  if (message.kind !== "Verdict") {
    throw new SolanaVerdictMismatchError(`the VAA carries a ${message.kind}, not a Verdict`);
  }
  return {
    modelId: message.modelId,
    epoch: message.epoch,
    refundBps: message.refundBps,
    reportHash: message.reportHash,
    topUp: message.topUp,
    vaaId: formatVaaId({
      chain: verified.emitterChain,
      emitter: verified.emitter.slice(2),
      sequence: verified.sequence,
    }),
    vaaHash: verified.hash,
  };
}

/** Options of {@link SolanaVerdictSource}. */
export interface SolanaVerdictSourceOptions {
  cursors: CursorStore;
  guardian: { getSignedVaa(id: VaaId, options?: { maxAttempts?: number }): Promise<Uint8Array> };
  /** The guardian sets the home chain's core accepts (a `GuardianSetCache` on the home chain). */
  guardianSets: { forIndex(index: number): Promise<GuardianSet> };
  home: HomeWormholeEmitter;
}

/**
 * Where Solana learns verdicts. No Wormhole program runs on Solana here, so a verdict is consumed at the message
 * level: the home watcher records which VAA carries the verdict of (model, epoch) for Solana ({@link record}, a
 * pointer in the CursorStore at `solana:verdict:<model>:<epoch>`, first one wins), and {@link verified} fetches
 * that VAA from the guardian API and verifies it each time it is asked (cached once verified), so nothing but
 * guardian-signed bytes from the home messenger ever decides a refund.
 *
 * @example
 * ```ts
 * await verdicts.record(2n, 41n, "10003/0000…/7");
 * const verdict = await verdicts.verified(2n, 41n); // undefined until the VAA is signed
 * ```
 */
export class SolanaVerdictSource implements VerdictSource<SolanaVerdict> {
  readonly #o: SolanaVerdictSourceOptions;
  readonly #cache = new Map<string, SolanaVerdict>();

  constructor(options: SolanaVerdictSourceOptions) {
    this.#o = options;
  }

  /** Records that VAA `vaaId` carries the verdict of (model, epoch) for Solana; an earlier record stays. */
  async record(modelId: bigint, epoch: bigint, vaaId: string): Promise<"recorded" | "exists"> {
    const { sequence } = parseVaaId(vaaId);
    const id = pointerId(modelId, epoch);
    if (await this.#o.cursors.get(id)) return "exists";
    const moved = await this.#o.cursors.advance({ id, block: sequence, blockHash: vaaId, version: 1 }, undefined);
    return moved ? "recorded" : "exists";
  }

  /**
   * The verified verdict of (model, epoch) for Solana, or undefined while none is recorded or its VAA is not signed
   * yet. A recorded VAA that fails verification, or verifies as another message, throws (never retryable).
   */
  async verified(modelId: bigint, epoch: bigint): Promise<SolanaVerdict | undefined> {
    const key = pointerId(modelId, epoch);
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const pointer = await this.#o.cursors.get(key);
    if (!pointer) return undefined;
    let bytes: Uint8Array;
    try {
      bytes = await this.#o.guardian.getSignedVaa(parseVaaId(pointer.blockHash), { maxAttempts: 1 });
    } catch (error) {
      if (error instanceof VaaNotYetAvailableError) return undefined;
      throw error;
    }
    const guardianSet = await this.#o.guardianSets.forIndex(splitVaa(bytes)?.guardianSetIndex ?? 0);
    const verdict = await verifySolanaVerdict(bytes, { guardianSet, home: this.#o.home });
    if (verdict.modelId !== modelId || verdict.epoch !== epoch) {
      throw new SolanaVerdictMismatchError(
        `VAA ${pointer.blockHash} is the verdict of (${verdict.modelId}, ${verdict.epoch}), not (${modelId}, ${epoch})`,
      );
    }
    this.#cache.set(key, verdict);
    return verdict;
  }
}

function pointerId(modelId: bigint, epoch: bigint): string {
  return `solana:verdict:${modelId}:${epoch}`;
}
