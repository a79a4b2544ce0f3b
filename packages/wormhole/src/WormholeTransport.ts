import {
  ALREADY_DONE_REVERTS,
  AlreadyDoneAtDestinationError,
  type DeliveryStatus,
  type MessageRef,
  type Quote,
  type SlabridgeError,
  type Transport,
} from "@slabridge/core";
import type { EvmOutbox } from "@slabridge/evm";
import {
  type Address,
  decodeEventLog,
  encodeFunctionData,
  getAbiItem,
  type Hex,
  hexToNumber,
  isAddressEqual,
  type PublicClient,
  pad,
  parseEventLogs,
  size,
  slice,
  type TransactionReceipt,
  toHex,
} from "viem";
import { decodeMessengerRevert, receiveVaaAbi } from "./decodeMessengerRevert.ts";
import type { EvmSubmitter } from "./EvmSubmitter.ts";
import { AlreadyDeliveredError } from "./errors/AlreadyDeliveredError.ts";
import { ForgedVaaError } from "./errors/ForgedVaaError.ts";
import { MalformedPayloadError } from "./errors/MalformedPayloadError.ts";
import { MessengerRevertedError } from "./errors/MessengerRevertedError.ts";
import { UntrustedEmitterError } from "./errors/UntrustedEmitterError.ts";
import { VaaNotYetAvailableError } from "./errors/VaaNotYetAvailableError.ts";
import { WormholeConfigError } from "./errors/WormholeConfigError.ts";
import { WormholeRpcError } from "./errors/WormholeRpcError.ts";
import { WrongDestinationError } from "./errors/WrongDestinationError.ts";
import type { GuardianApiClient } from "./GuardianApiClient.ts";
import { GuardianSetCache } from "./GuardianSetCache.ts";
import { splitVaa } from "./splitVaa.ts";
import { formatVaaId, parseVaaId } from "./vaaId.ts";
import { type VerifiedVaa, verifyVaa } from "./verifyVaa.ts";
import { wormholeCoreAbi } from "./wormholeCoreAbi.ts";

const logMessagePublished = getAbiItem({ abi: wormholeCoreAbi, name: "LogMessagePublished" });

/** One EVM chain as the transport sees it. */
export interface WormholeChainConfig {
  readonly client: PublicClient;
  /** Wormhole chain id of this chain (e.g. 10002 on the devnet's evm-a). */
  readonly wormholeChainId: number;
  /** Wormhole core (proxy). */
  readonly core: Address;
  /** slabridge's WormholeMessenger: the emitter on this chain and the `receiveVaa` target. */
  readonly messenger: Address;
}

/** Options of {@link WormholeTransport}. */
export interface WormholeTransportConfig {
  /** slabridge chain id (the EVM chain id) -> chain config. */
  readonly chains: ReadonlyMap<number, WormholeChainConfig>;
  /** Where signed VAAs come from; only `getSignedVaa` is used. */
  readonly guardian: Pick<GuardianApiClient, "getSignedVaa">;
  readonly submitter: EvmSubmitter;
  /**
   * Trusted emitters that are not a configured EVM messenger, e.g. slabridge's Solana emitter on Wormhole chain 1
   * (bytes32). Every configured chain's messenger is trusted on its Wormhole chain.
   */
  readonly externalEmitters?: ReadonlyArray<{ readonly wormholeChainId: number; readonly emitter: Hex }>;
  /** How long a destination core's current guardian set index is cached (default 10 minutes). */
  readonly guardianSetTtlMs?: number;
}

/** What {@link WormholeTransport.redeemVaa} did. */
export interface Redemption {
  readonly verified: VerifiedVaa;
  /** What this call sent (a reverted one included: it cost gas). */
  readonly transactions: string[];
  /** "this-call" when our transaction delivered it; "concurrent" when another relayer's did first. */
  readonly deliveredBy: "this-call" | "concurrent";
}

const VERIFICATION_ERRORS = [ForgedVaaError, UntrustedEmitterError, WrongDestinationError, MalformedPayloadError];
const isVerificationError = (error: unknown): boolean => VERIFICATION_ERRORS.some((type) => error instanceof type);

