import { slaOracleAbi } from "@slabridge/contracts";
import type { SlaReport } from "@slabridge/core";
import { type Address, encodeFunctionData, type Hex } from "viem";
import type { EvmTxRequest } from "../sender/EvmSender.ts";

/**
 * `SlaOracle.submitReport(report, signatures)`: records the verdict of (modelId, epoch). Submitting the same report
 * again succeeds as a no-op (returns false), so a retrying bot is safe; a different report for a recorded epoch
 * reverts VerdictAlreadyRecorded. Reverts decode by name through `slaOracleAbi` (carried as `abi`).
 *
 * @example
 * ```ts
 * const { signatures } = await signSlaReport(report, { chainId, oracle }, signers);
 * await sender.send(buildSubmitReportTx({ oracle, report, signatures }));
 * ```
 */
export function buildSubmitReportTx(p: {
  oracle: Address;
  report: SlaReport;
  signatures: readonly Hex[];
}): EvmTxRequest & { data: Hex; value: bigint } {
  return {
    to: p.oracle,
    data: encodeFunctionData({ abi: slaOracleAbi, functionName: "submitReport", args: [p.report, p.signatures] }),
    value: 0n,
    abi: slaOracleAbi,
  };
}
