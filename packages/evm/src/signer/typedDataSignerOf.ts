import type { Address, Client, Hex, TypedData } from "viem";
import { signTypedData } from "viem/actions";
import { type EvmSigner, evmSignerAddress } from "./evmSignerOf.ts";

/** EIP-712 typed data of any type (what x402's `AuthorizerSigner` is asked to sign). */
export interface AnyTypedData {
  domain: Record<string, unknown>;
  types: TypedData;
  primaryType: string;
  message: Record<string, unknown>;
}

/** Signs EIP-712 typed data as one address; fits `@x402/evm`'s `AuthorizerSigner` as it is. */
export interface TypedDataSigner {
  readonly address: Address;
  signTypedData(typedData: AnyTypedData): Promise<Hex>;
}

/**
 * The EIP-712 signer of a role's {@link EvmSigner}: a local (KMS) account signs itself; an account the node holds
 * unlocked (anvil's dev accounts, devnet and tests only) signs through the node's `eth_signTypedData_v4` over `client`.
 *
 * @example const refundSigner = typedDataSignerOf(evmSignerOf(config.gateway.facilitatorKey, "facilitatorKey", { kms }), client);
 */
export function typedDataSignerOf(signer: EvmSigner, client: Client): TypedDataSigner {
  const address = evmSignerAddress(signer);
  return {
    address,
    signTypedData: ({ domain, types, primaryType, message }) =>
      signTypedData(client, {
        account: signer,
        domain,
        types,
        primaryType,
        message,
      }),
  };
}