/**
 * slabridge's Wormhole transport (the core `Transport` port). Sending is a call on a slabridge contract that
 * publishes through its WormholeMessenger; this finds the published message (`LogMessagePublished`), fetches its
 * VAA from the guardian API, verifies it off-chain (signatures against the destination core's guardian set, emitter
 * allowlist, destination, codec) so a forged or misaddressed VAA never costs gas, checks the destination's
 * `delivered(vaaHash)`, simulates `receiveVaa`, submits and confirms. Delivery is idempotent: a VAA already
 * delivered, by us or by a concurrent relayer, ends "delivered" without a new transaction, and concurrent
 * `deliver` calls in one process share one submission.
 *
 * @example
 * ```ts
 * const transport = new WormholeTransport({
 *   chains: new Map([[31337, { client: clientA, wormholeChainId: 10002, core: coreA, messenger: messengerA }],
 *                    [31338, { client: clientB, wormholeChainId: 10004, core: coreB, messenger: messengerB }]]),
 *   guardian: new GuardianApiClient({ baseUrls: [manifest.guardian.apiUrl], ... }),
 *   submitter,
 *   externalEmitters: [{ wormholeChainId: 1, emitter: solana.wormholeEmitter }],
 * });
 * const [ref] = await transport.messagesIn(31337, relayTxHash);
 * const { status, transactions } = await transport.deliver(ref, 31338); // "delivered"
 * ```
 */
export class WormholeTransport implements Transport {
  readonly name = "wormhole" as const;
  readonly #config: WormholeTransportConfig;
  readonly #allowedEmitters: ReadonlyMap<number, Hex>;
  readonly #guardianSets = new Map<number, GuardianSetCache>();
  readonly #inFlight = new Map<string, Promise<Redemption>>();

  constructor(config: WormholeTransportConfig) {
    this.#config = config;
    const emitters = new Map<number, Hex>();
    const trust = (wormholeChainId: number, emitter: Hex) => {
      const existing = emitters.get(wormholeChainId);
      if (existing !== undefined && existing !== emitter) {
        throw new WormholeConfigError(`Two emitters configured for Wormhole chain ${wormholeChainId}.`);
      }
      emitters.set(wormholeChainId, emitter);
    };
    for (const chain of config.chains.values()) trust(chain.wormholeChainId, pad(chain.messenger).toLowerCase() as Hex);
    for (const external of config.externalEmitters ?? []) {
      if (!/^0x[0-9a-fA-F]{64}$/.test(external.emitter)) {
        throw new WormholeConfigError(`External emitter of Wormhole chain ${external.wormholeChainId} is not bytes32.`);
      }
      trust(external.wormholeChainId, external.emitter.toLowerCase() as Hex);
    }
    this.#allowedEmitters = emitters;
  }

  /**
   * The native fee the source messenger charges to send `message` to `destinationChainId` (`messenger.quote`).
   *
   * @example
   * ```ts
   * const { nativeFee } = await transport.quote(31337, 31338, encodeMessage(batch));
   * ```
   */
  async quote(sourceChainId: number, destinationChainId: number, message: Hex): Promise<Quote> {
    const chain = this.#chain(sourceChainId);
    try {
      const nativeFee = await chain.client.readContract({
        address: chain.messenger,
        abi: receiveVaaAbi,
        functionName: "quote",
        args: [destinationChainId, message],
      });
      return { nativeFee };
    } catch (error) {
      throw this.#translate(error, sourceChainId, "Quoting a Wormhole message");
    }
  }

