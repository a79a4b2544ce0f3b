import {
  type ChainNettingStatus,
  type CursorStore,
  type DeploymentManifest,
  type Hex,
  hexToBytes,
  InvalidNettingRoundError,
  type NettingPayer,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import {
  createSenderSubmitter,
  EscrowReader,
  EvmNettingVault,
  EvmSender,
  evmChainsOf,
  readEscrowNettingStatus,
  readRoundReleases,
} from "@slabridge/evm";
import { LayerZeroTransport } from "@slabridge/layerzero";
import { type NettingChains, runNettingRound } from "@slabridge/netting";
import { base58, solanaChainsOf } from "@slabridge/solana";
import { type Address, getAddress, type PublicClient, parseGwei } from "viem";
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
 * Builds the netting world from a relay world: its chain clients, cursor and payment stores and Solana settlement
 * target (whose `nettingPayer()` pays the rounds' Solana payouts from the Solana vault), each EVM chain's netting vault (the manifest's `keys.nettingVaults`; anvil dev accounts on the devnet, KMS
 * later), the LayerZero eids and a LayerZero transport that serves the stablecoin OFT besides the messenger (same
 * DVN/executor keys and nonce-store sender ids as the relay's, so the two never reuse a nonce).
 *
 * @example
 * ```ts
 * const world = buildNettingWorld(await worldFromEnv());
 * await netDueRounds(world);
 * ```
 */
export function buildNettingWorld(relay: RelayWorld, options: BuildNettingWorldOptions = {}): NettingWorld {
  const { manifest, stores } = relay;
  const client = (chainId: number): PublicClient => {
    const found = relay.clients.get(chainId);
    if (!found) throw new InvalidNettingRoundError(`no client for chain ${chainId}`);
    return found;
  };
  const home = evmChainsOf(manifest).find((c) => c.chainId === manifest.homeChainId);
  const registry = home?.contracts.modelRegistry;
  if (!registry) throw new InvalidNettingRoundError("the home chain has no ModelRegistry");
  const escrows = evmChainsOf(manifest).flatMap((c) =>
    c.contracts.escrow ? [{ chainId: c.chainId, client: client(c.chainId), escrow: c.contracts.escrow }] : [],
  );
  const vaultAccounts = new Map<number, Address>();
  for (const vault of manifest.keys.nettingVaults ?? []) {
    if (vault.chainId === SOLANA_CHAIN_ID || !vault.key) continue;
    const address = keyAddress(vault.key, `nettingVaults[${vault.chainId}]`);
    // The key must be the account the registry pays (its `nettingVault[chain]`), or the vault could not pay out.
    if (BigInt(vault.account) !== BigInt(address)) {
      throw new InvalidNettingRoundError(`the netting vault key of chain ${vault.chainId} is not its account`);
    }
    vaultAccounts.set(vault.chainId, address);
  }
  const transport = oftTransport(relay);
  const eids = new Map(evmChainsOf(manifest).map((c) => [c.chainId, c.layerZero.eid]));
  // The registry names Solana payees on SOLANA_CHAIN_ID (base58 keys); the Solana vault is paid by its own payer,
  // so its legs stay open in every round.
  const openChains = new Set([SOLANA_CHAIN_ID]);
  const solanaAccounts = new Map([[SOLANA_CHAIN_ID, (account: Hex) => base58.encode(hexToBytes(account))]]);
  const solana = relay.solanaSettlement;
  const [solanaManifest] = solanaChainsOf(manifest);
  // Pays Solana payees' netted shares from the Solana vault (same keys, sender and send lease as the target).
  const solanaPayer: NettingPayer | undefined = solana?.nettingPayer();

  const chains: NettingChains = {
    vaultChains: [...vaultAccounts.keys()],
    async currentEpoch(modelId) {
      let latest = 0n;
      for (const e of escrows) {
        const epoch = await new EscrowReader(e.client, e.escrow).currentEpoch(modelId);
        if (epoch > latest) latest = epoch;
      }
      return latest;
    },
    async status(modelId, epoch) {
      const out: ChainNettingStatus[] = [];
      for (const e of escrows) {
        out.push(await readEscrowNettingStatus(new EscrowReader(e.client, e.escrow), e.chainId, modelId, epoch));
      }
      if (solanaManifest) {
        const payments = await stores.payments.listEpoch(solanaManifest.chainId, modelId, epoch);
        if (payments.length > 0) {
          const position = await solana?.nettingPosition(modelId, epoch);
          out.push({ chainId: solanaManifest.chainId, paid: true, paidOut: position?.payoutsDone === true });
        }
      }
      return out;
    },
    blockNumber: (chainId) => client(chainId).getBlockNumber(),
    async run({ roundId, modelId, epoch, fromBlocks }) {
      const read = await readRoundReleases({
        home: { client: client(manifest.homeChainId), registry },
        escrows,
        vaults: vaultAccounts,
        items: [{ modelId, epoch }],
        foreignAccounts: solanaAccounts,
      });
      if (solanaManifest && solana) {
        const position = await solana.nettingPosition(modelId, epoch);
        const solanaChain = solanaManifest.chainId;
        if (position && position.released > 0n) {
          read.releases = read.releases.map((r) => ({
            ...r,
            released: new Map([...r.released, [solanaChain, position.released]]),
          }));
        }
      }
      const vaults = new Map(
        [...vaultAccounts].map(([chainId, account]) => {
          const chain = evmChainsOf(manifest).find((c) => c.chainId === chainId);
          if (!chain) throw new InvalidNettingRoundError(`netting vault on chain ${chainId}, not in the manifest`);
          const fromBlock = fromBlocks.get(chainId);
          if (fromBlock === undefined) throw new InvalidNettingRoundError(`no fromBlock for chain ${chainId}`);
          const vault = new EvmNettingVault({
            chainId,
            client: client(chainId),
            token: chain.stablecoin.address,
            account,
            fromBlock,
          });
          return [chainId, vault] as const;
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
      });
    },
    ...(solanaPayer ? { paySolana: (round) => solanaPayer.pay(round) } : {}),
  };
  return {
    models: manifest.models.map((m) => BigInt(m.modelId)),
    lookbackEpochs:
      options.lookbackEpochs ?? relay.config.netting?.lookbackEpochs ?? relay.config.probing?.lookbackEpochs ?? 10,
    chains,
    cursors: stores.cursors,
  };
}

/** A LayerZero transport that also serves each chain's stablecoin OFT (netting's bridge transfers). */
function oftTransport(relay: RelayWorld): LayerZeroTransport {
  const { manifest } = relay;
  const dvn = keyAddress(manifest.keys.layerZeroDvn, "layerZeroDvn");
  const executor = keyAddress(manifest.keys.layerZeroExecutor, "layerZeroExecutor");
  const senders = (account: Address, role: string) =>
    new Map(
      evmChainsOf(manifest).map((chain) => {
        const client = relay.clients.get(chain.chainId);
        if (!client) throw new InvalidNettingRoundError(`no client for chain ${chain.chainId}`);
        const sender = new EvmSender({
          client: client as never,
          account,
          nonceStore: relay.stores.nonces,
          // The relay's sender ids: both reserve nonces of the same key from the same record.
          senderId: `evm:${chain.chainId}:${role}:${account.toLowerCase()}`,
          gasBump: { factor: 1.125, maxFeePerGasCap: parseGwei("500") },
          stuckAfterMs: 30_000,
          receiptTimeoutMs: 120_000,
        });
        return [chain.chainId, sender] as const;
      }),
    );
  return new LayerZeroTransport({
    chains: new Map(
      evmChainsOf(manifest).map((chain) => {
        const client = relay.clients.get(chain.chainId) as PublicClient;
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
    dvn: { address: dvn, submitter: createSenderSubmitter(senders(dvn, "dvn")) },
    executor: { address: executor, submitter: createSenderSubmitter(senders(executor, "executor")) },
    clock: relay.clock,
  });
}

function keyAddress(ref: DeploymentManifest["keys"]["deployer"], role: string): Address {
  if (ref.kind === "anvil-dev-account") return getAddress(ref.address);
  throw new InvalidNettingRoundError(`${role}: ${ref.kind} keys are not supported by netting yet (KMS comes later)`);
}
