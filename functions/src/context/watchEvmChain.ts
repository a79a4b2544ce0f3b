import { PacketV1Codec } from "@layerzerolabs/lz-v2-utilities";
import { type EvmChainManifest, type Job, type JobSource, jobIds } from "@slabridge/core";
import { EvmLogWatcher, evmChainsOf } from "@slabridge/evm";
import { solanaChainsOf } from "@slabridge/solana";
import { type Address, type Hex, hexToNumber, parseAbiItem, slice } from "viem";
import type { RelayWorld } from "./buildRelayWorld.ts";
import { createEpochReceiptJobs } from "./createEpochReceiptJobs.ts";
import { observeSolanaVerdict } from "./observeSolanaVerdict.ts";

const packetSent = parseAbiItem("event PacketSent(bytes encodedPayload, bytes options, address sendLibrary)");
const verdictApplied = parseAbiItem(
  "event VerdictApplied(uint256 indexed modelId, uint64 indexed epoch, uint16 refundBps, bytes32 reportHash)",
);
const messagePublished = parseAbiItem(
  "event LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel)",
);

/** What one watch pass over a chain found. */
export interface WatchEvmResult {
  chain: string;
  messages: number;
  receiptJobs: number;
  /** Refund jobs created from the escrow's VerdictApplied events. */
  refundJobs: number;
  /** Solana refund and settle jobs created from verdicts the home chain published to Solana (`observeSolanaVerdict`). */
  solanaSettlementJobs: number;
  /** Settle jobs (release, then payouts) created from the same events. */
  settleJobs: number;
  reorg?: bigint;
}

/**
 * One watch pass over an EVM chain: (1) slabridge messages that left the chain through either messenger become
 * deliver-message jobs (found by the endpoint's PacketSent / the core's LogMessagePublished whose sender is our
 * messenger, past the chain's confirmations, reorg-checked); (2) on a payment chain, every ended epoch of every
 * model becomes a relay-receipts job; (3) every verdict the escrow applied (VerdictApplied, past the confirmations)
 * becomes a refund job and a settle job (release, then payouts) for its (model, epoch). Job ids are deterministic, so a rescan or a duplicate run creates
 * nothing twice.
 *
 * @example const result = await watchEvmChain(world, evmChainsOf(manifest)[0]);
 */
export async function watchEvmChain(world: RelayWorld, chain: EvmChainManifest): Promise<WatchEvmResult> {
  const client = world.clients.get(chain.chainId);
  if (!client) throw new Error(`no client for ${chain.name}`);
  const eidToChain = new Map(evmChainsOf(world.manifest).map((c) => [c.layerZero.eid, c.chainId]));
  const solanaChainId = solanaChainsOf(world.manifest)[0]?.chainId;
  const whToChain = new Map(evmChainsOf(world.manifest).map((c) => [c.wormhole.chainId, c.chainId]));
  const ours = {
    layerzero: chain.contracts.layerZeroMessenger.toLowerCase(),
    wormhole: chain.contracts.wormholeMessenger.toLowerCase(),
  };
  const now = world.clock.now();
  let messages = 0;
  let solanaSettlementJobs = 0;
  let reorg: bigint | undefined;

  const watcher = new EvmLogWatcher({
    client: client as never,
    cursorStore: world.stores.cursors,
    cursorId: `evm:${chain.chainId}:messages`,
    address: [chain.layerZero.endpointV2, chain.wormhole.core] as Address[],
    events: [packetSent, messagePublished] as const,
    confirmations: chain.confirmations,
    maxBlockRange: world.config.chains.find((c) => c.chainId === chain.chainId)?.maxBlockRange ?? 2_000,
    startBlock: 0n,
  });
  await watcher.poll(
    async (logs) => {
      for (const log of logs) {
        const found = outgoing(log as unknown as WatchedMessageLog, ours, eidToChain, whToChain, solanaChainId);
        if (!found) continue;
        if (found.destination === solanaChainId) {
          // Solana has no messenger to deliver to: a verdict becomes its settlement jobs there (message-level intake).
          const sequence = (log as unknown as WatchedMessageLog).args.sequence;
          const source = toSource(chain.chainId, log as unknown as MinedMessageLog);
          if (sequence !== undefined) {
            solanaSettlementJobs += await observeSolanaVerdict(world, { message: found.message, sequence, source });
          }
          continue;
        }
        const transport = world.transports[found.transport];
        for (const ref of await transport.messagesIn(chain.chainId, log.transactionHash as Hex)) {
          const job: Job = {
            id:
              found.transport === "layerzero"
                ? jobIds.layerZeroMessage(ref.messageId)
                : `deliver-message:wh:${ref.messageId.toLowerCase()}`,
            kind: "deliver-message",
            status: "observed",
            version: 1,
            source: {
              chainId: chain.chainId,
              transaction: log.transactionHash as string,
              block: log.blockNumber as bigint,
              blockHash: log.blockHash as string,
              index: Number(log.logIndex),
            },
            destinationChainId: found.destination,
            transport: found.transport,
            payload: found.message,
            messageRef: ref,
            attempts: 0,
            createdAt: now,
            updatedAt: now,
          };
          if ((await world.engine.ingest(job)) === "created") messages++;
        }
      }
    },
    {
      onReorg: (event) => {
        reorg = event.depth;
      },
    },
  );

  const escrow = chain.contracts.escrow;
  const receiptJobs = escrow ? await createReceiptJobs(world, chain) : 0;
  const refunds = escrow ? await createRefundJobs(world, chain, escrow as Address) : { created: 0, settles: 0 };
  const reorgDepth = reorg ?? refunds.reorg;
  return {
    chain: chain.name,
    messages,
    receiptJobs,
    refundJobs: refunds.created,
    solanaSettlementJobs,
    settleJobs: refunds.settles,
    ...(reorgDepth === undefined ? {} : { reorg: reorgDepth }),
  };
}

