import {
  type ChainNetting,
  type ChainNettingStatus,
  type CursorStore,
  type Hex,
  InvalidNettingRoundError,
  type NettingStepVault,
} from "@slabridge/core";
import {
  createSenderSubmitter,
  type EvmSigner,
  evmChainsOf,
  evmSignerAddress,
  nettingSignerOf,
  readRoundReleases,
} from "@slabridge/evm";
import { LayerZeroTransport } from "@slabridge/layerzero";
import { createVaultLocks, type NettingChains, runNettingRound } from "@slabridge/netting";
import { getAddress, type PublicClient } from "viem";
import type { RelayWorld } from "../buildRelayWorld.ts";

/** What the net handler runs on. */
export interface NettingWorld {
  models: readonly bigint[];
  lookbackEpochs: number;
  chains: NettingChains;
  cursors: CursorStore;
}

/** Options of {@link buildNettingWorld}. */
export interface BuildNettingWorldOptions {
  /** Epochs looked back per run (default: the stage's `netting.lookbackEpochs`, else `probing.lookbackEpochs`, else 10). */
  lookbackEpochs?: number;
}

/**
 * Builds the netting world from a relay world: each chain adapter's part in netting (`ChainAdapter.netting`, from
 * its family package: how it spells payees, where it stands with an epoch, a netting vault the round drives step by
 * step, or a vault that pays its own payees, whose legs stay open), the home registry's split tables and the EVM
 * escrows' payout events, the LayerZero eids and a LayerZero transport that serves the stablecoin OFT besides the
 * messenger (same DVN/executor keys and nonce-store sender ids as the relay's, so the two never reuse a nonce).
 *
 * @example
 * ```ts
 * const world = buildNettingWorld(await worldFromEnv());
 * await netDueRounds(world);
 * ```
 */
export function buildNettingWorld(relay: RelayWorld, options: BuildNettingWorldOptions = {}): NettingWorld {
  const { manifest } = relay;
  const client = (chainId: number): PublicClient => {
    const found = relay.clients.get(chainId);
    if (!found) throw new InvalidNettingRoundError(`no client for chain ${chainId}`);
    return found;
  };
  const home = evmChainsOf(manifest).find((c) => c.chainId === manifest.homeChainId);
  const registry = home?.contracts.modelRegistry;
  if (!registry) throw new InvalidNettingRoundError("the home chain has no ModelRegistry");
  // Payouts land on the escrow or on a model's SLA receiver; both emit the same PaidOut (filtered by model).
  const escrows = evmChainsOf(manifest).flatMap((c) =>
    [...(c.contracts.escrow ? [c.contracts.escrow] : []), ...Object.values(c.contracts.slaReceivers ?? {})].map(
      (escrow) => ({ chainId: c.chainId, client: client(c.chainId), escrow }),
    ),
  );
  const sides: ChainNetting[] = [...relay.chains.values()].flatMap((chain) => chain.netting ?? []);
  // Each chain's vault the round drives step by step (its key checked now, so a bad key fails at cold start).
  const stepVaults = new Map<number, NettingStepVault>();
  for (const side of sides) {
    const vault = side.stepVault?.();
    if (vault) stepVaults.set(side.chainId, vault);
  }
  const stepVault = (chainId: number): NettingStepVault => {
    const vault = stepVaults.get(chainId);
    if (!vault) throw new InvalidNettingRoundError(`no netting vault on chain ${chainId}`);
    return vault;
  };
  const vaultAccounts = new Map([...stepVaults].map(([chainId, vault]) => [chainId, vault.account]));
  const transport = oftTransport(relay);
  const eids = new Map(evmChainsOf(manifest).map((c) => [c.chainId, c.layerZero.eid]));
  // Chains whose vault pays its own payees: their legs stay open in every round.
  const openChains = new Set(sides.filter((side) => side.paysOwnPayees).map((side) => side.chainId));
  const accounts = new Map(sides.map((side) => [side.chainId, (account: Hex) => side.account(account)]));
  // Pays the netted shares of a vault that pays its own payees (same keys, sender and send lease as its target).
  const [payer] = sides.flatMap((side) => side.payer ?? []);
  // One lock per vault for every round this world runs: a pass runs its due rounds side by side.
  const exclusive = createVaultLocks();

  const chains: NettingChains = {
    vaultChains: [...stepVaults.keys()],
    async currentEpoch(modelId) {
      let latest = 0n;
      for (const side of sides) {
        const epoch = (await side.currentEpoch?.(modelId)) ?? 0n;
        if (epoch > latest) latest = epoch;
      }
      return latest;
    },
    async status(modelId, epoch) {
      const out: ChainNettingStatus[] = [];
      for (const side of sides) {
        const status = await side.status(modelId, epoch);
        if (status) out.push(status);
      }
      return out;
    },
    blockNumber: (chainId) => stepVault(chainId).blockNumber(),
    async run({ roundId, modelId, epoch, fromBlocks }) {
      const read = await readRoundReleases({
        home: { client: client(manifest.homeChainId), registry },
        escrows,
        vaults: vaultAccounts,
        items: [{ modelId, epoch }],
        foreignAccounts: accounts,
      });
      // What vaults released by their own records (the escrows' events do not show them).
      for (const side of sides) {
        const released = (await side.released?.(modelId, epoch)) ?? 0n;
        if (released > 0n) {
          read.releases = read.releases.map((r) => ({
            ...r,
            released: new Map([...r.released, [side.chainId, released]]),
          }));
        }
      }
      const vaults = new Map(
        [...stepVaults].map(([chainId, vault]) => {
          const fromBlock = fromBlocks.get(chainId);
          if (fromBlock === undefined) throw new InvalidNettingRoundError(`no fromBlock for chain ${chainId}`);
          return [chainId, vault.open(fromBlock)] as const;
        }),
      );
      return runNettingRound({
        roundId,
        releases: read.releases,
        vaultReceived: read.vaultReceived,
        vaults,
        openChains,
        eids,
        transport,
        exclusive,
      });
    },
    ...(payer ? { paySolana: (round) => payer.pay(round) } : {}),
  };
  return {
    models: manifest.models.map((m) => BigInt(m.modelId)),
    lookbackEpochs:
      options.lookbackEpochs ?? relay.config.netting?.lookbackEpochs ?? relay.config.probing?.lookbackEpochs ?? 10,
    chains,
    cursors: relay.stores.cursors,
  };
}

