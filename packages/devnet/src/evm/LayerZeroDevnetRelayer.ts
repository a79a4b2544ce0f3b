import { Options, PacketV1Codec } from "@layerzerolabs/lz-v2-utilities";
import {
  type Account,
  type Address,
  type BlockNumber,
  type BlockTag,
  getAddress,
  type Hash,
  type Hex,
  isAddressEqual,
  parseEventLogs,
  type TransactionReceipt,
} from "viem";
import { endpointV2Abi, receiveUln302Abi } from "./abis.ts";
import type { DevnetClients } from "./devnetClients.ts";
import { EvmDevnetError } from "./EvmDevnetError.ts";
import { submitTransaction } from "./submitTransaction.ts";

/** A packet read from a source endpoint's PacketSent log, decoded with PacketV1Codec. */
export interface SentPacket {
  srcEid: number;
  dstEid: number;
  nonce: bigint;
  /** Sender OApp as bytes32 (the form the destination endpoint keys on). */
  sender: Hex;
  receiver: Address;
  guid: Hex;
  message: Hex;
  header: Hex;
  headerHash: Hex;
  payloadHash: Hex;
  options: Hex;
  /** Where it was sent, for confirmations and tracing. */
  transactionHash: Hash;
  blockNumber: bigint;
}

/** What {@link LayerZeroDevnetRelayer.relay} did; steps already done on chain are skipped, not repeated. */
export interface RelayOutcome {
  status: "delivered" | "already-delivered" | "awaiting-verification";
  guid: Hex;
  nonce: bigint;
  /** Transactions sent by this call (absent = step skipped because it was already done, or not reached). */
  verifyTx?: Hash;
  commitTx?: Hash;
  executeTx?: Hash;
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
  /** The executor key that calls EndpointV2.lzReceive. */
  executor: Account | Address;
}

const ZERO_HASH: Hex = `0x${"0".repeat(64)}`;

/**
 * Plays DVN and executor for one devnet pathway (source → destination): reads PacketSent on the source endpoint, then
 * on the destination calls ReceiveUln302.verify (DVN key), commitVerification, and EndpointV2.lzReceive (executor
 * key), checking endpoint/ULN state before each step so a packet is never verified, committed or delivered twice.
 *
 * @example const outcome = await new LayerZeroDevnetRelayer({ source, destination, dvn, executor }).relayReceipt(receipt);
 */
export class LayerZeroDevnetRelayer {
  readonly #source: RelayerEndpoint;
  readonly #destination: RelayerEndpoint;
  readonly #dvn: Account | Address;
  readonly #executor: Account | Address;

  constructor(options: LayerZeroDevnetRelayerOptions) {
    this.#source = options.source;
    this.#destination = options.destination;
    this.#dvn = options.dvn;
    this.#executor = options.executor;
  }