  /**
   * The Wormhole messages the source messenger published in `sourceTransaction` (its core's `LogMessagePublished`
   * with the messenger as sender), as refs with messageId `"{whChain}/{emitterHex64}/{sequence}"`. Empty for a
   * reverted transaction or one that published nothing through slabridge's messenger.
   *
   * @throws {WormholeRpcError} (retryable) when the receipt cannot be read yet
   * @example
   * ```ts
   * const refs = await transport.messagesIn(31337, "0x…relayReceipts tx");
   * ```
   */
  async messagesIn(sourceChainId: number, sourceTransaction: string): Promise<MessageRef[]> {
    const chain = this.#chain(sourceChainId);
    if (!/^0x[0-9a-fA-F]{64}$/.test(sourceTransaction)) {
      throw new WormholeConfigError("Source transaction is not a 32-byte hash.");
    }
    let receipt: TransactionReceipt;
    try {
      receipt = await chain.client.getTransactionReceipt({ hash: sourceTransaction as Hex });
    } catch (error) {
      throw new WormholeRpcError(sourceChainId, "Reading the source transaction receipt", error);
    }
    if (receipt.status !== "success") return [];
    const emitter = pad(chain.messenger).slice(2).toLowerCase();
    return parseEventLogs({ abi: wormholeCoreAbi, eventName: "LogMessagePublished", logs: receipt.logs })
      .filter((log) => isAddressEqual(log.address, chain.core) && isAddressEqual(log.args.sender, chain.messenger))
      .map((log) => ({
        transport: "wormhole" as const,
        messageId: formatVaaId({ chain: chain.wormholeChainId, emitter, sequence: log.args.sequence }),
        sourceChainId,
        sourceTransaction: receipt.transactionHash,
      }));
  }

