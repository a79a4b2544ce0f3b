import type { Hex, MessageRef, TransportName } from "@slabridge/core";
import type { AbiEvent, Address } from "viem";

/** A raw log of an outbox event, as the watcher got it (the outbox decodes it with its own ABI). */
export interface EvmOutboxLog {
  address: Address;
  data: Hex;
  topics: [] | [signature: Hex, ...args: Hex[]];
}

/** A slabridge message that left the chain through one of our messengers. */
export interface OutgoingMessage {
  /** slabridge chain id the message is for. */
  destination: number;
  /** The slabridge message (codec bytes). */
  message: Hex;
  /** The transport's id of the message, when the log alone names it (a Wormhole VAA id `chain/emitter/sequence`). */
  messageId?: string;
}

/**
 * How one transport's messages leave an EVM chain, as the watcher reads them: which contract logs them (LayerZero's
 * endpoint, Wormhole's core), which event, how a log decodes into a message of ours (a log of another app decodes
 * to undefined), and the refs and job id a deliver-message job carries. Implemented by the transport packages
 * (`LayerZeroTransport.outbox`, `WormholeTransport.outbox`), so transport formats are parsed there only.
 *
 * @example
 * const outbox = transports.layerzero.outbox(31337);
 * const found = outbox.decode(log); // { destination: 31338, message: "0x01…" } or undefined
 */
export interface EvmOutbox {
  readonly transport: TransportName;
  readonly address: Address;
  readonly event: AbiEvent;
  decode(log: EvmOutboxLog): OutgoingMessage | undefined;
  /** The transport's refs of every message of ours the source transaction sent. */
  messagesIn(transaction: Hex): Promise<MessageRef[]>;
  /** The deliver-message job id of a message (deterministic: a rescan creates nothing twice). */
  deliverJobId(ref: MessageRef): string;
}
