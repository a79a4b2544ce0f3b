import type { KMSClient } from "@aws-sdk/client-kms";
import {
  type ChainNetting,
  type DeploymentManifest,
  type EvmChainManifest,
  InvalidNettingRoundError,
  type KeyReference,
} from "@slabridge/core";
import { getAddress } from "viem";
import type { EpochBooks } from "../contracts/EpochBook.ts";
import type { EvmChainClient } from "../createEvmChainClient.ts";
import { EvmConfigError } from "../errors.ts";
import type { EvmSender } from "../sender/EvmSender.ts";
import { type EvmSigner, evmSignerAddress, evmSignerOf } from "../signer/evmSignerOf.ts";
import { EvmNettingVault } from "./EvmNettingVault.ts";
import { readEscrowNettingStatus } from "./readEscrowNettingStatus.ts";
import { evmAccountOf } from "./readRoundReleases.ts";

/** Options of {@link evmChainNetting}. */
export interface EvmChainNettingOptions {
  chain: EvmChainManifest;
  client: EvmChainClient;
  /** The chain's books (escrow, SLA receivers): a model's epoch record says where netting stands. */
  books: EpochBooks;
  /** The manifest's netting vaults (`keys.nettingVaults`): this chain's entry with a key is its step vault. */
  nettingVaults: DeploymentManifest["keys"]["nettingVaults"];
  /** The sender of a key on this chain (the process's one per key: `EvmSenderRegistry`); the vault sends with it. */
  sender(account: EvmSigner): EvmSender;
  /** Signs with a vault's `kms` key (absent on the devnet, whose vault keys are anvil accounts). */
  kms?: KMSClient | undefined;
}

/**
 * An EVM chain's part in netting: payees are EVM addresses (lower-case), the model's book's epoch record is its status
 * and epoch count, and its netting vault (the manifest's `keys.nettingVaults` entry for the chain, with its key:
 * an anvil dev account on the devnet, a KMS key in AWS) is driven step by step by the round.
 *
 * @example
 * const sender = (account: EvmSigner) => processEvmSenders.sender({ client, account, nonceStore });
 * const netting = evmChainNetting({ chain, client, books: new EpochBooks(client, chain.contracts), nettingVaults, sender });
 * const vault = netting.stepVault?.()?.open(await client.getBlockNumber());
 */
export function evmChainNetting(options: EvmChainNettingOptions): ChainNetting {
  const { chain, client, books } = options;
  const chainId = chain.chainId;
  return {
    chainId,
    paysOwnPayees: false,
    account: (registryAccount) => evmAccountOf(chainId, registryAccount),
    ...(books.any
      ? {
          currentEpoch: async (modelId: bigint) => {
            const book = books.of(modelId);
            // A model nothing books here has no epochs on this chain.
            return book ? await book.currentEpoch(modelId) : 0n;
          },
        }
      : {}),
    status: async (modelId, epoch) => {
      const book = books.of(modelId);
      return book ? await readEscrowNettingStatus(book, chainId, modelId, epoch) : undefined;
    },
    stepVault() {
      const entry = (options.nettingVaults ?? []).find((vault) => vault.chainId === chainId);
      if (!entry?.key) return undefined;
      const signer = nettingSignerOf(entry.key, `nettingVaults[${chainId}]`, options.kms);
      const account = getAddress(evmSignerAddress(signer));
      // The key must be the account the registry pays (its `nettingVault[chain]`), or the vault could not pay out.
      if (BigInt(entry.account) !== BigInt(account)) {
        throw new InvalidNettingRoundError(`the netting vault key of chain ${chainId} is not its account`);
      }
      const sender = options.sender(signer);
      return {
        account,
        blockNumber: () => client.getBlockNumber(),
        open: (fromBlock) =>
          new EvmNettingVault({ chainId, client, token: chain.stablecoin.address, sender, fromBlock }),
      };
    },
  };
}

/**
 * The signer of a netting role's key (a vault, or the bridge legs' DVN and executor); a key the build cannot sign with
 * is the round's typed config error, naming the role (never the key).
 *
 * @example const vault = nettingSignerOf(manifest.keys.layerZeroDvn, "layerZeroDvn", kms);
 */
export function nettingSignerOf(ref: KeyReference, role: string, kms: KMSClient | undefined): EvmSigner {
  try {
    return evmSignerOf(ref, role, { kms });
  } catch (error) {
    if (error instanceof EvmConfigError) throw new InvalidNettingRoundError(error.shortMessage);
    throw error;
  }
}
