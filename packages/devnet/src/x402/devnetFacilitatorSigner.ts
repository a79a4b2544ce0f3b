import { type FacilitatorEvmSigner, toFacilitatorEvmSigner } from "@x402/evm";
import { type Address, hashTypedData, isAddress, isHex, type TypedDataDomain } from "viem";
import type { DevnetClients } from "../evm/devnetClients.ts";

/**
 * The stock x402 facilitator's EVM signer over an unlocked anvil account, talking to the loopback chain only, so the
 * SDK's batch-settlement facilitator can relay deposits and claims on a devnet chain.
 *
 * @example const facilitator = new BatchSettlementEvmScheme(devnetFacilitatorSigner(clients, relayer), receiverAuthorizer);
 */
export function devnetFacilitatorSigner(clients: DevnetClients, address: Address): FacilitatorEvmSigner {
  const wallet = clients.wallet(address);
  const chain = clients.publicClient;
  return toFacilitatorEvmSigner({
    address,
    readContract: (args) => chain.readContract({ ...args, args: args.args ?? [] }),
    // verifyHash of the typed-data digest checks ECDSA and EIP-1271 signers alike, as verifyTypedData would.
    verifyTypedData: ({ address: signer, domain, types, primaryType, message, signature }) =>
      chain.verifyHash({
        address: signer,
        hash: hashTypedData({ domain: typedDataDomain(domain), types, primaryType, message }),
        signature,
      }),
    writeContract: (args) => wallet.writeContract({ ...args }),
    sendTransaction: (args) => wallet.sendTransaction(args),
    waitForTransactionReceipt: (args) => chain.waitForTransactionReceipt(args),
    getCode: (args) => chain.getCode(args),
  });
}

// The SDK types the EIP-712 domain loosely (a record of unknown); viem wants it typed, so it is checked field by field.
function typedDataDomain(domain: Record<string, unknown>): TypedDataDomain {
  const { name, version, chainId, verifyingContract, salt } = domain;
  return {
    ...(typeof name === "string" ? { name } : {}),
    ...(typeof version === "string" ? { version } : {}),
    ...(typeof chainId === "number" || typeof chainId === "bigint" ? { chainId } : {}),
    ...(typeof verifyingContract === "string" && isAddress(verifyingContract) ? { verifyingContract } : {}),
    ...(typeof salt === "string" && isHex(salt) ? { salt } : {}),
  };
}
