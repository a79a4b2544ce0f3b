import type { Hex } from "../hex/hex.ts";
import { keccak256 } from "../hex/keccak256.ts";
import { InvalidSlaInputError } from "./errors.ts";

const utf8 = new TextEncoder();

/** Where sample sets are trusted: the home chain and its SlaOracle, so a signature is worth nothing elsewhere. */
export interface SampleSetDomain {
  readonly chainId: number;
  /** The SlaOracle's address (0x + 40 hex). */
  readonly verifier: Hex;
}

/** One vantage point's samples of one model in one round, as it signs them. */
export interface SampleSetClaim {
  readonly modelId: bigint;
  readonly epoch: bigint;
  /** The round's scheduled start, unix ms. */
  readonly round: number;
  readonly vantage: string;
  /** `samplesRoot(modelId, samples)` of the set. */
  readonly samplesRoot: Hex;
}

/** The type string whose hash starts every digest (domain separation from reports and any other signed data). */
export const SAMPLE_SET_TYPE =
  "slabridge.SampleSet.v1(uint256 chainId,address verifier,uint256 modelId,uint64 epoch,uint64 round,string vantage,bytes32 samplesRoot)";
const TYPE_HASH = keccak256(utf8.encode(SAMPLE_SET_TYPE)).slice(2);

function word(value: bigint): string {
  return value.toString(16).padStart(64, "0");
}

/**
 * The 32-byte digest a vantage point signs over one of its sample sets:
 * `keccak256(abi.encode(keccak256(SAMPLE_SET_TYPE), chainId, verifier, modelId, epoch, round, keccak256(vantage),
 * samplesRoot))`. Anyone can recompute it from a published set and recover the signer (secp256k1, the key's
 * Ethereum address), so a set stands on its vantage point's key alone, not on whoever stored or forwarded it.
 *
 * @throws {InvalidSlaInputError} on an out-of-range field or a malformed address/root.
 * @example
 * const digest = sampleSetDigest({ chainId: 31338, verifier: oracle },
 *   { modelId: 2n, epoch: 7n, round: 1767225600000, vantage: "local-1", samplesRoot: root });
 */
export function sampleSetDigest(domain: SampleSetDomain, claim: SampleSetClaim): Hex {
  if (!Number.isSafeInteger(domain.chainId) || domain.chainId <= 0) {
    throw new InvalidSlaInputError("domain.chainId", `${domain.chainId} is not a chain id`);
  }
  if (!/^0x[0-9a-fA-F]{40}$/.test(domain.verifier)) throw new InvalidSlaInputError("domain.verifier", "not an address");
  if (!/^0x[0-9a-fA-F]{64}$/.test(claim.samplesRoot)) throw new InvalidSlaInputError("samplesRoot", "not a bytes32");
  if (claim.modelId < 0n || claim.modelId >= 1n << 256n) throw new InvalidSlaInputError("modelId", "not a uint256");
  if (claim.epoch < 0n || claim.epoch >= 1n << 64n) throw new InvalidSlaInputError("epoch", "not a uint64");
  if (!Number.isSafeInteger(claim.round) || claim.round < 0) throw new InvalidSlaInputError("round", "not a uint64");
  const encoded = `0x${TYPE_HASH}${word(BigInt(domain.chainId))}${word(BigInt(domain.verifier))}${word(
    claim.modelId,
  )}${word(claim.epoch)}${word(BigInt(claim.round))}${keccak256(utf8.encode(claim.vantage)).slice(2)}${claim.samplesRoot
    .slice(2)
    .toLowerCase()}` as Hex;
  return keccak256(encoded);
}
