import { slaOracleAbi } from "@slabridge/contracts";
import type { SlaReport } from "@slabridge/core";
import type { Address, Hex } from "viem";
import { type ReaderClient, readContractTyped } from "../contracts/readContractTyped.ts";

/**
 * Typed reads of the SlaOracle (errors translated once).
 *
 * @example
 * ```ts
 * const oracle = new SlaOracleReader(homeClient, manifestHome.contracts.slaOracle);
 * if (!(await oracle.hasVerdict(1n, 7n))) await submit();
 * ```
 */
export class SlaOracleReader {
  constructor(
    private readonly client: ReaderClient,
    readonly address: Address,
  ) {}

  /** The EIP-712 digest the probers sign for `report` (`reportHash` once recorded). */
  hashReport(report: SlaReport): Promise<Hex> {
    return readContractTyped(this.client, this.address, slaOracleAbi, "hashReport", [report]);
  }

  /** The verdict of (modelId, epoch); `recordedAt === 0n` when there is none. */
  verdictOf(modelId: bigint, epoch: bigint) {
    return readContractTyped(this.client, this.address, slaOracleAbi, "verdictOf", [modelId, epoch]);
  }

  /** Whether (modelId, epoch) has a verdict. */
  hasVerdict(modelId: bigint, epoch: bigint): Promise<boolean> {
    return readContractTyped(this.client, this.address, slaOracleAbi, "hasVerdict", [modelId, epoch]);
  }

  /** The current prober signers and threshold M. */
  async signerSet(): Promise<{ signers: readonly Address[]; threshold: bigint }> {
    const [signers, threshold] = await Promise.all([
      readContractTyped(this.client, this.address, slaOracleAbi, "signers", []),
      readContractTyped(this.client, this.address, slaOracleAbi, "threshold", []),
    ]);
    return { signers, threshold };
  }
}
