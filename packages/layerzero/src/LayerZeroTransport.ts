import { PacketV1Codec } from "@layerzerolabs/lz-v2-utilities";
import { layerZeroMessengerAbi } from "@slabridge/contracts";
import {
  ALREADY_DONE_REVERTS,
  AlreadyDoneAtDestinationError,
  type Clock,
  type DeliveryStatus,
  type Hex,
  jobIds,
  type MessageRef,
  type Quote,
  SlabridgeError,
  type Transport,
} from "@slabridge/core";
import type { EvmOutbox } from "@slabridge/evm";
import {
  type Address,
  decodeEventLog,
  encodeFunctionData,
  getAbiItem,
  isAddressEqual,
  type PublicClient,
  type TransactionReceipt,
} from "viem";
import { endpointV2Abi } from "./abis/endpointV2Abi.ts";
import { oAppReceiverAbi } from "./abis/oAppReceiverAbi.ts";
import { receiveUln302Abi } from "./abis/receiveUln302Abi.ts";
import { type DecodedRevert, decodeRevert } from "./decodeRevert.ts";
import type { EvmSubmitter, EvmTransactionRequest } from "./EvmSubmitter.ts";
import { EarlierNonceNotCommittedError } from "./errors/EarlierNonceNotCommittedError.ts";
import { LayerZeroConfigError } from "./errors/LayerZeroConfigError.ts";
import { LayerZeroRpcError } from "./errors/LayerZeroRpcError.ts";
import { LzReceiveRevertedError } from "./errors/LzReceiveRevertedError.ts";
import { NotFinalYetError } from "./errors/NotFinalYetError.ts";
import { PacketNotFoundError } from "./errors/PacketNotFoundError.ts";
import { PacketRefusedError } from "./errors/PacketRefusedError.ts";
import { SourceTransactionNotFoundError } from "./errors/SourceTransactionNotFoundError.ts";
import { TransactionRevertedError } from "./errors/TransactionRevertedError.ts";
import { lzReceiveOptionOf } from "./lzReceiveOptionOf.ts";
import { type SentPacket, sentPackets } from "./sentPackets.ts";

const packetSentEvent = getAbiItem({ abi: endpointV2Abi, name: "PacketSent" });

/** PacketV1Codec returns hex strings untyped; a message is 0x-prefixed hex. */
function bytesHex(value: string): Hex {
  return value.startsWith("0x") ? `0x${value.slice(2)}` : `0x${value}`;
}

/** One chain the transport sends from or delivers to (keyed by slabridge chain id = EVM chain id). */
export interface LayerZeroChainConfig {
  client: PublicClient;
  /** LayerZero endpoint id of the chain. */
  eid: number;
  endpointV2: Address;
  /** The receive library the endpoint uses for slabridge's pathways into this chain. */
  receiveUln302: Address;
  /**
   * slabridge's LayerZeroMessenger (OApp) on this chain: `quote` asks it, and its packets are delivered. A transport
   * that only delivers (the devnet's relayer, before the messenger exists) may leave it out; `quote` then refuses.
   */
  messenger?: Address;
  /**
   * Other OApps on this chain whose inbound packets this transport delivers, e.g. the stablecoin OFT whose net
   * transfers the netting executor sends. When given, a packet to any receiver other than `messenger` and these is
   * refused ({@link PacketRefusedError}, reason `ReceiverNotServed`) before any gas is spent. When absent, every
   * receiver is served whose pathway names slabridge's DVN.
   */
  oapps?: readonly Address[];
  /** Blocks a packet sent on this chain must have before the DVN attests it (the ULN's own minimum also applies). */
  confirmations: number | bigint;
}

/** A relayer role: the address that must appear on chain, and what sends transactions from it. */
export interface LayerZeroSigner {
  address: Address;
  submitter: EvmSubmitter;
}

/** Configuration of {@link LayerZeroTransport}. */
export interface LayerZeroTransportConfig {
  chains: ReadonlyMap<number, LayerZeroChainConfig> | Readonly<Record<number, LayerZeroChainConfig>>;
  /** slabridge's DVN: must be a DVN of the destination's receive ULN config; calls ReceiveUln302.verify. */
  dvn: LayerZeroSigner;
  /** slabridge's executor: calls ReceiveUln302.commitVerification and EndpointV2.lzReceive. */
  executor: LayerZeroSigner;
  /** Time source for error timestamps (default: the system clock). */
  clock?: Clock;
  /**
   * How long a worker whose step was refused (reverted simulation, send or transaction) keeps re-reading the
   * destination for the step done by another worker before it reports the refusal (default 5 s). The node that
   * refused it may be ahead of the block the re-read lands on (a replica a block behind; on anvil, a mined block's
   * state shows before its number does). Refusals that no worker can cause (peer, codec) are reported at once.
   */
  reReadWindowMs?: number;
  /**
   * How long a packet ready for lzReceive waits for the earlier nonces of its pathway to be committed (default 5 s):
   * the endpoint runs a pathway's packets in nonce order, and the earlier one is usually being committed by a worker
   * of the same queue batch right now. After that the delivery is not ready (`EarlierNonceNotCommittedError`): the
   * job is parked without spending an attempt.
   */
  earlierNonceWaitMs?: number;
}