/** A LayerZero transport that also serves each chain's stablecoin OFT (netting's bridge transfers). */
function oftTransport(relay: RelayWorld): LayerZeroTransport {
  const { manifest } = relay;
  const dvn = nettingSignerOf(manifest.keys.layerZeroDvn, "layerZeroDvn", relay.kms);
  const executor = nettingSignerOf(manifest.keys.layerZeroExecutor, "layerZeroExecutor", relay.kms);
  const senders = (account: EvmSigner) =>
    new Map(
      evmChainsOf(manifest).map((chain) => {
        const client = relay.clients.get(chain.chainId);
        if (!client) throw new InvalidNettingRoundError(`no client for chain ${chain.chainId}`);
        // The relay's own sender of the key (one per chain and key per process): one nonce order, one stall check.
        return [chain.chainId, relay.senders.sender({ client, account, nonceStore: relay.stores.nonces })] as const;
      }),
    );
  return new LayerZeroTransport({
    chains: new Map(
      evmChainsOf(manifest).map((chain) => {
        const client = relay.clients.get(chain.chainId);
        if (!client) throw new InvalidNettingRoundError(`no client for chain ${chain.chainId}`);
        return [
          chain.chainId,
          {
            client,
            eid: chain.layerZero.eid,
            endpointV2: chain.layerZero.endpointV2,
            receiveUln302: chain.layerZero.receiveUln302,
            messenger: chain.contracts.layerZeroMessenger,
            oapps: [chain.stablecoin.address],
            confirmations: chain.confirmations,
          },
        ];
      }),
    ),
    dvn: { address: getAddress(evmSignerAddress(dvn)), submitter: createSenderSubmitter(senders(dvn)) },
    executor: { address: getAddress(evmSignerAddress(executor)), submitter: createSenderSubmitter(senders(executor)) },
    clock: relay.clock,
  });
}
