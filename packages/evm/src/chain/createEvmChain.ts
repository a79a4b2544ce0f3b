import type { KMSClient } from "@aws-sdk/client-kms";
import { modelRegistryAbi } from "@slabridge/contracts";
import type {
  ChainAdapter,
  ChainNetting,
  Clock,
  CursorStore,
  DeploymentManifest,
  EvmChainManifest,
  Hex,
  JobIntake,
  NonceStore,
  StageConfig,
} from "@slabridge/core";
import { formatEther } from "viem";
import { EpochBooks } from "../contracts/EpochBook.ts";
import { createEvmChainClient, type EvmChainClient } from "../createEvmChainClient.ts";
import { EvmConfigError } from "../errors.ts";
import type { EvmSender } from "../sender/EvmSender.ts";
import { type EvmSenderRegistry, processEvmSenders } from "../sender/EvmSenderRegistry.ts";
import type { EvmSigner } from "../signer/evmSignerOf.ts";
import { evmChainNetting } from "./EvmChainNetting.ts";
import type { EvmOutbox } from "./EvmOutbox.ts";
import { type EvmEscrowRef, EvmPayoutPublisher } from "./EvmPayoutPublisher.ts";
import { EvmReceiptSource } from "./EvmReceiptSource.ts";
import { EvmSettlementTarget } from "./EvmSettlementTarget.ts";
import { type EpochVoucherSource, EvmVoucherClaimer } from "./EvmVoucherClaimer.ts";
import { EvmWatcher } from "./EvmWatcher.ts";
import { RegistryGraceReader } from "./RegistryGraceReader.ts";

/** One entry of a model's split table on the home chain (ModelRegistry `payees(modelId, epoch)`), in table order. */
export interface PayeeEntry {
  /** slabridge chain id the payee is paid on. */
  chain: number;
  /** bytes32: a left-padded EVM address, or a Solana owner's public key. */
  account: Hex;
  shareBps: number;
}

/** Options of {@link createEvmChain}. */
export interface CreateEvmChainOptions {
  chain: EvmChainManifest;
  manifest: DeploymentManifest;
  config: StageConfig;
  /** The chain's RPC URL (resolved from the manifest, inline config or a secret by the caller). */
  rpcUrl: string;
  /** Lets a non-loopback RPC URL through (AWS); the devnet and tests never set it. */
  allowNonLoopback?: boolean;
  cursors: CursorStore;
  nonces: NonceStore;
  clock: Clock;
  /** Where the watcher's jobs go (the relay engine). */
  intake: JobIntake;
  /**
   * The relayer/executor key (relays receipts, refunds, releases, publishes payouts, delivers messages): a KMS
   * account, or the address of an account the node holds unlocked.
   */
  executor: EvmSigner;
  /** The LayerZero DVN key, as the executor's. */
  dvn: EvmSigner;
  /** Signs with the manifest's other `kms` keys (the netting vault's); absent on the devnet. */
  kms?: KMSClient | undefined;
  /** Where its senders come from: one per (chain, key) per process (default: the process's registry). */
  senders?: EvmSenderRegistry;
  /** The transports' outboxes on this chain (asked at watch time: the transports are built after the chains). */
  outboxes(chainId: number): readonly EvmOutbox[];
  /** The adapter of any chain of the deployment (a destination that takes messages itself gets them handed over). */
  chainOf(chainId: number): ChainAdapter | undefined;
  /** Another EVM chain of the deployment (the home chain's payouts read each destination escrow's paid bit). */
  evmChainOf(chainId: number): EvmChain | undefined;
  /** The gateway's vouchers per epoch, which the chain's SLA receivers claim (needed when it has any). */
  vouchers?: EpochVoucherSource;
}

