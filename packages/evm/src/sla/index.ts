// SLA reports on EVM: EIP-712 typed data, M-of-N signing in the oracle's order, submitReport, oracle reads.
export { buildSubmitReportTx } from "./buildSubmitReportTx.ts";
export { SlaSigningError } from "./errors.ts";
export { readRecordedVerdict } from "./readRecordedVerdict.ts";
export { SlaOracleReader } from "./SlaOracleReader.ts";
export {
  type SignedSlaReport,
  type SlaReportSigner,
  signSlaReport,
  type TypedDataWallet,
  walletClientSigner,
} from "./signSlaReport.ts";
export {
  SLA_DOMAIN_NAME,
  SLA_DOMAIN_VERSION,
  SLA_REPORT_TYPES,
  type SlaDomainTarget,
  type SlaReportTypedData,
  slaReportTypedData,
} from "./slaReportTypedData.ts";
