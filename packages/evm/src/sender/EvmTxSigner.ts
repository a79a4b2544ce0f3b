import {
  type Address,
  type Chain,
  createWalletClient,
  custom,
  type Hex,
  numberToHex,
  type PublicClient,
  type TransactionSerializableEIP1559,
  type Transport,
} from "viem";

/**
 * What {@link EvmSender} needs of a key: its address, and a signed raw transaction for a fully specified EIP-1559
 * transaction (no broadcast). A viem `LocalAccount` (`privateKeyToAccount`, `kmsEvmAccount`) is one as it is.
 * Signing apart from broadcasting is what lets the sender know (and record) a transaction's hash before the node
 * sees it.
 *
 * @example
 * ```ts
 * const signer: EvmTxSigner = privateKeyToAccount(key);
 * const raw = await signer.signTransaction({ chainId, type: "eip1559", to, data, nonce, gas, maxFeePerGas, maxPriorityFeePerGas });
 * ```
 */
export interface EvmTxSigner {
  readonly address: Address;
  signTransaction(transaction: TransactionSerializableEIP1559): Promise<Hex>;
}

/**
 * A signer for an account the node holds unlocked (anvil's dev accounts): the node signs with `eth_signTransaction`
 * and broadcasts nothing, so the sender still knows the hash before broadcasting the raw transaction itself. For
 * the devnet and tests only: production keys are local or KMS signers.
 *
 * @example
 * ```ts
 * const signer = nodeAccountSigner(client, "0xf39F...2266");
 * const raw = await signer.signTransaction(tx);
 * ```
 */
export function nodeAccountSigner(client: PublicClient<Transport, Chain>, address: Address): EvmTxSigner {
  const wallet = createWalletClient({ chain: client.chain, transport: custom({ request: client.request }) });
  return {
    address,
    async signTransaction(tx) {
      return await wallet.request({
        method: "eth_signTransaction",
        params: [
          {
            from: address,
            type: "0x2",
            chainId: numberToHex(tx.chainId),
            ...(tx.to === undefined || tx.to === null ? {} : { to: tx.to }),
            ...(tx.data === undefined ? {} : { data: tx.data }),
            ...(tx.value === undefined ? {} : { value: numberToHex(tx.value) }),
            ...(tx.gas === undefined ? {} : { gas: numberToHex(tx.gas) }),
            ...(tx.nonce === undefined ? {} : { nonce: numberToHex(tx.nonce) }),
            ...(tx.maxFeePerGas === undefined ? {} : { maxFeePerGas: numberToHex(tx.maxFeePerGas) }),
            ...(tx.maxPriorityFeePerGas === undefined
              ? {}
              : { maxPriorityFeePerGas: numberToHex(tx.maxPriorityFeePerGas) }),
          },
        ],
      });
    },
  };
}