/** The EVM implementation of the chain-family port, with what EVM-only parts (transports, netting) build on. */
export interface EvmChain extends ChainAdapter {
  readonly family: "evm";
  readonly chain: EvmChainManifest;
  readonly client: EvmChainClient;
  /** Sends as the relayer/executor key, nonce-safe across workers (the NonceStore). */
  readonly executor: EvmSender;
  /** Sends as the LayerZero DVN key. */
  readonly dvn: EvmSender;
  /** The chain's escrow, when it is a payment chain. */
  readonly escrow?: EvmEscrowRef;
  /** Each model's book on this chain: its SLA receiver where it sells per call, the escrow for the rest. */
  readonly books: EpochBooks;
  readonly payouts?: EvmPayoutPublisher;
  /** Its part in netting: EVM payees, the escrow's epoch record, the netting vault driven step by step. */
  readonly netting: ChainNetting;
  /** The home chain's split table of (model, epoch) (the home chain only; others throw). */
  payeeTable(modelId: bigint, epoch: bigint): Promise<PayeeEntry[]>;
  /**
   * The home chain's `verdictGraceEpochs` term of (model, epoch) (registry `termsAt`), cached once the epoch started
   * (the home chain only; others throw).
   */
  verdictGraceEpochs(modelId: bigint, epoch: bigint): Promise<number>;
}

/**
 * Builds the EVM adapter of one manifest chain: its client (bound to the configured URL), nonce-safe senders for
 * the executor and DVN keys (one sender, nonce sequence `evmSenderId(chain, address)`, per key: two roles naming
 * one key share it), the watcher, and, as the chain's contracts allow, the escrow's receipt source and
 * settlement target (refund() and release() are permissionless: the executor key pushes them) and, on the home
 * chain with a Payout route, the registry's payout publisher.
 *
 * @example
 * const evmA = createEvmChain({ chain, manifest, config, rpcUrl, cursors, nonces, clock, intake, executor, dvn,
 *   outboxes: (id) => [transports.layerzero.outbox(id), transports.wormhole.outbox(id)], chainOf, evmChainOf });
 * await evmA.watch();
 */
export function createEvmChain(options: CreateEvmChainOptions): EvmChain {
  const { chain, manifest, config } = options;
  const client = createEvmChainClient({
    chainId: chain.chainId,
    rpcUrl: options.rpcUrl,
    name: chain.name,
    ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
  });
  const registry = options.senders ?? processEvmSenders;
  // One key, one nonce sequence, one sender per process: two roles naming one key, and every world of the process
  // (relay, netting, measuring), get the same instance.
  const sender = (account: EvmSigner) => registry.sender({ client, account, nonceStore: options.nonces });
  const executor = sender(options.executor);
  const dvn = sender(options.dvn);
  const watcher = new EvmWatcher({
    chain,
    client,
    manifest,
    config,
    cursors: options.cursors,
    clock: options.clock,
    intake: options.intake,
    outboxes: () => options.outboxes(chain.chainId),
    chainOf: options.chainOf,
  });
  const escrowAddress = chain.contracts.escrow;
  const escrow = escrowAddress ? { client, escrow: escrowAddress } : undefined;
  const books = new EpochBooks(client, chain.contracts);
  const claimer = voucherClaimer(options, client, executor);
  const payouts = payoutPublisher(options, client, executor);
  const modelRegistry = chain.contracts.modelRegistry;
  const graces = modelRegistry ? new RegistryGraceReader(client, modelRegistry) : undefined;
  return {
    family: "evm",
    chainId: chain.chainId,
    name: chain.name,
    chain,
    client,
    executor,
    dvn,
    watch: () => watcher.watch(),
    settlementJobs: (ref) => watcher.settlementJobs(ref),
    ...(escrow ? { escrow } : {}),
    books,
    ...(books.any
      ? {
          settlement: new EvmSettlementTarget({ chainId: chain.chainId, books, sender: executor }),
          receipts: new EvmReceiptSource({
            chainId: chain.chainId,
            homeChainId: manifest.homeChainId,
            books,
            client,
            sender: executor,
            messengers: { layerzero: chain.contracts.layerZeroMessenger, wormhole: chain.contracts.wormholeMessenger },
            ...(claimer ? { claimer } : {}),
          }),
        }
      : {}),
    ...(payouts ? { payouts } : {}),
    netting: evmChainNetting({
      chain,
      client,
      books,
      nettingVaults: manifest.keys.nettingVaults,
      sender,
      kms: options.kms,
    }),
    async payeeTable(modelId, epoch) {
      if (!modelRegistry) throw new EvmConfigError(`${chain.name} has no ModelRegistry (it is not the home chain)`);
      const table = await client.readContract({
        address: modelRegistry,
        abi: modelRegistryAbi,
        functionName: "payees",
        args: [modelId, epoch],
      });
      return table.map((p) => ({ chain: Number(p.chain), account: p.account, shareBps: Number(p.shareBps) }));
    },
    async signerBalances() {
      // The DVN may be the relayer's key: one balance per address, under the first role naming it.
      const keys = [
        { role: "relayer", address: executor.address },
        { role: "dvn", address: dvn.address },
      ].filter((key, i, all) => all.findIndex((k) => k.address.toLowerCase() === key.address.toLowerCase()) === i);
      return await Promise.all(
        keys.map(async ({ role, address }) => ({
          role,
          address,
          balance: Number(formatEther(await client.getBalance({ address }))),
        })),
      );
    },
    verdictGraceEpochs(modelId, epoch) {
      if (!graces) throw new EvmConfigError(`${chain.name} has no ModelRegistry (it is not the home chain)`);
      return graces.verdictGraceEpochs(modelId, epoch);
    },
  };
}