type Step = "verify" | "commitVerification" | "lzReceive";

/** Where a packet stands on its destination, read at one block. */
type Stage =
  /** No sufficient verification by slabridge's DVN yet. */
  | "unverified"
  /** Our DVN verified; other DVNs of the config still have to. */
  | "verified"
  /** Enough DVNs verified; waiting for commitVerification. */
  | "verifiable"
  /** Committed on the endpoint (payload hash stored): lzReceive may run. */
  | "committed"
  | "delivered";

const RANK: Record<Stage, number> = { unverified: 0, verified: 1, verifiable: 2, committed: 3, delivered: 4 };
/** The stage each step brings a packet to (what "another worker already did it" looks like). */
const REACHES: Record<Step, Stage> = { verify: "verified", commitVerification: "committed", lzReceive: "delivered" };

interface InboundView {
  stage: Stage;
  /** A reason the endpoint can never deliver this packet (nilified, another payload committed at its nonce). */
  blocked: string | undefined;
  lazyNonce: bigint;
  requiredConfirmations: bigint;
}

const EMPTY_HASH: Hex = `0x${"0".repeat(64)}`;
const NIL_HASH: Hex = `0x${"f".repeat(64)}`;

/**
 * Reverts that no retry can clear: the sender is not the receiver's peer, or the message bytes / kind are refused by
 * the receiver. Everything else (nonce order, a receiver waiting for another message, gas) is treated as retryable.
 */
const PERMANENT_REASONS = new Set([
  "OnlyPeer",
  "NoPeer",
  "UntrustedPeer",
  "LZ_PathNotInitializable",
  "MalformedMessage",
  "UnknownKind",
  "UnsupportedVersion",
  "WrongKind",
  "ValueOutOfRange",
  "UnexpectedMessage",
]);

/** See `earlierNonceWaitMs`; polled every {@link EARLIER_NONCE_POLL_MS}, and asked again this long after giving up. */
const DEFAULT_EARLIER_NONCE_WAIT_MS = 5_000;
const EARLIER_NONCE_POLL_MS = 100;
const EARLIER_NONCE_RETRY_MS = 2_000;

/** Each step moves a packet at least one stage; more rounds than stages means the chain is moving under us. */
const MAX_ROUNDS = 8;

/** Fresh reads of a self-contradicting view before it is taken as it reads (see `#view`). */
const TORN_VIEW_REREADS = 3;

/**
 * Whether `dvn`'s attestation alone makes a packet verifiable under `config`, by ReceiveUlnBase's rule: every required
 * DVN attested, and, when optional DVNs are set, at least their threshold of them.
 */
function dvnAloneSuffices(
  config: { requiredDVNs: readonly Address[]; optionalDVNs: readonly Address[]; optionalDVNThreshold: number },
  dvn: Address,
): boolean {
  if (!config.requiredDVNs.every((required) => isAddressEqual(required, dvn))) return false;
  if (config.optionalDVNs.length === 0) return config.requiredDVNs.length > 0;
  const oursOptional = config.optionalDVNs.some((optional) => isAddressEqual(optional, dvn)) ? 1 : 0;
  return oursOptional >= config.optionalDVNThreshold;
}

/**
 * Gas the executor adds to the options' lzReceive gas for the endpoint's own work around the receiver's call
 * (payload checks and clearing, the lazy nonce, PacketDelivered, calldata), so the receiver gets what was paid for.
 */
export const LZ_RECEIVE_OVERHEAD_GAS = 100_000n;

const DEFAULT_RE_READ_WINDOW_MS = 5_000;
const RE_READ_INTERVAL_MS = 100;

