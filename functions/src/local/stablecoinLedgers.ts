import {
  type DeploymentManifest,
  manifestRpcUrlOf,
  SlabridgeError,
  type StablecoinLedgerReader,
} from "@slabridge/core";
import { EvmStablecoinLedgerReader, evmChainsOf } from "@slabridge/evm";
import { SolanaStablecoinLedgerReader } from "@slabridge/solana";
import { Connection } from "@solana/web3.js";
import type { PublicClient } from "viem";

/**
 * The stablecoin ledger reader of every chain of the manifest, in manifest order: the one place the main job picks a
 * chain family. An EVM chain without a client is left out.
 *
 * @example const ledgers = stablecoinLedgers(devnet.manifest, bot.world.clients);
 */
export function stablecoinLedgers(
  manifest: Pick<DeploymentManifest, "chains">,
  clients: ReadonlyMap<number, PublicClient>,
): StablecoinLedgerReader[] {
  const chainIdOfEid = new Map(evmChainsOf(manifest).map((chain) => [chain.layerZero.eid, chain.chainId]));
  const readers: StablecoinLedgerReader[] = [];
  for (const chain of manifest.chains) {
    switch (chain.family) {
      case "evm": {
        const client = clients.get(chain.chainId);
        if (!client) break;
        const { escrow } = chain.contracts;
        readers.push(
          new EvmStablecoinLedgerReader({
            chainId: chain.chainId,
            client,
            token: chain.stablecoin.address,
            chainIdOfEid,
            custodians: escrow ? [escrow] : [],
          }),
        );
        break;
      }
      case "solana":
        readers.push(
          new SolanaStablecoinLedgerReader({
            chainId: chain.chainId,
            connection: new Connection(manifestRpcUrlOf(chain), "confirmed"),
            mint: chain.mint,
            vault: chain.vault,
          }),
        );
        break;
      default:
        throw new UnknownChainFamilyError(chain);
    }
  }
  return readers;
}

/** A manifest chain of a family the main job has no ledger reader for (the switch above is exhaustive). */
class UnknownChainFamilyError extends SlabridgeError {
  override name = "UnknownChainFamilyError";
  constructor(chain: never) {
    super(`no stablecoin ledger reader for chain ${JSON.stringify(chain)}`);
  }
}