/** The claimer of the chain's SLA receivers (the executor key is their operator); none without receivers. */
function voucherClaimer(
  options: CreateEvmChainOptions,
  client: EvmChainClient,
  sender: EvmSender,
): EvmVoucherClaimer | undefined {
  const { chain } = options;
  if (Object.keys(chain.contracts.slaReceivers ?? {}).length === 0) return undefined;
  const channels = chain.contracts.x402Channels;
  if (!channels) throw new EvmConfigError(`${chain.name} has SLA receivers but no x402Channels contract`);
  if (!options.vouchers) throw new EvmConfigError(`${chain.name} has SLA receivers but no voucher store to claim from`);
  return new EvmVoucherClaimer({ chainId: chain.chainId, client, sender, channels, vouchers: options.vouchers });
}

/** Payouts from the home chain's registry over each chain's Payout route; none off the home chain or without one. */
function payoutPublisher(
  options: CreateEvmChainOptions,
  client: EvmChainClient,
  sender: EvmSender,
): EvmPayoutPublisher | undefined {
  const { chain, manifest, config } = options;
  const registry = chain.contracts.modelRegistry;
  if (chain.chainId !== manifest.homeChainId || !registry) return undefined;
  // A stage without any Payout route does not relay payouts: its settle jobs end at the release.
  if (!config.routes.some((route) => route.source === chain.chainId && route.kind === "Payout")) return undefined;
  const maxBlockRange = config.chains.find((c) => c.chainId === chain.chainId)?.maxBlockRange;
  return new EvmPayoutPublisher({
    client,
    registry,
    sender,
    booksOf: (chainId) => options.evmChainOf(chainId)?.books,
    ...(maxBlockRange === undefined ? {} : { maxBlockRange: BigInt(maxBlockRange) }),
    messengerFor: (chainId) => {
      const route = config.routes.find(
        (r) => r.source === chain.chainId && r.destination === chainId && r.kind === "Payout",
      );
      if (!route) return undefined;
      const messenger =
        route.transport === "layerzero" ? chain.contracts.layerZeroMessenger : chain.contracts.wormholeMessenger;
      return { transport: route.transport, messenger };
    },
  });
}
