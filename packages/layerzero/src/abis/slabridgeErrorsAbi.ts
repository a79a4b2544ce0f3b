import { escrowAbi, layerZeroMessengerAbi, revenueLedgerAbi } from "@slabridge/contracts";
import type { Abi } from "viem";
import { formatAbiItem } from "viem/utils";
import { endpointV2Abi } from "./endpointV2Abi.ts";
import { receiveUln302Abi } from "./receiveUln302Abi.ts";

type AbiError = Extract<Abi[number], { type: "error" }>;

function errorsOf(abis: readonly Abi[]): AbiError[] {
  const seen = new Map<string, AbiError>();
  for (const abi of abis) {
    for (const item of abi) {
      // The same error (e.g. MessageCodec's, OpenZeppelin's) appears in several ABIs; keep one per signature.
      if (item.type === "error") seen.set(formatAbiItem(item), item);
    }
  }
  return [...seen.values()];
}

/**
 * Every error a LayerZero delivery to slabridge can revert with: EndpointV2, ReceiveUln302, the OApp/messenger
 * (`OnlyPeer`, `NoPeer`, `UntrustedPeer`, ...), the escrow and the revenue ledger (which carry MessageCodec's errors).
 *
 * @example
 * ```ts
 * decodeErrorResult({ abi: slabridgeErrorsAbi, data: revertData }).errorName; // "OnlyPeer"
 * ```
 */
export const slabridgeErrorsAbi: readonly AbiError[] = errorsOf([
  endpointV2Abi,
  receiveUln302Abi,
  layerZeroMessengerAbi,
  escrowAbi,
  revenueLedgerAbi,
]);