/**
 * slabridge's LayerZero V2 transport. Finds the packets a source transaction sent, reports where they stand on the
 * destination, and delivers them by playing slabridge's DVN (ReceiveUln302.verify) and executor
 * (commitVerification, EndpointV2.lzReceive). Every step is preceded by a fresh read of the endpoint and ULN at one
 * block, and a step that fails because another worker just did it is followed by a re-read, so crashes between
 * steps, retries and racing workers never deliver a packet twice (the endpoint itself refuses a second lzReceive).
 *
 * @example
 * ```ts
 * const transport = new LayerZeroTransport({
 *   chains: new Map([
 *     [31337, { client: clientA, eid: 40161, endpointV2, receiveUln302, messenger, confirmations: 1 }],
 *     [31338, { client: clientB, eid: 40245, endpointV2: endpointB, receiveUln302: ulnB, messenger: messengerB, confirmations: 1 }],
 *   ]),
 *   dvn: { address: dvnAddress, submitter: dvnSender },
 *   executor: { address: executorAddress, submitter: executorSender },
 * });
 * const [ref] = await transport.messagesIn(31338, publishTxHash);
 * const { status, transactions } = await transport.deliver(ref, 31337); // "delivered", [verify, commit, lzReceive]
 * ```
 */
export class LayerZeroTransport implements Transport {
  readonly name = "layerzero" as const;
  readonly #chains: ReadonlyMap<number, LayerZeroChainConfig>;
  readonly #dvn: LayerZeroSigner;
  readonly #executor: LayerZeroSigner;
  readonly #clock: Clock;
  readonly #reReadWindowMs: number;
  readonly #earlierNonceWaitMs: number;

  constructor(config: LayerZeroTransportConfig) {
    const chains =
      config.chains instanceof Map
        ? new Map(config.chains)
        : new Map(Object.entries(config.chains).map(([id, chain]) => [Number(id), chain] as const));
    const eids = new Set<number>();
    for (const [chainId, chain] of chains) {
      if (eids.has(chain.eid)) throw new LayerZeroConfigError(`LayerZero eid ${chain.eid} is configured twice.`);
      eids.add(chain.eid);
      if (BigInt(chain.confirmations) < 0n) {
        throw new LayerZeroConfigError(`Chain ${chainId}: confirmations must not be negative.`);
      }
    }
    this.#chains = chains;
    this.#dvn = config.dvn;
    this.#executor = config.executor;
    this.#clock = config.clock ?? { now: () => Date.now() };
    const window = config.reReadWindowMs ?? DEFAULT_RE_READ_WINDOW_MS;
    if (!Number.isFinite(window) || window < 0) {
      throw new LayerZeroConfigError(`reReadWindowMs must be a non-negative number of ms, got ${window}.`);
    }
    this.#reReadWindowMs = window;
    const wait = config.earlierNonceWaitMs ?? DEFAULT_EARLIER_NONCE_WAIT_MS;
    if (!Number.isFinite(wait) || wait < 0) {
      throw new LayerZeroConfigError(`earlierNonceWaitMs must be a non-negative number of ms, got ${wait}.`);
    }
    this.#earlierNonceWaitMs = wait;
  }

  /**
   * The native fee the source messenger asks to send `message` to `destinationChainId` (its `quote`, with the
   * pathway's enforced options).
   *
   * @example
   * ```ts
   * const { nativeFee } = await transport.quote(31338, 31337, encodeMessage(listing));
   * ```
   */
  async quote(sourceChainId: number, destinationChainId: number, message: Hex): Promise<Quote> {
    const source = this.#chain(sourceChainId);
    const messenger = source.messenger;
    if (messenger === undefined) {
      throw new LayerZeroConfigError(`Chain ${sourceChainId} has no LayerZeroMessenger configured to quote.`);
    }
    try {
      const nativeFee = await source.client.readContract({
        address: messenger,
        abi: layerZeroMessengerAbi,
        functionName: "quote",
        args: [destinationChainId, message],
      });
      return { nativeFee };
    } catch (error) {
      const revert = decodeRevert(error);
      if (revert) {
        // UnknownChain, MissingOptions, MessageCodec errors: the request or the wiring is wrong, not the network.
        throw new LayerZeroConfigError(
          `LayerZeroMessenger.quote to chain ${destinationChainId} reverts on chain ${sourceChainId}: ${describe(revert)}.`,
        );
      }
      throw new LayerZeroRpcError(sourceChainId, "LayerZeroMessenger.quote", error);
    }
  }

  /**
   * The LayerZero packets a source transaction sent (its endpoint's `PacketSent` logs), as message refs whose
   * `messageId` is the packet GUID.
   *
   * @example
   * ```ts
   * const refs = await transport.messagesIn(31338, "0x…"); // [{ transport: "layerzero", messageId: guid, ... }]
   * ```
   */
  async messagesIn(sourceChainId: number, sourceTransaction: string): Promise<MessageRef[]> {
    const source = this.#chain(sourceChainId);
    const receipt = await this.#receipt(sourceChainId, sourceTransaction);
    return sentPackets(receipt, source.endpointV2)
      .filter((packet) => packet.srcEid === source.eid)
      .map((packet) => ({
        transport: "layerzero",
        messageId: packet.guid,
        sourceChainId,
        sourceTransaction: receipt.transactionHash,
      }));
  }