  /**
   * Where the message stands: "in-flight" until the guardian API serves its VAA, "failed" if the VAA fails
   * off-chain verification for this destination (forged, untrusted emitter, other destination, malformed),
   * "delivered" once the destination messenger's `delivered(vaaHash)` is true, else "deliverable".
   * Looks at the API once (no polling).
   *
   * @throws {GuardianApiUnavailableError | GuardianApiError | WormholeRpcError} when it cannot tell
   * @example
   * ```ts
   * if ((await transport.status(ref, 31338)) === "deliverable") await transport.deliver(ref, 31338);
   * ```
   */
  async status(message: MessageRef, destinationChainId: number): Promise<DeliveryStatus> {
    const chain = this.#chain(destinationChainId);
    let bytes: Uint8Array;
    try {
      bytes = await this.#config.guardian.getSignedVaa(this.#vaaIdOf(message), { maxAttempts: 1 });
    } catch (error) {
      if (error instanceof VaaNotYetAvailableError) return "in-flight";
      throw error;
    }
    let verified: VerifiedVaa;
    try {
      verified = await this.verify(bytes, destinationChainId);
    } catch (error) {
      if (isVerificationError(error)) return "failed";
      throw error;
    }
    return (await this.#delivered(chain, destinationChainId, verified.hash)) ? "delivered" : "deliverable";
  }

  /**
   * Fetches the VAA (polling the guardian API), then {@link redeemVaa}. A VAA already delivered ends "delivered"
   * with no transaction; concurrent calls for one message in this process share one submission (the others report
   * no transaction of their own).
   *
   * @throws {VaaNotYetAvailableError} (retryable) while the guardians have not signed it
   * @throws the verification errors of {@link verifyVaa} and {@link MessengerRevertedError}, before any gas is spent
   * @example
   * ```ts
   * const { transactions, status } = await transport.deliver(ref, 31338);
   * ```
   */
  async deliver(
    message: MessageRef,
    destinationChainId: number,
  ): Promise<{ transactions: string[]; status: DeliveryStatus }> {
    this.#chain(destinationChainId);
    const key = `${destinationChainId}:${message.messageId}`;
    const running = this.#inFlight.get(key);
    if (running !== undefined) {
      await running.catch((error: unknown) => {
        if (!(error instanceof AlreadyDeliveredError)) throw error;
      });
      return { transactions: [], status: "delivered" };
    }
    const redemption = (async () => {
      const bytes = await this.#config.guardian.getSignedVaa(this.#vaaIdOf(message));
      return this.redeemVaa(bytes, destinationChainId);
    })();
    this.#inFlight.set(key, redemption);
    try {
      const { transactions } = await redemption;
      return { transactions, status: "delivered" };
    } catch (error) {
      if (error instanceof AlreadyDeliveredError) return { transactions: [], status: "delivered" };
      throw error;
    } finally {
      this.#inFlight.delete(key);
    }
  }

  /**
   * Verifies `bytes` for `destinationChainId` with that chain's core guardian set and the configured emitters.
   *
   * @throws {ForgedVaaError | UntrustedEmitterError | WrongDestinationError | MalformedPayloadError}
   * @example
   * ```ts
   * const { message, hash } = await transport.verify(vaaBytes, 31338);
   * ```
   */
  async verify(bytes: Uint8Array, destinationChainId: number): Promise<VerifiedVaa> {
    const parts = splitVaa(bytes);
    if (parts === undefined) throw new ForgedVaaError("unparsable", `${bytes.length} bytes is too short for a VAA`);
    const guardianSet = await this.#guardianSetsOf(destinationChainId).forIndex(parts.guardianSetIndex);
    return verifyVaa(bytes, {
      guardianSet,
      allowedEmitters: this.#allowedEmitters,
      expectedDestination: destinationChainId,
    });
  }

  /**
   * Delivers serialized VAA bytes to `destinationChainId`'s messenger, strictly: verify off-chain, refuse a VAA the
   * messenger already has, simulate `receiveVaa`, submit, confirm. Used by {@link deliver}, and directly for VAAs
   * that arrive by other means (e.g. the operators' Solana-side messages).
   *
   * @throws {AlreadyDeliveredError} when the destination already has it (nothing sent)
   * @throws {ForgedVaaError | UntrustedEmitterError | WrongDestinationError | MalformedPayloadError} (nothing sent)
   * @throws {AlreadyDoneAtDestinationError} when the receiver already has this VAA's effect (`PayoutAlreadyPaid`,
   *   `AlreadySettled`: a duplicate publish); the relay engine confirms the job
   * @throws {MessengerRevertedError} when the simulation or the mined transaction reverts
   * @throws {WormholeRpcError} when the chain cannot be read or the submitter fails without a revert
   * @example
   * ```ts
   * const { transactions } = await transport.redeemVaa(vaaBytes, 31338);
   * ```
   */
  async redeemVaa(bytes: Uint8Array, destinationChainId: number): Promise<Redemption> {
    const chain = this.#chain(destinationChainId);
    const verified = await this.verify(bytes, destinationChainId);
    if (await this.#delivered(chain, destinationChainId, verified.hash)) {
      throw new AlreadyDeliveredError(verified.hash, destinationChainId);
    }
    const vaaHex = toHex(bytes);
    try {
      await chain.client.simulateContract({
        address: chain.messenger,
        abi: receiveVaaAbi,
        functionName: "receiveVaa",
        args: [vaaHex],
      });
    } catch (error) {
      throw this.#refusal(error, destinationChainId, verified.hash);
    }

    const call = {
      to: chain.messenger,
      data: encodeFunctionData({ abi: receiveVaaAbi, functionName: "receiveVaa", args: [vaaHex] }),
    };
    let submission: Awaited<ReturnType<EvmSubmitter["send"]>>;
    try {
      submission = await this.#config.submitter.send(destinationChainId, call);
    } catch (error) {
      // Someone may have delivered it between our simulation and our send (gas estimation then reverts).
      if (await this.#delivered(chain, destinationChainId, verified.hash)) {
        return { verified, transactions: [], deliveredBy: "concurrent" };
      }
      throw this.#refusal(error, destinationChainId, verified.hash, "Submitting receiveVaa");
    }
    const transactions = [submission.transactionHash];
    const delivered = await this.#delivered(chain, destinationChainId, verified.hash);
    if (submission.status === "success" && delivered) return { verified, transactions, deliveredBy: "this-call" };
    if (delivered) return { verified, transactions, deliveredBy: "concurrent" };
    throw new MessengerRevertedError({
      chainId: destinationChainId,
      errorName: undefined,
      transactionHash: submission.transactionHash,
      details: `transaction ${submission.status} but the messenger has not recorded the VAA`,
    });
  }

  #vaaIdOf(message: MessageRef) {
    if (message.transport !== "wormhole") {
      throw new WormholeConfigError(`Message ref of transport ${message.transport} given to the Wormhole transport.`);
    }
    return parseVaaId(message.messageId);
  }

