import type { DeliveryStatus } from "@slabridge/core";
import {
  type EvmSubmitter,
  LayerZeroTransport,
  NotFinalYetError,
  type SentPacket,
  sentPackets,
} from "@slabridge/layerzero";
import type { Account, Address, Hex, TransactionReceipt } from "viem";
import type { DevnetClients } from "./devnetClients.ts";
import { EvmDevnetError } from "./EvmDevnetError.ts";
import { receiptOf } from "./submitTransaction.ts";

/** What {@link LayerZeroDevnetRelayer.relay} did: the transport's delivery result for one packet. */
export interface RelayOutcome {
  /** "delivered" (now or before), or "in-flight" while the pathway waits for DVNs the devnet does not play. */
  status: DeliveryStatus;
  guid: Hex;
  nonce: bigint;
  /** Transactions sent by this call, in order (verify, commitVerification, lzReceive); steps already done are skipped. */
  transactions: string[];
}

/** One end of a pathway: the chain's clients and its LayerZero contracts. */
export interface RelayerEndpoint {
  clients: DevnetClients;
  eid: number;
  endpointV2: Address;
  receiveUln302: Address;
}

/** Options for {@link LayerZeroDevnetRelayer}. */
export interface LayerZeroDevnetRelayerOptions {
  source: RelayerEndpoint;
  destination: RelayerEndpoint;
  /** The DVN key that signs ReceiveUln302.verify (an unlocked anvil address or a local viem account). */
  dvn: Account | Address;
  /** The executor key that calls commitVerification and EndpointV2.lzReceive. */
  executor: Account | Address;
}

/** How long {@link LayerZeroDevnetRelayer.relay} waits for the source block to get its confirmations. */
const CONFIRMATIONS_TIMEOUT_MS = 60_000;
const CONFIRMATIONS_POLL_MS = 50;

/**
 * Plays DVN and executor for one devnet pathway (source → destination) with `@slabridge/layerzero`'s transport, the
 * same code the relay runs: finds PacketSent in a source receipt, then verifies, commits and runs lzReceive on the
 * destination, skipping every step the endpoint and ULN already show done, so a packet is never delivered twice.
 * Unlike the transport (which reports "not final yet" and lets the job retry), it waits for the source block's
 * confirmations itself: the devnet's start-up has no retry queue.
 *
 * @example const [outcome] = await new LayerZeroDevnetRelayer({ source, destination, dvn, executor }).relayReceipt(receipt);
 */
export class LayerZeroDevnetRelayer {
  readonly #source: RelayerEndpoint;
  readonly #destination: RelayerEndpoint;
  readonly #transport: LayerZeroTransport;

  constructor(options: LayerZeroDevnetRelayerOptions) {
    this.#source = options.source;
    this.#destination = options.destination;
    const chain = (end: RelayerEndpoint) =>
      [
        end.clients.chain.id,
        {
          client: end.clients.publicClient,
          eid: end.eid,
          endpointV2: end.endpointV2,
          receiveUln302: end.receiveUln302,
          // The ULN config's own confirmations decide; the transport takes the larger of the two.
          confirmations: 1,
        },
      ] as const;
    const signer = (key: Account | Address) => ({
      address: typeof key === "string" ? key : key.address,
      submitter: walletSubmitter(options.destination.clients, key),
    });
    this.#transport = new LayerZeroTransport({
      chains: new Map([chain(options.source), chain(options.destination)]),
      dvn: signer(options.dvn),
      executor: signer(options.executor),
    });
  }

  /**
   * Packets bound for the destination eid in a source-chain transaction receipt.
   *
   * @example const [packet] = relayer.packetsInReceipt(receipt);
   */
  packetsInReceipt(receipt: TransactionReceipt): SentPacket[] {
    return sentPackets(receipt, this.#source.endpointV2).filter(
      (packet) => packet.srcEid === this.#source.eid && packet.dstEid === this.#destination.eid,
    );
  }

  /**
   * Relays every packet for the destination found in a source-chain receipt, in nonce order.
   *
   * @example const outcomes = await relayer.relayReceipt(receipt); // [{ status: "delivered", ... }]
   */
  async relayReceipt(receipt: TransactionReceipt): Promise<RelayOutcome[]> {
    const outcomes: RelayOutcome[] = [];
    for (const packet of this.packetsInReceipt(receipt)) outcomes.push(await this.relay(packet));
    return outcomes;
  }

  /**
   * Verifies, commits and executes one packet on the destination, skipping whatever is already done.
   *
   * @example const { status, transactions } = await relayer.relay(packet); // "delivered", [verify, commit, lzReceive]
   */
  async relay(packet: SentPacket): Promise<RelayOutcome> {
    const ref = {
      transport: "layerzero",
      messageId: packet.guid,
      sourceChainId: this.#source.clients.chain.id,
      sourceTransaction: packet.transactionHash,
    } as const;
    const deadline = Date.now() + CONFIRMATIONS_TIMEOUT_MS;
    try {
      for (;;) {
        try {
          const { status, transactions } = await this.#transport.deliver(ref, this.#destination.clients.chain.id);
          return { status, guid: packet.guid, nonce: packet.nonce, transactions };
        } catch (error) {
          if (!(error instanceof NotFinalYetError) || Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, CONFIRMATIONS_POLL_MS));
        }
      }
    } catch (error) {
      throw EvmDevnetError.wrap("relay-failed", `relaying ${describePacket(packet)}`, error);
    }
  }
}

/** Sends from one devnet key (unlocked anvil address or local account) on the destination chain. */
function walletSubmitter(clients: DevnetClients, key: Account | Address): EvmSubmitter {
  const wallet = clients.wallet(key);
  return {
    async send(chainId, { to, data, value, gas }) {
      if (chainId !== clients.chain.id) {
        throw new EvmDevnetError(
          "invalid-config",
          `the devnet relayer sends on chain ${clients.chain.id}, not ${chainId}`,
        );
      }
      // The request's gas when it has one (lzReceive: what the sender paid for), as the production sender sends it;
      // a node's estimate taken while the chain mines other transactions can come out short.
      const hash = await wallet.sendTransaction({
        to,
        data,
        value: value ?? 0n,
        ...(gas === undefined ? {} : { gas }),
      });
      const receipt = await receiptOf(clients.publicClient, hash, "LayerZero step");
      return { transactionHash: receipt.transactionHash, status: receipt.status };
    },
  };
}

function describePacket(packet: SentPacket): string {
  return `packet ${packet.srcEid}->${packet.dstEid} nonce ${packet.nonce}`;
}
