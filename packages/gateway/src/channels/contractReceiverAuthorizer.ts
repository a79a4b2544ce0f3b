import type { AuthorizerSigner } from "@x402/evm";
import { getAddress } from "viem";
import { GatewayError } from "../errors/GatewayError.ts";

/**
 * Something asked the gateway to sign as a receiver contract that authorizes its own claims (slabridge's
 * SlaReceiver): there is no key to sign with. The SDK's server asks only for a buyer's cooperative refund request
 * (a `refund` payload) and in its channel manager's claim and refund jobs, which slabridge runs on chain instead.
 */
export class ReceiverContractSignsItselfError extends GatewayError {
  override readonly name = "ReceiverContractSignsItselfError" as const;
  constructor(receiver: string, primaryType: string) {
    super("The receiver contract authorizes its own claims; the gateway cannot sign for it.", {
      status: 501,
      code: "receiver_contract_authorizes_itself",
      details: `asked to sign ${primaryType} as ${receiver}`,
    });
  }
}

/**
 * The `receiverAuthorizer` of a model whose receiver is a contract that authorizes its own claims: the SDK's server
 * scheme advertises this signer's address as `extra.receiverAuthorizer` in the 402 (so every channel a buyer opens
 * names the contract), and voucher and deposit checks never ask it to sign. Signing throws
 * {@link ReceiverContractSignsItselfError}: the contract claims each epoch itself, no off-chain key stands in for it.
 *
 * @example
 * const scheme = new BatchSettlementEvmScheme(slaReceiver, { storage, receiverAuthorizerSigner: contractReceiverAuthorizer(slaReceiver) });
 */
export function contractReceiverAuthorizer(contract: `0x${string}`): AuthorizerSigner {
  const address = getAddress(contract);
  return {
    address,
    signTypedData: async ({ primaryType }) => {
      throw new ReceiverContractSignsItselfError(address, primaryType);
    },
  };
}