interface WatchedMessageLog {
  eventName: "PacketSent" | "LogMessagePublished";
  args: { encodedPayload?: Hex; sender?: Address; payload?: Hex; sequence?: bigint };
}

interface MinedMessageLog {
  transactionHash: string;
  blockNumber: bigint;
  blockHash: string;
  logIndex: number;
}

function toSource(chainId: number, log: MinedMessageLog): Job["source"] {
  return {
    chainId,
    transaction: log.transactionHash,
    block: log.blockNumber,
    blockHash: log.blockHash,
    index: Number(log.logIndex),
  };
}

function outgoing(
  log: WatchedMessageLog,
  ours: { layerzero: string; wormhole: string },
  eidToChain: ReadonlyMap<number, number>,
  whToChain: ReadonlyMap<number, number>,
  solanaChainId: number | undefined,
): { transport: "layerzero" | "wormhole"; destination: number; message: Hex } | undefined {
  if (log.eventName === "PacketSent" && log.args.encodedPayload) {
    const packet = PacketV1Codec.from(log.args.encodedPayload);
    if (`0x${packet.sender().slice(-40)}`.toLowerCase() !== ours.layerzero) return undefined; // another OApp
    const destination = eidToChain.get(packet.dstEid());
    return destination === undefined
      ? undefined
      : { transport: "layerzero", destination, message: packet.message() as Hex };
  }
  if (log.eventName === "LogMessagePublished" && log.args.payload && log.args.sender) {
    if (log.args.sender.toLowerCase() !== ours.wormhole) return undefined; // another emitter on the same core
    // Our Wormhole payload is `uint32 dstChain || message` (slabridge chain id, i.e. the EVM chain id).
    const destination = hexToNumber(slice(log.args.payload, 0, 4));
    if (![...whToChain.values()].includes(destination) && destination !== solanaChainId) return undefined;
    return { transport: "wormhole", destination, message: slice(log.args.payload, 4) };
  }
  return undefined;
}

async function createReceiptJobs(world: RelayWorld, chain: EvmChainManifest): Promise<number> {
  const client = world.clients.get(chain.chainId);
  if (!client) return 0;
  const block = await client.getBlock({ blockTag: "latest" });
  // The escrow's clock is its chain's block time, so epochs end by the latest block, not by our wall clock.
  return createEpochReceiptJobs(world, {
    chainId: chain.chainId,
    nowSeconds: block.timestamp,
    block: block.number ?? 0n,
    blockHash: block.hash ?? "0x",
  });
}

