import { escrowAbi, wormholeMessengerAbi } from "@slabridge/contracts";
import {
  type EvmChainManifest,
  encodeMessage,
  type MessageRef,
  type SlabridgeMessageInput,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import {
  type Devnet,
  devnetChainsOf,
  devnetStablecoinAbi,
  receiptOf,
  startDevnet,
  submitTransaction,
} from "@slabridge/devnet";
import { evmChainsOf } from "@slabridge/evm";
import { type Address, concat, type Hex, hexToBytes, numberToHex, pad, parseEventLogs } from "viem";
import type { EvmCall, EvmSubmitter } from "../EvmSubmitter.ts";
import { GuardianApiClient } from "../GuardianApiClient.ts";
import { formatVaaId } from "../vaaId.ts";
import { type WormholeChainConfig, WormholeTransport } from "../WormholeTransport.ts";

/** evm-a (payment) and evm-b (home) on the devnet. */
export const PAYMENT_CHAIN = 31_337;
export const HOME_CHAIN = 31_338;
const EPOCH_SECONDS = 3;

/** An {@link EvmSubmitter} over a devnet wallet that records every call it is asked to send. Test support only. */
export interface RecordingSubmitter extends EvmSubmitter {
  readonly sent: Array<{ chainId: number; call: EvmCall }>;
}

/** A started devnet plus what the Wormhole tests build on it. Test support only. */
export interface WormholeDevnet {
  readonly devnet: Devnet;
  /** Anvil dev accounts that relay (each transport gets its own, so concurrent sends never share a nonce). */
  readonly relayers: readonly Address[];
  chain(chainId: number): EvmChainManifest;
  /** A transport with its own recording submitter sending from `relayer`. */
  transport(relayer?: Address): { transport: WormholeTransport; submitter: RecordingSubmitter };
  /** Pays into evm-a's escrow, ends the epoch and relays the receipts over Wormhole; returns the relay tx. */
  relayReceiptBatch(): Promise<{ transactionHash: Hex; modelId: bigint; epoch: bigint; amount: bigint }>;
  /** Has the devnet guardian sign `uint32 destination || message` as `emitter` on `chain` (default Solana). */
  signExternal(options: {
    emitter: Hex;
    destination: number;
    message: Hex;
    chain?: number;
    sequence?: bigint;
  }): Promise<{ ref: MessageRef; vaaBytes: Uint8Array }>;
  /** `uint32 destination || message` as bytes. */
  payload(destination: number, message: Hex): Uint8Array;
  encode(message: SlabridgeMessageInput): Hex;
  stop(): Promise<void>;
}

/**
 * Starts a devnet and wires {@link WormholeTransport} to it as the runtime will: one config per EVM chain from the
 * manifest, the guardian client on the manifest's guardian URL, the Solana emitter trusted on Wormhole chain 1.
 *
 * @example
 * ```ts
 * const world = await startWormholeDevnet();
 * const { transport } = world.transport();
 * ```
 */
export async function startWormholeDevnet(): Promise<WormholeDevnet> {
  const devnet = await startDevnet({ epochSeconds: EPOCH_SECONDS, hosts: ["healthy"], signer: "anvil" });
  const { manifest } = devnet;
  const chain = (chainId: number) => {
    const found = evmChainsOf(manifest).find((c) => c.chainId === chainId);
    if (!found) throw new Error(`no chain ${chainId}`);
    return found;
  };
  const buyers = manifest.keys.demoBuyers.flatMap((ref) => (ref.kind === "anvil-dev-account" ? [ref.address] : []));
  const [buyer, ...relayers] = buyers;
  if (!buyer || relayers.length < 2) throw new Error("expected three anvil buyers");
  const chains = new Map<number, WormholeChainConfig>(
    evmChainsOf(manifest).map((c) => [
      c.chainId,
      {
        client: devnet.evm.clients(c.chainId).publicClient,
        wormholeChainId: c.wormhole.chainId,
        core: c.wormhole.core,
        messenger: c.contracts.wormholeMessenger,
      },
    ]),
  );
  const guardian = new GuardianApiClient({
    baseUrls: [manifest.guardian.apiUrl],
    timeoutMs: 2_000,
    backoff: { initialMs: 25, maxMs: 200, factor: 2, jitter: 0.2 },
    maxAttempts: 100,
  });
  const solanaEmitter = devnetChainsOf(manifest).solana?.wormholeEmitter;
  if (!solanaEmitter) throw new Error("no solana emitter");

  const transport = (relayer: Address = relayers[0] ?? buyer) => {
    const sent: RecordingSubmitter["sent"] = [];
    const submitter: RecordingSubmitter = {
      sent,
      async send(chainId, call) {
        sent.push({ chainId, call });
        const clients = devnet.evm.clients(chainId);
        const hash = await clients.wallet(relayer).sendTransaction({ to: call.to, data: call.data, value: call.value });
        const receipt = await receiptOf(clients.publicClient, hash, "send");
        return { transactionHash: hash, status: receipt.status };
      },
    };
    return {
      transport: new WormholeTransport({
        chains,
        guardian,
        submitter,
        externalEmitters: [{ wormholeChainId: 1, emitter: solanaEmitter }],
      }),
      submitter,
    };
  };

  const relayReceiptBatch = async () => {
    const a = chain(PAYMENT_CHAIN);
    const clients = devnet.evm.clients(PAYMENT_CHAIN);
    const wallet = clients.wallet(buyer);
    const escrow = a.contracts.escrow;
    const model = manifest.models[0];
    if (!escrow || !model) throw new Error("no escrow or model");
    const modelId = BigInt(model.modelId);
    const amount = BigInt(model.pricePerRequest) * 3n;
    await submitTransaction(clients.publicClient, "approve", () =>
      wallet.writeContract({
        address: a.stablecoin.address,
        abi: devnetStablecoinAbi,
        functionName: "approve",
        args: [escrow, amount],
      }),
    );
    const paid = await submitTransaction(clients.publicClient, "pay", () =>
      wallet.writeContract({ address: escrow, abi: escrowAbi, functionName: "pay", args: [modelId, amount] }),
    );
    // The payment's own epoch: a currentEpoch read before the send can name the one before it on a loaded machine.
    const [paidEvent] = parseEventLogs({ abi: escrowAbi, eventName: "Paid", logs: paid.logs });
    if (!paidEvent) throw new Error("pay emitted no Paid event");
    const epoch = paidEvent.args.epoch;
    await clients.publicClient.request({ method: "evm_increaseTime" as never, params: [EPOCH_SECONDS] as never });
    await clients.publicClient.request({ method: "evm_mine" as never });
    const messenger = a.contracts.wormholeMessenger;
    const fee = await clients.publicClient.readContract({
      address: messenger,
      abi: wormholeMessengerAbi,
      functionName: "quote",
      args: [HOME_CHAIN, encode(receiptBatch(modelId, epoch, PAYMENT_CHAIN, amount))],
    });
    const receipt = await submitTransaction(clients.publicClient, "relayReceipts", () =>
      wallet.writeContract({
        address: escrow,
        abi: escrowAbi,
        functionName: "relayReceipts",
        args: [modelId, epoch, 100, messenger],
        value: fee,
      }),
    );
    return { transactionHash: receipt.transactionHash, modelId, epoch, amount };
  };

  const payload = (destination: number, message: Hex) =>
    hexToBytes(concat([numberToHex(destination, { size: 4 }), message]));

  const signExternal: WormholeDevnet["signExternal"] = async (options) => {
    const { id, vaaBytes } = await devnet.guardian.submitExternalMessage({
      emitter: options.emitter,
      payload: payload(options.destination, options.message),
      chain: options.chain ?? 1,
      ...(options.sequence === undefined ? {} : { sequence: options.sequence }),
    });
    const ref: MessageRef = {
      transport: "wormhole",
      messageId: formatVaaId(id),
      sourceChainId: options.chain === undefined || options.chain === 1 ? SOLANA_CHAIN_ID : PAYMENT_CHAIN,
      sourceTransaction: "off-chain",
    };
    return { ref, vaaBytes };
  };

  return {
    devnet,
    relayers,
    chain,
    transport,
    relayReceiptBatch,
    signExternal,
    payload,
    encode,
    stop: () => devnet.stop(),
  };
}

/** A one-batch receipt message (test support). @example `encode(receiptBatch(1n, 0n, 31337, 30_000n))` */
export function receiptBatch(modelId: bigint, epoch: bigint, paymentChain: number, total: bigint) {
  return {
    kind: "ReceiptBatch",
    modelId,
    epoch,
    paymentChain,
    batchIndex: 0,
    count: 1,
    total,
    paymentsRoot: pad("0x01"),
    finalBatch: true,
  } as const satisfies SlabridgeMessageInput;
}

function encode(message: SlabridgeMessageInput): Hex {
  return encodeMessage(message);
}
