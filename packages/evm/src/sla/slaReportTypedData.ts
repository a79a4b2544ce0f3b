import type { SlaReport } from "@slabridge/core";
import type { Address, TypedDataDefinition } from "viem";

/** EIP-712 domain name of the SlaOracle (its `EIP712("slabridge SLA", "1")` constructor). */
export const SLA_DOMAIN_NAME = "slabridge SLA";
/** EIP-712 domain version of the SlaOracle. */
export const SLA_DOMAIN_VERSION = "1";

/**
 * The Report type, fields in `REPORT_TYPEHASH` order (SlaOracle.sol): order is part of the hash, do not sort.
 */
export const SLA_REPORT_TYPES = {
  Report: [
    { name: "modelId", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "p50Ms", type: "uint32" },
    { name: "p95Ms", type: "uint32" },
    { name: "p99Ms", type: "uint32" },
    { name: "uptimeBps", type: "uint16" },
    { name: "sampleCount", type: "uint32" },
    { name: "samplesRoot", type: "bytes32" },
    { name: "receiptCount", type: "uint32" },
    { name: "receiptsRoot", type: "bytes32" },
    { name: "refundBps", type: "uint16" },
  ],
} as const;

/** Where a report is verified: the home chain and its SlaOracle (both are in the signed domain). */
export interface SlaDomainTarget {
  chainId: number;
  oracle: Address;
}

/** The typed data of a report, for `signTypedData` / `hashTypedData`. */
export type SlaReportTypedData = TypedDataDefinition<typeof SLA_REPORT_TYPES, "Report">;

/**
 * The EIP-712 typed data probers sign for `report`: domain `{ name: "slabridge SLA", version: "1", chainId,
 * verifyingContract: oracle }`, primary type `Report`. `hashTypedData` of it equals `SlaOracle.hashReport(report)`,
 * the digest the oracle verifies and records as `reportHash`.
 *
 * @example
 * ```ts
 * const typedData = slaReportTypedData(report, { chainId: 31338, oracle });
 * const signature = await account.signTypedData(typedData);
 * hashTypedData(typedData) === (await oracle.read.hashReport([report])); // true
 * ```
 */
export function slaReportTypedData(report: SlaReport, target: SlaDomainTarget): SlaReportTypedData {
  return {
    domain: {
      name: SLA_DOMAIN_NAME,
      version: SLA_DOMAIN_VERSION,
      chainId: target.chainId,
      verifyingContract: target.oracle,
    },
    types: SLA_REPORT_TYPES,
    primaryType: "Report",
    message: {
      modelId: report.modelId,
      epoch: report.epoch,
      p50Ms: report.p50Ms,
      p95Ms: report.p95Ms,
      p99Ms: report.p99Ms,
      uptimeBps: report.uptimeBps,
      sampleCount: report.sampleCount,
      samplesRoot: report.samplesRoot,
      receiptCount: report.receiptCount,
      receiptsRoot: report.receiptsRoot,
      refundBps: report.refundBps,
    },
  };
}