  /**
   * Where the message stands on the destination: "in-flight" (not verified and committed yet, e.g. too few
   * confirmations), "deliverable" (committed on the endpoint), "delivered" (executed), or "failed" (the destination
   * refuses it, e.g. the sender is not the receiver's peer).
   *
   * @example
   * ```ts
   * if ((await transport.status(ref, 31337)) === "deliverable") await transport.deliver(ref, 31337);
   * ```
   */
  async status(message: MessageRef, destinationChainId: number): Promise<DeliveryStatus> {
    const packet = await this.#packet(message, destinationChainId);
    const view = await this.#view(packet, destinationChainId);
    if (view.stage === "delivered") return "delivered";
    if (view.blocked !== undefined) return "failed";
    if ((await this.#refusal(packet, destinationChainId, view)) !== undefined) {
      // The simulation ran at a later block than the view: another worker may have delivered it in between.
      return (await this.#reached(packet, destinationChainId, "lzReceive")) ? "delivered" : "failed";
    }
    return view.stage === "committed" ? "deliverable" : "in-flight";
  }

  /**
   * Does what is left to deliver the message: verify as slabridge's DVN (once the source has the confirmations),
   * commit, then lzReceive, skipping every step the destination already shows done. Returns the transactions this
   * call sent and the resulting status ("in-flight" when other DVNs of the pathway have yet to verify).
   *
   * Throws {@link NotFinalYetError} (retryable) before the source has its confirmations, {@link PacketRefusedError}
   * (not retryable) when the destination refuses the packet, {@link LzReceiveRevertedError} (retryable) when a step
   * reverts for a reason that may clear, {@link LayerZeroRpcError} (retryable) on RPC failures, and
   * `AlreadyDoneAtDestinationError` (core) when lzReceive reverts because the receiver already has the packet's effect
   * (`PayoutAlreadyPaid`, `AlreadySettled`): the relay engine confirms the job.
   *
   * @example
   * ```ts
   * const { transactions, status } = await transport.deliver(ref, 31337);
   * ```
   */
  async deliver(
    message: MessageRef,
    destinationChainId: number,
  ): Promise<{ transactions: string[]; status: DeliveryStatus }> {
    const packet = await this.#packet(message, destinationChainId);
    const transactions: string[] = [];
    let checkedRefusal = false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const view = await this.#view(packet, destinationChainId);
      if (view.stage === "delivered") return { transactions, status: "delivered" };
      if (view.blocked !== undefined) {
        throw new PacketRefusedError({ guid: packet.guid, destinationChainId, reason: view.blocked });
      }
      if (!checkedRefusal) {
        // Once per call, before spending gas: a packet the receiver will never take is not worth verifying.
        const refusal = await this.#refusal(packet, destinationChainId, view);
        if (refusal) {
          if (await this.#reached(packet, destinationChainId, "lzReceive"))
            return { transactions, status: "delivered" };
          throw this.#refused(packet, destinationChainId, refusal);
        }
        checkedRefusal = true;
      }
      switch (view.stage) {
        case "unverified":
          await this.#requireConfirmations(packet, message.sourceChainId, view.requiredConfirmations);
          await this.#step(packet, destinationChainId, "verify", view.requiredConfirmations, transactions);
          break;
        case "verified":
          // Our attestation is in; the pathway waits for its other DVNs, which this transport does not play.
          return { transactions, status: "in-flight" };
        case "verifiable":
          await this.#step(packet, destinationChainId, "commitVerification", view.requiredConfirmations, transactions);
          break;
        case "committed":
          await this.#earlierNoncesCommitted(packet, destinationChainId, view.lazyNonce);
          await this.#step(packet, destinationChainId, "lzReceive", view.requiredConfirmations, transactions);
          break;
      }
    }
    throw new LzReceiveRevertedError({
      step: "lzReceive",
      guid: packet.guid,
      destinationChainId,
      reason: `NoProgressAfter${MAX_ROUNDS}Rounds`,
    });
  }

  /**
   * Simulates then sends one step; a refusal is accepted when a re-read shows the step done by someone else. The
   * re-read may land on a block before the state that refused us (see `reReadWindowMs`), so it is repeated on fresh
   * blocks for a while before the refusal counts.
   */
  async #step(
    packet: SentPacket,
    destinationChainId: number,
    step: Step,
    confirmations: bigint,
    transactions: string[],
  ): Promise<void> {
    const signer = step === "verify" ? this.#dvn : this.#executor;
    const request = this.#request(packet, destinationChainId, step, confirmations);
    const revert = await this.#simulate(destinationChainId, signer.address, request, step);
    if (revert) {
      // Peer and codec refusals are the receiver's answer to this packet, whoever sends it: no race to wait out.
      if (PERMANENT_REASONS.has(revert.name)) {
        if (await this.#reached(packet, destinationChainId, step)) return;
        throw this.#refused(packet, destinationChainId, revert);
      }
      if (await this.#reachedSoon(packet, destinationChainId, step)) return;
      // A payout already paid, a verdict already applied: the receiver has this packet's effect (a duplicate
      // publish by a racing worker). Retrying can never clear it; the relay engine confirms the job.
      if (step === "lzReceive" && ALREADY_DONE_REVERTS.has(revert.name)) {
        throw new AlreadyDoneAtDestinationError(packet.guid, destinationChainId, revert.name);
      }
      throw new LzReceiveRevertedError({
        step,
        guid: packet.guid,
        destinationChainId,
        reason: revert.name,
        args: revert.args,
      });
    }
    let outcome: Awaited<ReturnType<EvmSubmitter["send"]>>;
    try {
      outcome = await signer.submitter.send(destinationChainId, request);
    } catch (error) {
      // Typically gas estimation reverting because a racing worker's transaction landed first.
      if (await this.#reachedSoon(packet, destinationChainId, step)) return;
      if (error instanceof SlabridgeError) throw error;
      throw new TransactionRevertedError({ step, chainId: destinationChainId, cause: error });
    }
    transactions.push(outcome.transactionHash);
    if (outcome.status === "success") return;
    if (await this.#reachedSoon(packet, destinationChainId, step)) return;
    throw new TransactionRevertedError({ step, chainId: destinationChainId, transactionHash: outcome.transactionHash });
  }

  #request(packet: SentPacket, destinationChainId: number, step: Step, confirmations: bigint): EvmTransactionRequest {
    const destination = this.#chain(destinationChainId);
    switch (step) {
      case "verify":
        return {
          to: destination.receiveUln302,
          data: encodeFunctionData({
            abi: receiveUln302Abi,
            functionName: "verify",
            args: [packet.header, packet.payloadHash, confirmations],
          }),
        };
      case "commitVerification":
        return {
          to: destination.receiveUln302,
          data: encodeFunctionData({
            abi: receiveUln302Abi,
            functionName: "commitVerification",
            args: [packet.header, packet.payloadHash],
          }),
        };
      case "lzReceive": {
        // The executor runs the receiver with the gas and value the sender paid for in the packet's options.
        const { gas, value } = lzReceiveOptionOf(packet.options);
        return {
          to: destination.endpointV2,
          data: encodeFunctionData({
            abi: endpointV2Abi,
            functionName: "lzReceive",
            args: [origin(packet), packet.receiver, packet.guid, packet.message, "0x"],
          }),
          ...(value > 0n ? { value } : {}),
          ...(gas > 0n ? { gas: gas + LZ_RECEIVE_OVERHEAD_GAS } : {}),
        };
      }
    }
  }

  /**
   * Waits until every nonce of the packet's pathway between the endpoint's `lazyInboundNonce` and the packet's own has
   * a payload hash (committed, or nilified): the endpoint refuses lzReceive otherwise (`LZ_InvalidNonce`). Polls for
   * at most `earlierNonceWaitMs`, then throws {@link EarlierNonceNotCommittedError} naming the first missing nonce.
   */
  async #earlierNoncesCommitted(packet: SentPacket, destinationChainId: number, lazyNonce: bigint): Promise<void> {
    const { client, endpointV2 } = this.#chain(destinationChainId);
    const path = [packet.receiver, packet.srcEid, packet.sender] as const;
    const deadline = this.#clock.now() + this.#earlierNonceWaitMs;
    let from = lazyNonce + 1n;
    for (let poll = 0; ; poll++) {
      if (poll > 0) {
        // An earlier packet executed meanwhile: lzReceive cleared its hash, and lazyInboundNonce now covers it.
        const lazy = await this.#read(destinationChainId, "EndpointV2.lazyInboundNonce", () =>
          client.readContract({
            address: endpointV2,
            abi: endpointV2Abi,
            functionName: "lazyInboundNonce",
            args: path,
          }),
        );
        if (lazy + 1n > from) from = lazy + 1n;
      }
      // Ascending from the first nonce not known committed: each poll reads only what is still missing.
      while (from < packet.nonce) {
        const nonce = from;
        const hash = await this.#read(destinationChainId, "EndpointV2.inboundPayloadHash", () =>
          client.readContract({
            address: endpointV2,
            abi: endpointV2Abi,
            functionName: "inboundPayloadHash",
            args: [...path, nonce],
          }),
        );
        if (hash.toLowerCase() === EMPTY_HASH) break;
        from += 1n;
      }
      if (from >= packet.nonce) return;
      if (this.#clock.now() >= deadline) {
        throw new EarlierNonceNotCommittedError({
          guid: packet.guid,
          destinationChainId,
          nonce: packet.nonce,
          missingNonce: from,
          retryAt: this.#clock.now() + EARLIER_NONCE_RETRY_MS,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, EARLIER_NONCE_POLL_MS));
    }
  }

  /** eth_call of a step from its signer: undefined when it would succeed, the decoded revert when it would not. */
  async #simulate(
    chainId: number,
    from: Address,
    request: EvmTransactionRequest,
    operation: string,
  ): Promise<DecodedRevert | undefined> {
    const { client } = this.#chain(chainId);
    try {
      await client.call({
        account: from,
        to: request.to,
        data: request.data,
        ...(request.value === undefined ? {} : { value: request.value }),
        // With the gas the transaction will carry: a receiver that needs more than was paid for fails here.
        ...(request.gas === undefined ? {} : { gas: request.gas }),
      });
      return undefined;
    } catch (error) {
      const revert = decodeRevert(error);
      if (revert) return revert;
      throw new LayerZeroRpcError(chainId, `simulate ${operation}`, error);
    }
  }

  /** Whether the destination now shows `step` done (by another worker or an earlier, crashed run). */
  async #reached(packet: SentPacket, destinationChainId: number, step: Step): Promise<boolean> {
    const view = await this.#view(packet, destinationChainId);
    return RANK[view.stage] >= RANK[REACHES[step]];
  }

  /**
   * Whether the destination shows `step` done, re-read on fresh blocks for up to `reReadWindowMs`: what refused our
   * step was another worker's transaction, which the node that refused us had and our re-read's block may not yet.
   */
  async #reachedSoon(packet: SentPacket, destinationChainId: number, step: Step): Promise<boolean> {
    const reReads = Math.ceil(this.#reReadWindowMs / RE_READ_INTERVAL_MS);
    for (let i = 0; ; i++) {
      if (await this.#reached(packet, destinationChainId, step)) return true;
      if (i >= reReads) return false;
      await new Promise((resolve) => setTimeout(resolve, RE_READ_INTERVAL_MS));
    }
  }

  /**
   * Why the receiver will never take this packet, if it will not: the endpoint refuses to open the path (the sender
   * is not the receiver's peer), or the receiver's lzReceive, simulated with the endpoint as caller, reverts with a
   * permanent reason (OnlyPeer, NoPeer, MessageCodec errors, ...).
   */
  async #refusal(
    packet: SentPacket,
    destinationChainId: number,
    view: InboundView,
  ): Promise<DecodedRevert | undefined> {
    const destination = this.#chain(destinationChainId);
    const receiverRevert = await this.#simulate(
      destinationChainId,
      destination.endpointV2,
      {
        to: packet.receiver,
        data: encodeFunctionData({
          abi: oAppReceiverAbi,
          functionName: "lzReceive",
          args: [origin(packet), packet.guid, packet.message, this.#executor.address, "0x"],
        }),
      },
      "OApp.lzReceive",
    );
    if (receiverRevert && PERMANENT_REASONS.has(receiverRevert.name)) return receiverRevert;
    if (view.lazyNonce > 0n) return undefined;
    const initializable = await this.#read(destinationChainId, "EndpointV2.initializable", () =>
      destination.client.readContract({
        address: destination.endpointV2,
        abi: endpointV2Abi,
        functionName: "initializable",
        args: [origin(packet), packet.receiver],
      }),
    );
    return initializable ? undefined : { name: "LZ_PathNotInitializable", args: [], data: undefined };
  }

  #refused(packet: SentPacket, destinationChainId: number, revert: DecodedRevert): PacketRefusedError {
    return new PacketRefusedError({ guid: packet.guid, destinationChainId, reason: revert.name, args: revert.args });
  }

