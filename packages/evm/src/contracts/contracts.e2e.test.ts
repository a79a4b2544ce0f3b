import { escrowAbi, layerZeroMessengerAbi, wormholeMessengerAbi } from "@slabridge/contracts";
import type { EvmChainManifest } from "@slabridge/core";
import { manifestRpcUrlOf } from "@slabridge/core";
import { type Devnet, startDevnet } from "@slabridge/devnet";
import { MemoryCursorStore, MemoryNonceStore } from "@slabridge/store";
import { createTestClient, decodeFunctionData, http, parseGwei } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evmChainsOf } from "./../chain/evmChainsOf.ts";
import { createEvmChainClient, type EvmChainClient } from "../createEvmChainClient.ts";
import { ContractRevertedError } from "../errors.ts";
import { EvmSender } from "../sender/EvmSender.ts";
import { EvmLogWatcher } from "../watcher/EvmLogWatcher.ts";
import { buildReceiveVaaTx } from "./buildReceiveVaaTx.ts";
import { buildRefundTx } from "./buildRefundTx.ts";
import { buildRelayReceiptsTx } from "./buildRelayReceiptsTx.ts";
import { buildReleaseTx } from "./buildReleaseTx.ts";
import { EPOCH_STATUS, EscrowReader } from "./EscrowReader.ts";
import { MessengerReader } from "./MessengerReader.ts";
import { RevenueLedgerReader } from "./RevenueLedgerReader.ts";

const EPOCH_SECONDS = 5;
let devnet: Devnet;
let payment: EvmChainManifest;
let home: EvmChainManifest;
let paymentClient: EvmChainClient;
let homeClient: EvmChainClient;
let modelId: bigint;

beforeAll(async () => {
  devnet = await startDevnet({ epochSeconds: EPOCH_SECONDS, hosts: ["healthy"], signer: "anvil" });
  const byId = (id: number) => {
    const found = evmChainsOf(devnet.manifest).find((c) => c.chainId === id);
    if (!found) throw new Error(`no chain ${id}`);
    return found;
  };
  home = byId(devnet.manifest.homeChainId);
  payment = byId(evmChainsOf(devnet.manifest).find((c) => c.chainId !== devnet.manifest.homeChainId)?.chainId ?? 0);
  paymentClient = createEvmChainClient({
    chainId: payment.chainId,
    rpcUrl: manifestRpcUrlOf(payment),
    pollingIntervalMs: 20,
  });
  homeClient = createEvmChainClient({ chainId: home.chainId, rpcUrl: manifestRpcUrlOf(home), pollingIntervalMs: 20 });
  modelId = BigInt(devnet.manifest.models[0]?.modelId ?? "0");
}, 60_000);

afterAll(async () => {
  await devnet?.stop();
});

const escrowAddress = () => {
  if (!payment.contracts.escrow) throw new Error("no escrow on the payment chain");
  return payment.contracts.escrow;
};

describe("contract helpers on the devnet", () => {
  it("reads the escrow's listing, epoch clock and epoch record", async () => {
    const escrow = new EscrowReader(paymentClient, escrowAddress());
    const listing = await escrow.listing(modelId);
    expect(listing.epochSeconds).toBe(BigInt(EPOCH_SECONDS));
    const epoch = await escrow.currentEpoch(modelId);
    expect(await escrow.epochEnd(modelId, epoch)).toBe(listing.genesis + (epoch + 1n) * listing.epochSeconds);
    const record = await escrow.epochRecord(modelId, epoch);
    expect(EPOCH_STATUS[record.status]).toBe("open");
    expect(record.count).toBe(0);
  });

  it("reads the ledger and a messenger; finds the listing's LayerZero delivery with the watcher", async () => {
    const ledgerAddress = home.contracts.revenueLedger;
    if (!ledgerAddress) throw new Error("no ledger on the home chain");
    const ledger = new RevenueLedgerReader(homeClient, ledgerAddress);
    expect(await ledger.isChainComplete(modelId, 0n, payment.chainId)).toBe(false);
    expect((await ledger.revenue(modelId, 0n, payment.chainId)).batches).toBe(0n);

    const messenger = new MessengerReader(paymentClient, payment.contracts.layerZeroMessenger);
    expect(await messenger.delivered(`0x${"11".repeat(32)}`)).toBe(false);
    const watcher = new EvmLogWatcher({
      client: paymentClient,
      cursorStore: new MemoryCursorStore(),
      cursorId: "lz-messenger",
      address: payment.contracts.layerZeroMessenger,
      events: layerZeroMessengerAbi.filter((x) => x.type === "event" && x.name === "MessageDelivered"),
      confirmations: 0,
      maxBlockRange: 1_000,
      startBlock: 0n,
    });
    const ids: `0x${string}`[] = [];
    await watcher.poll(async (logs) => {
      for (const log of logs) if ("messageId" in log.args) ids.push(log.args.messageId);
    });
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(await messenger.delivered(id)).toBe(true);
  });

  it("builds the bot's transactions; the sender relays receipts once and the second call reverts NothingToRelay", async () => {
    const escrow = escrowAddress();
    const messenger = payment.contracts.layerZeroMessenger;
    const reader = new EscrowReader(paymentClient, escrow);
    const epoch = await reader.currentEpoch(modelId);
    // Let the epoch end.
    const test = createTestClient({ mode: "anvil", chain: paymentClient.chain, transport: http(payment.rpcUrl) });
    await test.increaseTime({ seconds: EPOCH_SECONDS * 2 });
    await test.mine({ blocks: 1 });

    const [, , , , , , , , , keeper] = await devnet.evm.clients(payment.chainId).accounts();
    if (!keeper) throw new Error("no dev account 9");
    const sender = new EvmSender({
      client: paymentClient,
      account: keeper,
      nonceStore: new MemoryNonceStore(),
      senderId: `evm:${payment.chainId}:${keeper}`,
      gasBump: { factor: 1.125, maxFeePerGasCap: parseGwei("100") },
      stuckAfterMs: 5_000,
      receiptTimeoutMs: 20_000,
    });
    // The escrow pays the messenger's exact quote and returns the change: overpaying is safe.
    const relay = buildRelayReceiptsTx({ escrow, modelId, epoch, maxPayments: 100, messenger, value: 10n ** 17n });
    expect(decodeFunctionData({ abi: escrowAbi, data: relay.data })).toEqual({
      functionName: "relayReceipts",
      args: [modelId, epoch, 100, messenger],
    });
    const { receipt } = await sender.send(relay);
    expect(receipt.status).toBe("success");
    expect((await reader.epochRecord(modelId, epoch)).batches).toBe(1);

    const again = await sender.send(relay).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ContractRevertedError);
    expect((again as ContractRevertedError).errorName).toBe("NothingToRelay");

    for (const tx of [
      buildReleaseTx({ escrow, modelId, epoch }),
      buildRefundTx({ escrow, modelId, epoch, maxPayments: 10n }),
    ]) {
      const error = await sender.send(tx).catch((e: unknown) => e);
      expect((error as ContractRevertedError).errorName).toBe("NoVerdict");
    }
    const vaa = buildReceiveVaaTx({ messenger: payment.contracts.wormholeMessenger, vaa: "0x01" });
    expect(decodeFunctionData({ abi: wormholeMessengerAbi, data: vaa.data })).toEqual({
      functionName: "receiveVaa",
      args: ["0x01"],
    });
    const invalid = await sender.send(vaa).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ContractRevertedError);
  });
});