  /**
   * How slabridge messages leave `chainId` over Wormhole, for the EVM watcher: the core's `LogMessagePublished` logs
   * whose sender is our messenger; the payload is `uint32 destination || message` (slabridge chain id), and the log
   * alone names the VAA (`chain/emitter/sequence`).
   *
   * @example const outbox = transport.outbox(31338); // watched by createEvmChain's watcher
   */
  outbox(chainId: number): EvmOutbox {
    const chain = this.#chain(chainId);
    const emitter = pad(chain.messenger).slice(2).toLowerCase();
    return {
      transport: "wormhole",
      address: chain.core,
      event: logMessagePublished,
      decode: (log) => {
        let args: { sender: Address; sequence: bigint; payload: Hex };
        try {
          ({ args } = decodeEventLog({
            abi: wormholeCoreAbi,
            eventName: "LogMessagePublished",
            data: log.data,
            topics: log.topics,
            strict: true,
          }));
        } catch {
          return undefined; // not a LogMessagePublished
        }
        if (!isAddressEqual(args.sender, chain.messenger)) return undefined; // another emitter on the same core
        if (size(args.payload) < 4) return undefined;
        return {
          destination: hexToNumber(slice(args.payload, 0, 4)),
          message: slice(args.payload, 4),
          messageId: formatVaaId({ chain: chain.wormholeChainId, emitter, sequence: args.sequence }),
        };
      },
      messagesIn: (transaction) => this.messagesIn(chainId, transaction),
      deliverJobId: (ref) => `deliver-message:wh:${ref.messageId.toLowerCase()}`,
    };
  }

  #chain(chainId: number): WormholeChainConfig {
    const chain = this.#config.chains.get(chainId);
    if (chain === undefined) throw new WormholeConfigError(`Chain ${chainId} is not configured for Wormhole.`);
    return chain;
  }

  #guardianSetsOf(chainId: number): GuardianSetCache {
    let cache = this.#guardianSets.get(chainId);
    if (cache === undefined) {
      const chain = this.#chain(chainId);
      cache = new GuardianSetCache({
        client: chain.client,
        chainId,
        core: chain.core,
        ...(this.#config.guardianSetTtlMs === undefined ? {} : { ttlMs: this.#config.guardianSetTtlMs }),
      });
      this.#guardianSets.set(chainId, cache);
    }
    return cache;
  }

  async #delivered(chain: WormholeChainConfig, chainId: number, hash: Hex): Promise<boolean> {
    try {
      return await chain.client.readContract({
        address: chain.messenger,
        abi: receiveVaaAbi,
        functionName: "delivered",
        args: [hash],
      });
    } catch (error) {
      throw new WormholeRpcError(chainId, "Reading delivered(vaaHash) from the messenger", error);
    }
  }

  /** A failed simulation or send: AlreadyDelivered means a concurrent relayer won; other reverts are typed. */
  #refusal(error: unknown, chainId: number, hash: Hex, operation = "Simulating receiveVaa"): SlabridgeError {
    const revert = decodeMessengerRevert(error, chainId);
    if (revert?.errorName === "AlreadyDelivered") return new AlreadyDeliveredError(hash, chainId);
    // A payout already paid, a verdict already applied: the receiver has this VAA's effect (a duplicate publish).
    if (revert?.errorName !== undefined && ALREADY_DONE_REVERTS.has(revert.errorName)) {
      return new AlreadyDoneAtDestinationError(hash, chainId, revert.errorName);
    }
    return revert ?? new WormholeRpcError(chainId, operation, error);
  }

  #translate(error: unknown, chainId: number, operation: string): SlabridgeError {
    return (
      decodeMessengerRevert(error, chainId, { functionName: "quote" }) ??
      new WormholeRpcError(chainId, operation, error)
    );
  }
}