  /** Packets bound for the destination eid in a source-chain transaction receipt. */
  packetsInReceipt(receipt: TransactionReceipt): SentPacket[] {
    const logs = parseEventLogs({ abi: endpointV2Abi, eventName: "PacketSent", logs: receipt.logs }).filter((log) =>
      isAddressEqual(log.address, this.#source.endpointV2),
    );
    return logs
      .map((log) => this.#decode(log.args, log.transactionHash, log.blockNumber))
      .filter((p) => this.#isOurs(p));
  }

  /** Packets bound for the destination eid sent by the source endpoint in a block range. */
  async packetsSent(range: {
    fromBlock: BlockNumber | BlockTag;
    toBlock?: BlockNumber | BlockTag;
  }): Promise<SentPacket[]> {
    const logs = await this.#source.clients.publicClient.getContractEvents({
      address: this.#source.endpointV2,
      abi: endpointV2Abi,
      eventName: "PacketSent",
      fromBlock: range.fromBlock,
      toBlock: range.toBlock ?? "latest",
      strict: true,
    });
    return logs
      .flatMap((log) =>
        log.transactionHash === null || log.blockNumber === null
          ? [] // pending logs: not sent yet as far as a DVN is concerned
          : [this.#decode(log.args, log.transactionHash, log.blockNumber)],
      )
      .filter((p) => this.#isOurs(p));
  }

  /** Relays every packet for the destination found in a source-chain receipt, in nonce order. */
  async relayReceipt(receipt: TransactionReceipt): Promise<RelayOutcome[]> {
    const outcomes: RelayOutcome[] = [];
    for (const packet of this.packetsInReceipt(receipt)) outcomes.push(await this.relay(packet));
    return outcomes;
  }

  /** Verifies, commits and executes one packet on the destination, skipping whatever is already done. */
  async relay(packet: SentPacket): Promise<RelayOutcome> {
    const outcome: RelayOutcome = { status: "delivered", guid: packet.guid, nonce: packet.nonce };
    try {
      const state = await this.#inboundState(packet);
      if (state === "delivered") return { ...outcome, status: "already-delivered" };
      if (state === "unverified") {
        const verifyTx = await this.#verify(packet);
        if (verifyTx) outcome.verifyTx = verifyTx;
        const commitTx = await this.#commit(packet);
        if (!commitTx) return { ...outcome, status: "awaiting-verification" };
        outcome.commitTx = commitTx;
      }
      outcome.executeTx = await this.#execute(packet);
      return outcome;
    } catch (error) {
      throw EvmDevnetError.wrap("relay-failed", `relaying ${describePacket(packet)}`, error);
    }
  }

  #isOurs(packet: SentPacket): boolean {
    return packet.srcEid === this.#source.eid && packet.dstEid === this.#destination.eid;
  }

  #decode(args: { encodedPayload: Hex; options: Hex }, transactionHash: Hash, blockNumber: bigint): SentPacket {
    const codec = PacketV1Codec.from(args.encodedPayload);
    return {
      srcEid: codec.srcEid(),
      dstEid: codec.dstEid(),
      nonce: BigInt(codec.nonce()),
      sender: codec.sender() as Hex,
      // The receiver field is bytes32; an EVM receiver is its low 20 bytes.
      receiver: getAddress(`0x${codec.receiver().slice(-40)}`),
      guid: codec.guid() as Hex,
      message: codec.message() as Hex,
      header: codec.header() as Hex,
      headerHash: codec.headerHash() as Hex,
      payloadHash: codec.payloadHash() as Hex,
      options: args.options,
      transactionHash,
      blockNumber,
    };
  }

  /** Where the destination endpoint stands on this packet. */
  async #inboundState(packet: SentPacket): Promise<"delivered" | "committed" | "unverified"> {
    const { publicClient } = this.#destination.clients;
    const address = this.#destination.endpointV2;
    const key = [packet.receiver, packet.srcEid, packet.sender] as const;
    const [payloadHash, lazyNonce] = await Promise.all([
      publicClient.readContract({
        address,
        abi: endpointV2Abi,
        functionName: "inboundPayloadHash",
        args: [...key, packet.nonce],
      }),
      publicClient.readContract({ address, abi: endpointV2Abi, functionName: "lazyInboundNonce", args: key }),
    ]);
    // lzReceive clears the stored hash and moves lazyInboundNonce up to the delivered nonce.
    if (packet.nonce <= lazyNonce && payloadHash === ZERO_HASH) return "delivered";
    if (payloadHash === packet.payloadHash) return "committed";
    return "unverified";
  }

