import {
  type ChainNetting,
  type DeploymentManifest,
  type EvmChainManifest,
  InvalidNettingRoundError,
} from "@slabridge/core";
import { type Address, getAddress } from "viem";
import type { EpochBooks } from "../contracts/EpochBook.ts";
import type { EvmChainClient } from "../createEvmChainClient.ts";
import type { EvmSender } from "../sender/EvmSender.ts";
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
  sender(account: Address): EvmSender;
}

/**
 * An EVM chain's part in netting: payees are EVM addresses (lower-case), the model's book's epoch record is its status
 * and epoch count, and its netting vault (the manifest's `keys.nettingVaults` entry for the chain, with its key:
 * an anvil dev account on the devnet, KMS later) is driven step by step by the round.
 *
 * @example
 * const sender = (account: Address) => processEvmSenders.sender({ client, account, nonceStore });
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
      const account = keyAddress(entry.key, `nettingVaults[${chainId}]`);
      // The key must be the account the registry pays (its `nettingVault[chain]`), or the vault could not pay out.
      if (BigInt(entry.account) !== BigInt(account)) {
        throw new InvalidNettingRoundError(`the netting vault key of chain ${chainId} is not its account`);
      }
      const sender = options.sender(account);
      return {
        account,
        blockNumber: () => client.getBlockNumber(),
        open: (fromBlock) =>
          new EvmNettingVault({ chainId, client, token: chain.stablecoin.address, sender, fromBlock }),
      };
    },
  };
}

function keyAddress(ref: DeploymentManifest["keys"]["deployer"], role: string): Address {
  if (ref.kind === "anvil-dev-account") return getAddress(ref.address);
  throw new InvalidNettingRoundError(`${role}: ${ref.kind} keys are not supported by netting yet (KMS comes later)`);
}