/**
 * Verdicts applied by the chain's escrow become refund jobs: the payment chain itself says when refunds can start,
 * whichever transport delivered the verdict and whoever executed it. A zero-refund verdict still gets a job (it
 * confirms at once: the escrow marks its refunds done). Each verdict also becomes the (model, epoch)'s settle job,
 * which waits for the refunds (without spending attempts), releases and publishes the payouts to this chain.
 */
async function createRefundJobs(
  world: RelayWorld,
  chain: EvmChainManifest,
  escrow: Address,
): Promise<{ created: number; settles: number; reorg?: bigint }> {
  const client = world.clients.get(chain.chainId);
  if (!client) return { created: 0, settles: 0 };
  let created = 0;
  let settles = 0;
  let reorg: bigint | undefined;
  const watcher = new EvmLogWatcher({
    client: client as never,
    cursorStore: world.stores.cursors,
    cursorId: `evm:${chain.chainId}:escrow-verdicts`,
    address: escrow,
    events: [verdictApplied] as const,
    confirmations: chain.confirmations,
    maxBlockRange: world.config.chains.find((c) => c.chainId === chain.chainId)?.maxBlockRange ?? 2_000,
    startBlock: 0n,
  });
  await watcher.poll(
    async (logs) => {
      for (const log of logs) {
        const { modelId, epoch } = (log as unknown as { args: { modelId?: bigint; epoch?: bigint } }).args;
        if (modelId === undefined || epoch === undefined) continue;
        const { refund, settle } = escrowSettlementJobs(world, {
          chainId: chain.chainId,
          modelId,
          epoch,
          source: {
            chainId: chain.chainId,
            transaction: log.transactionHash as string,
            block: log.blockNumber as bigint,
            blockHash: log.blockHash as string,
            index: Number(log.logIndex),
          },
        });
        if ((await world.engine.ingest(refund)) === "created") created++;
        if ((await world.engine.ingest(settle)) === "created") settles++;
      }
    },
    {
      onReorg: (event) => {
        reorg = event.depth;
      },
    },
  );
  return { created, settles, ...(reorg === undefined ? {} : { reorg }) };
}

/** What a verdict on a payment chain's escrow is, as the refund and settle jobs of its (model, epoch) record it. */
export interface EscrowVerdictRef {
  /** The payment chain (its escrow applied the verdict). */
  chainId: number;
  modelId: bigint;
  epoch: bigint;
  /** Where the jobs were found: the VerdictApplied log, or a marker of the settlement sweep. */
  source: JobSource;
}

/**
 * The refund and settle jobs of a verdict an EVM escrow applied, as the watcher and the settlement sweep create
 * them: deterministic ids (`jobIds.refund`/`jobIds.settle`), both executed on the payment chain itself; the settle
 * job's transport is the chain's Payout route (its payouts travel from the home chain), the refund's a placeholder.
 *
 * @example
 * const { refund, settle } = escrowSettlementJobs(world, { chainId: 31337, modelId: 2n, epoch: 41n, source });
 * await world.engine.ingest(refund);
 */
export function escrowSettlementJobs(
  world: Pick<RelayWorld, "manifest" | "config" | "clock">,
  ref: EscrowVerdictRef,
): { refund: Job; settle: Job } {
  const now = world.clock.now();
  const { chainId, modelId, epoch } = ref;
  const payoutRoute = world.config.routes.find(
    (r) => r.source === world.manifest.homeChainId && r.destination === chainId && r.kind === "Payout",
  );
  const refund: Job = {
    id: jobIds.refund({ chainId, modelId, epoch }),
    kind: "refund",
    status: "observed",
    version: 1,
    source: ref.source,
    // Refunds are sent on the payment chain itself.
    destinationChainId: chainId,
    transport: "layerzero", // no message travels: refunds are local calls, the field is only required
    payload: "0x",
    epochRef: { modelId, epoch },
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  };
  const settle: Job = {
    ...refund,
    id: jobIds.settle({ chainId, modelId, epoch }),
    kind: "settle",
    // The payouts travel over this chain's Payout route (the release itself is a local call).
    transport: payoutRoute?.transport ?? refund.transport,
  };
  return { refund, settle };
}