  async #verify(packet: SentPacket): Promise<Hash | undefined> {
    const { publicClient, wallet } = this.#destination.clients;
    const uln = this.#destination.receiveUln302;
    const dvnWallet = wallet(this.#dvn);
    const dvnAddress = dvnWallet.account.address;
    const config = await publicClient.readContract({
      address: uln,
      abi: receiveUln302Abi,
      functionName: "getUlnConfig",
      args: [packet.receiver, packet.srcEid],
    });
    const listed = [...config.requiredDVNs, ...config.optionalDVNs].some((dvn) => isAddressEqual(dvn, dvnAddress));
    if (!listed) {
      throw new EvmDevnetError("relay-failed", `DVN ${dvnAddress} is not in the receive config of ${packet.receiver}`);
    }
    const [submitted] = await publicClient.readContract({
      address: uln,
      abi: receiveUln302Abi,
      functionName: "hashLookup",
      args: [packet.headerHash, packet.payloadHash, dvnAddress],
    });
    if (submitted) return undefined;
    await this.#waitForConfirmations(packet, config.confirmations);
    const receipt = await submitTransaction(publicClient, "ReceiveUln302.verify", () =>
      dvnWallet.writeContract({
        address: uln,
        abi: receiveUln302Abi,
        functionName: "verify",
        args: [packet.header, packet.payloadHash, config.confirmations],
      }),
    );
    return receipt.transactionHash;
  }

  /** Commits once the ULN counts enough DVN verifications; returns undefined while it does not. */
  async #commit(packet: SentPacket): Promise<Hash | undefined> {
    const { publicClient, wallet } = this.#destination.clients;
    const uln = this.#destination.receiveUln302;
    const config = await publicClient.readContract({
      address: uln,
      abi: receiveUln302Abi,
      functionName: "getUlnConfig",
      args: [packet.receiver, packet.srcEid],
    });
    const verifiable = await publicClient.readContract({
      address: uln,
      abi: receiveUln302Abi,
      functionName: "verifiable",
      args: [config, packet.headerHash, packet.payloadHash],
    });
    if (!verifiable) return undefined;
    // commitVerification is permissionless; the executor pays for it as LayerZero's executors do.
    const receipt = await submitTransaction(publicClient, "ReceiveUln302.commitVerification", () =>
      wallet(this.#executor).writeContract({
        address: uln,
        abi: receiveUln302Abi,
        functionName: "commitVerification",
        args: [packet.header, packet.payloadHash],
      }),
    );
    return receipt.transactionHash;
  }

  async #execute(packet: SentPacket): Promise<Hash> {
    const { publicClient, wallet } = this.#destination.clients;
    const executor = wallet(this.#executor);
    // Simulated first: a refusal (e.g. an earlier nonce not yet verified) then carries the endpoint's decoded error.
    const { request } = await publicClient.simulateContract({
      account: executor.account,
      address: this.#destination.endpointV2,
      abi: endpointV2Abi,
      functionName: "lzReceive",
      args: [
        { srcEid: packet.srcEid, sender: packet.sender, nonce: packet.nonce },
        packet.receiver,
        packet.guid,
        packet.message,
        "0x",
      ],
      value: lzReceiveValue(packet.options),
    });
    const receipt = await submitTransaction(publicClient, "EndpointV2.lzReceive", () =>
      executor.writeContract(request),
    );
    return receipt.transactionHash;
  }

  /** A DVN attests only after the source block has the configured confirmations. */
  async #waitForConfirmations(packet: SentPacket, confirmations: bigint): Promise<void> {
    const { publicClient } = this.#source.clients;
    const needed = packet.blockNumber + (confirmations > 0n ? confirmations - 1n : 0n);
    const deadline = Date.now() + 60_000;
    while ((await publicClient.getBlockNumber({ cacheTime: 0 })) < needed) {
      if (Date.now() > deadline) {
        throw new EvmDevnetError("relay-failed", `source block ${needed} not reached for ${describePacket(packet)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The executor's lzReceive value from type-3 options (0 when the OApp asked for none). */
function lzReceiveValue(options: Hex): bigint {
  if (options.length <= 6) return 0n;
  try {
    return Options.fromOptions(options).decodeExecutorLzReceiveOption()?.value ?? 0n;
  } catch {
    // Legacy or malformed options: the ULN accepted them, so deliver without value rather than stall.
    return 0n;
  }
}

function describePacket(packet: SentPacket): string {
  return `packet ${packet.srcEid}->${packet.dstEid} nonce ${packet.nonce}`;
}