  /**
   * The endpoint's and the ULN's view of the packet, all read at the same destination block. A view that contradicts
   * itself (see `verified` below) is read again, up to {@link TORN_VIEW_REREADS} times.
   */
  async #view(packet: SentPacket, destinationChainId: number, rereads = 0): Promise<InboundView> {
    const destination = this.#chain(destinationChainId);
    const { client, endpointV2, receiveUln302 } = destination;
    const blockNumber = await this.#read(destinationChainId, "eth_blockNumber", () =>
      client.getBlockNumber({ cacheTime: 0 }),
    );
    const at = { blockNumber } as const;
    const path = [packet.receiver, packet.srcEid, packet.sender] as const;
    const [payloadHash, lazyNonce, config, [submitted, verifiedConfirmations]] = await Promise.all([
      this.#read(destinationChainId, "EndpointV2.inboundPayloadHash", () =>
        client.readContract({
          address: endpointV2,
          abi: endpointV2Abi,
          functionName: "inboundPayloadHash",
          args: [...path, packet.nonce],
          ...at,
        }),
      ),
      this.#read(destinationChainId, "EndpointV2.lazyInboundNonce", () =>
        client.readContract({
          address: endpointV2,
          abi: endpointV2Abi,
          functionName: "lazyInboundNonce",
          args: path,
          ...at,
        }),
      ),
      this.#read(destinationChainId, "ReceiveUln302.getUlnConfig", () =>
        client.readContract({
          address: receiveUln302,
          abi: receiveUln302Abi,
          functionName: "getUlnConfig",
          args: [packet.receiver, packet.srcEid],
          ...at,
        }),
      ),
      this.#read(destinationChainId, "ReceiveUln302.hashLookup", () =>
        client.readContract({
          address: receiveUln302,
          abi: receiveUln302Abi,
          functionName: "hashLookup",
          args: [packet.headerHash, packet.payloadHash, this.#dvn.address],
          ...at,
        }),
      ),
    ]);
    const sourceConfirmations = BigInt(this.#chain(this.#chainOfEid(packet.srcEid)).confirmations);
    const requiredConfirmations = max(sourceConfirmations, config.confirmations, 1n);
    const base = { lazyNonce, requiredConfirmations, blocked: undefined };
    const hash = payloadHash.toLowerCase();
    // lzReceive clears the stored hash and lazyInboundNonce covers every executed nonce (`burn`/`skip` look the same).
    if (packet.nonce <= lazyNonce && hash === EMPTY_HASH) return { ...base, stage: "delivered" };
    if (hash === packet.payloadHash.toLowerCase()) return { ...base, stage: "committed" };
    if (hash === NIL_HASH) return { ...base, stage: "unverified", blocked: "Nilified" };
    if (packet.nonce <= lazyNonce && hash !== EMPTY_HASH) {
      return { ...base, stage: "unverified", blocked: "PayloadHashMismatch" };
    }
    const dvns = [...config.requiredDVNs, ...config.optionalDVNs];
    if (!dvns.some((dvn) => isAddressEqual(dvn, this.#dvn.address))) {
      throw new LayerZeroConfigError(
        `slabridge's DVN ${this.#dvn.address} is not a DVN of ${packet.receiver} for eid ${packet.srcEid} on chain ${destinationChainId}.`,
      );
    }
    const verifiable = await this.#read(destinationChainId, "ReceiveUln302.verifiable", () =>
      client.readContract({
        address: receiveUln302,
        abi: receiveUln302Abi,
        functionName: "verifiable",
        args: [config, packet.headerHash, packet.payloadHash],
        ...at,
      }),
    );
    if (verifiable) return { ...base, stage: "verifiable" };
    if (submitted && verifiedConfirmations >= requiredConfirmations) {
      // "Attested, not verifiable" means other DVNs are still due, unless ours alone satisfies the config: then the
      // reads disagree (a node answering "at block N" from a later block, as anvil does while it mines, or a
      // load-balanced RPC), and the packet may well be committed already. Read again rather than stop at in-flight.
      if (rereads < TORN_VIEW_REREADS && dvnAloneSuffices(config, this.#dvn.address)) {
        return this.#view(packet, destinationChainId, rereads + 1);
      }
      return { ...base, stage: "verified" };
    }
    return { ...base, stage: "unverified" };
  }

  /** The DVN attests a packet only once its source block has the pathway's confirmations (1 = mined). */
  async #requireConfirmations(packet: SentPacket, sourceChainId: number, required: bigint): Promise<void> {
    const { client } = this.#chain(sourceChainId);
    const head = await this.#read(sourceChainId, "eth_blockNumber", () => client.getBlockNumber({ cacheTime: 0 }));
    const confirmations = head >= packet.blockNumber ? head - packet.blockNumber + 1n : 0n;
    if (confirmations < required) {
      throw new NotFinalYetError({
        sourceChainId,
        sourceTransaction: packet.transactionHash,
        confirmations,
        required,
        checkedAt: this.#clock.now(),
      });
    }
  }

  /** Re-reads the packet from its source transaction (never trusts a stored copy) and checks its destination. */
  async #packet(message: MessageRef, destinationChainId: number): Promise<SentPacket> {
    if (message.transport !== "layerzero") {
      throw new LayerZeroConfigError(`LayerZero transport given a ${message.transport} message.`);
    }
    const source = this.#chain(message.sourceChainId);
    const destination = this.#chain(destinationChainId);
    const receipt = await this.#receipt(message.sourceChainId, message.sourceTransaction);
    const packet = sentPackets(receipt, source.endpointV2).find(
      (p) => p.guid === message.messageId.toLowerCase() && p.srcEid === source.eid,
    );
    const notFound = (reason: string) =>
      new PacketNotFoundError({
        sourceChainId: message.sourceChainId,
        sourceTransaction: message.sourceTransaction,
        guid: message.messageId,
        reason,
      });
    if (!packet) throw notFound("no PacketSent with this GUID from the source endpoint");
    if (packet.dstEid !== destination.eid) {
      throw notFound(`it goes to eid ${packet.dstEid}, not chain ${destinationChainId} (eid ${destination.eid})`);
    }
    if (destination.oapps !== undefined) {
      const served =
        destination.messenger === undefined ? destination.oapps : [destination.messenger, ...destination.oapps];
      if (!served.some((oapp) => isAddressEqual(oapp, packet.receiver))) {
        throw new PacketRefusedError({
          guid: packet.guid,
          destinationChainId,
          reason: "ReceiverNotServed",
          args: [packet.receiver],
        });
      }
    }
    return packet;
  }

  async #receipt(chainId: number, transaction: string): Promise<TransactionReceipt> {
    const { client } = this.#chain(chainId);
    if (!/^0x[0-9a-fA-F]{64}$/.test(transaction)) {
      throw new LayerZeroConfigError(`Not a transaction hash: ${transaction.slice(0, 80)}.`);
    }
    let receipt: TransactionReceipt;
    try {
      receipt = await client.getTransactionReceipt({ hash: transaction as Hex });
    } catch (error) {
      if (error instanceof Error && error.name === "TransactionReceiptNotFoundError") {
        throw new SourceTransactionNotFoundError(chainId, transaction, error);
      }
      throw new LayerZeroRpcError(chainId, "eth_getTransactionReceipt", error);
    }
    // A reverted transaction emitted nothing; its "packets" never existed.
    if (receipt.status !== "success") return { ...receipt, logs: [] };
    return receipt;
  }

  /** Runs a read, translating a raw RPC failure into {@link LayerZeroRpcError} (once, here). */
  async #read<T>(chainId: number, operation: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof SlabridgeError) throw error;
      throw new LayerZeroRpcError(chainId, operation, error);
    }
  }

  /**
   * How slabridge messages leave `chainId` over LayerZero, for the EVM watcher: the endpoint's `PacketSent` logs
   * whose sender is our messenger, decoded with PacketV1Codec (destination by the packet's dstEid).
   *
   * @example const outbox = transport.outbox(31337); // watched by createEvmChain's watcher
   */
  outbox(chainId: number): EvmOutbox {
    const source = this.#chain(chainId);
    if (!source.messenger)
      throw new LayerZeroConfigError(`no messenger configured for chain ${chainId}: nothing to watch`);
    const messenger = source.messenger.toLowerCase();
    const byEid = new Map([...this.#chains].map(([id, chain]) => [chain.eid, id]));
    return {
      transport: "layerzero",
      address: source.endpointV2,
      event: packetSentEvent,
      decode: (log) => {
        let encodedPayload: Hex;
        try {
          ({ encodedPayload } = decodeEventLog({
            abi: endpointV2Abi,
            eventName: "PacketSent",
            data: log.data,
            topics: log.topics,
            strict: true,
          }).args);
        } catch {
          return undefined; // not a PacketSent
        }
        const packet = PacketV1Codec.from(encodedPayload);
        if (`0x${packet.sender().slice(-40)}`.toLowerCase() !== messenger) return undefined; // another OApp
        const destination = byEid.get(packet.dstEid());
        return destination === undefined ? undefined : { destination, message: bytesHex(packet.message()) };
      },
      messagesIn: (transaction) => this.messagesIn(chainId, transaction),
      deliverJobId: (ref) => jobIds.layerZeroMessage(ref.messageId),
    };
  }

  #chain(chainId: number): LayerZeroChainConfig {
    const chain = this.#chains.get(chainId);
    if (!chain) throw new LayerZeroConfigError(`Chain ${chainId} is not configured for LayerZero.`);
    return chain;
  }

  #chainOfEid(eid: number): number {
    for (const [chainId, chain] of this.#chains) if (chain.eid === eid) return chainId;
    throw new LayerZeroConfigError(`No configured chain has LayerZero eid ${eid}.`);
  }
}

function origin(packet: SentPacket) {
  return { srcEid: packet.srcEid, sender: packet.sender, nonce: packet.nonce } as const;
}

function max(first: bigint, ...rest: bigint[]): bigint {
  let largest = first;
  for (const value of rest) if (value > largest) largest = value;
  return largest;
}

function describe(revert: DecodedRevert): string {
  return `${revert.name}(${revert.args.map(String).join(", ")})`;
}
