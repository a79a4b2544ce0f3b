import type { SlabridgeMemo } from "./slabridgeMemo.ts";

/**
 * Writes the canonical text of a slabridge memo; `parseSlabridgeMemo(formatSlabridgeMemo(m))` returns `m`.
 * The refund, payout and net texts are also the idempotency keys `findVaultOutflow` looks for, so never vary them.
 *
 * @example
 * ```ts
 * formatSlabridgeMemo({ kind: "refund", modelId: 1n, epoch: 4n, paymentId });
 * // "slabridge:v1:refund:model=1:epoch=4:payment=0x…"
 * ```
 */
export function formatSlabridgeMemo(memo: SlabridgeMemo): string {
  switch (memo.kind) {
    case "pay":
      return memo.epoch === undefined
        ? `slabridge:v1:pay:model=${memo.modelId}:ref=${memo.ref.toLowerCase()}`
        : `slabridge:v1:pay:model=${memo.modelId}:epoch=${memo.epoch}:ref=${memo.ref.toLowerCase()}`;
    case "refund":
      return `slabridge:v1:refund:model=${memo.modelId}:epoch=${memo.epoch}:payment=${memo.paymentId.toLowerCase()}`;
    case "return":
      return `slabridge:v1:return:deposit=${memo.depositId.toLowerCase()}`;
    case "credit":
      return `slabridge:v1:credit:model=${memo.modelId}:epoch=${memo.epoch}:payment=${memo.paymentId.toLowerCase()}`;
    case "payout":
      return `slabridge:v1:payout:model=${memo.modelId}:epoch=${memo.epoch}:index=${memo.index}`;
    case "void":
      return `slabridge:v1:void:model=${memo.modelId}:epoch=${memo.epoch}`;
    case "net":
      return `slabridge:v1:net:model=${memo.modelId}:epoch=${memo.epoch}:account=${memo.account}`;
  }
}
