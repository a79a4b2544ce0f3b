import { modelRegistryAbi } from "@slabridge/contracts";
import type { Clock, DeploymentManifest, SolanaChainManifest } from "@slabridge/core";
import { evmChainsOf } from "@slabridge/evm";
import { SolanaSender, type SplitEntry } from "@slabridge/solana";
import { type GuardianApiClient, GuardianSetCache } from "@slabridge/wormhole";
import { Connection, PublicKey } from "@solana/web3.js";
import type { Address, PublicClient } from "viem";
import type { RelayStores } from "./buildRelayWorld.ts";
import { SolanaSettlementTarget } from "./SolanaSettlementTarget.ts";
import { SolanaVerdictSource } from "./SolanaVerdictSource.ts";
import { solanaOperatorSigners } from "./solanaOperatorSigners.ts";
import { vaultScanCursorId } from "./watchSolanaVault.ts";

/** Inputs of {@link buildSolanaSettlement}. */
export interface BuildSolanaSettlementOptions {
  manifest: DeploymentManifest;
  solana: SolanaChainManifest;
  /** The Solana RPC URL; without it there is a verdict source but no settlement target. */
  rpcUrl: string | undefined;
  homeClient: PublicClient;
  guardian: GuardianApiClient;
  stores: RelayStores;
  clock: Clock;
  finalityLagMs: number;
}

/**
 * The Solana half of the composition root: the verdict source (home WormholeMessenger as the only trusted emitter,
 * guardian sets read from the home chain's core) and, when the Solana RPC URL and the operator keys are at hand,
 * the settlement target paying refunds and payouts out of the vault with `threshold` operators (the first one
 * pays the fees).
 *
 * @example const { verdicts, target } = buildSolanaSettlement({ manifest, solana, rpcUrl, homeClient, guardian, stores, clock, finalityLagMs: 0 });
 */
export function buildSolanaSettlement(options: BuildSolanaSettlementOptions): {
  verdicts: SolanaVerdictSource;
  target: SolanaSettlementTarget | undefined;
} {
  const { manifest, solana } = options;
  const home = evmChainsOf(manifest).find((chain) => chain.chainId === manifest.homeChainId);
  if (!home) throw new Error("the manifest has no home chain");
  const verdicts = new SolanaVerdictSource({
    cursors: options.stores.cursors,
    guardian: options.guardian,
    guardianSets: new GuardianSetCache({
      client: options.homeClient,
      chainId: home.chainId,
      core: home.wormhole.core as Address,
    }),
    home: { wormholeChainId: home.wormhole.chainId, messenger: home.contracts.wormholeMessenger as Address },
  });
  const operators = solanaOperatorSigners(solana);
  const [feePayer] = operators ?? [];
  const registry = home.contracts.modelRegistry;
  if (!options.rpcUrl || !operators || !feePayer || !registry) return { verdicts, target: undefined };
  const connection = new Connection(options.rpcUrl, { commitment: "confirmed", disableRetryOnRateLimit: true });
  const target = new SolanaSettlementTarget({
    chainId: solana.chainId,
    connection,
    sender: new SolanaSender({
      connection,
      payer: feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 100_000 },
      confirmTimeoutMs: 90_000,
    }),
    feePayer: feePayer.publicKey,
    operators,
    vault: new PublicKey(solana.vault),
    multisig: new PublicKey(solana.multisig),
    mint: new PublicKey(solana.mint),
    decimals: solana.decimals,
    payments: options.stores.payments,
    cursors: options.stores.cursors,
    leases: options.stores.leases,
    verdicts,
    payees: async (modelId, epoch): Promise<SplitEntry[]> => {
      const table = await options.homeClient.readContract({
        address: registry as Address,
        abi: modelRegistryAbi,
        functionName: "payees",
        args: [modelId, epoch],
      });
      return table.map((p) => ({ chain: Number(p.chain), account: p.account, shareBps: Number(p.shareBps) }));
    },
    models: manifest.models,
    vaultScanCursorId: vaultScanCursorId(solana.vault),
    finalityLagMs: options.finalityLagMs,
    now: () => options.clock.now(),
  });
  return { verdicts, target };
}
