import type {
  Network,
  PaymentPayload,
  PaymentRequirements,
  SchemeNetworkFacilitator,
  SettleResponse,
  VerifyResponse,
} from "@x402/core/types";
import { SVM_BATCH_SCHEME } from "./svmPayload.ts";

/** The reason a facilitator gives when an SVM voucher reaches it. */
export const SVM_VOUCHERS_VERIFIED_BY_RESOURCE_SERVER = "svm_vouchers_verified_by_resource_server";

/**
 * What a facilitator registers so resource servers see `batch-settlement` on `solana:*` as supported (the SDK builds
 * payment requirements only for supported kinds). Vouchers never reach it: `SlabridgeSvmBatchServerScheme` verifies
 * and charges them locally in its hooks, and the money moves at epoch end by the vault multisig's delegated pulls
 * (`claimSolanaVouchers`), not per call. So `verify` and `settle` refuse, and say why.
 *
 * @example new x402Facilitator().register("solana:devnet", new SlabridgeSvmBatchFacilitatorScheme())
 */
export class SlabridgeSvmBatchFacilitatorScheme implements SchemeNetworkFacilitator {
  readonly scheme = SVM_BATCH_SCHEME;
  readonly caipFamily = "solana:*";

  /** @example scheme.getExtra("solana:devnet") // undefined */
  getExtra(_network: Network): Record<string, unknown> | undefined {
    return undefined;
  }

  /** @example scheme.getSigners("solana:devnet") // [] */
  getSigners(_network: string): string[] {
    return [];
  }

  /** @example await scheme.verify(payload, requirements) // { isValid: false, invalidReason: "svm_vouchers_verified_by_resource_server" } */
  async verify(_payload: PaymentPayload, _requirements: PaymentRequirements): Promise<VerifyResponse> {
    return { isValid: false, invalidReason: SVM_VOUCHERS_VERIFIED_BY_RESOURCE_SERVER };
  }

  /** @example await scheme.settle(payload, requirements) // { success: false, ... } */
  async settle(_payload: PaymentPayload, requirements: PaymentRequirements): Promise<SettleResponse> {
    return {
      success: false,
      errorReason: SVM_VOUCHERS_VERIFIED_BY_RESOURCE_SERVER,
      transaction: "",
      network: requirements.network,
    };
  }
}
