import { revenueLedgerAbi } from "@slabridge/contracts";
import { SOLANA_CHAIN_ID } from "@slabridge/core";
import { devnetChainsOf } from "@slabridge/devnet";
import { type Address, pad, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  HOME_CHAIN,
  PAYMENT_CHAIN,
  receiptBatch,
  startWormholeDevnet,
  type WormholeDevnet,
} from "./testing/devnetWormhole.ts";
import { parseVaaId } from "./vaaId.ts";

let world: WormholeDevnet;

beforeAll(async () => {
  world = await startWormholeDevnet();
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

const revenue = (modelId: bigint, epoch: bigint, chain: number) =>
  world.devnet.evm.clients(HOME_CHAIN).publicClient.readContract({
    address: world.chain(HOME_CHAIN).contracts.revenueLedger as Address,
    abi: revenueLedgerAbi,
    functionName: "revenue",
    args: [modelId, epoch, chain],
  });

/** ReceiptBatchRecorded events the home ledger emitted for (model, epoch, chain) so far. */
async function recordedBatches(modelId: bigint, epoch: bigint, chain: number): Promise<number> {
  const client = world.devnet.evm.clients(HOME_CHAIN).publicClient;
  const logs = await client.getLogs({
    address: world.chain(HOME_CHAIN).contracts.revenueLedger as Address,
    fromBlock: 0n,
  });
  return parseEventLogs({ abi: revenueLedgerAbi, eventName: "ReceiptBatchRecorded", logs }).filter(
    (log) => log.args.modelId === modelId && log.args.epoch === epoch && log.args.chain === chain,
  ).length;
}

describe("WormholeTransport on the devnet", () => {
  it("quotes the source messenger's fee", async () => {
    const { transport } = world.transport();
    const message = world.encode(receiptBatch(1n, 0n, PAYMENT_CHAIN, 1n));
    const { nativeFee } = await transport.quote(PAYMENT_CHAIN, HOME_CHAIN, message);
    expect(nativeFee).toBeGreaterThanOrEqual(0n);
    await expect(transport.quote(PAYMENT_CHAIN, 999, message)).rejects.toMatchObject({
      name: "MessengerRevertedError",
      errorName: "UnknownChain",
      retryable: false,
    });
  });

  it("finds a relayed receipt batch, delivers it once, and reports it delivered", async () => {
    const { transport, submitter } = world.transport();
    const batch = await world.relayReceiptBatch();

    const refs = await transport.messagesIn(PAYMENT_CHAIN, batch.transactionHash);
    expect(refs).toHaveLength(1);
    const [ref] = refs;
    if (!ref) throw new Error("no ref");
    const id = parseVaaId(ref.messageId);
    expect(id.chain).toBe(world.chain(PAYMENT_CHAIN).wormhole.chainId);
    expect(`0x${id.emitter}`).toBe(pad(world.chain(PAYMENT_CHAIN).contracts.wormholeMessenger).toLowerCase());
    expect(ref).toMatchObject({ transport: "wormhole", sourceChainId: PAYMENT_CHAIN });
    expect(["in-flight", "deliverable"]).toContain(await transport.status(ref, HOME_CHAIN));

    const first = await transport.deliver(ref, HOME_CHAIN);
    expect(first.status).toBe("delivered");
    expect(first.transactions).toHaveLength(1);
    const recorded = await revenue(batch.modelId, batch.epoch, PAYMENT_CHAIN);
    expect(recorded.total).toBe(batch.amount);
    expect(recorded.payments).toBe(1n);
    expect(await transport.status(ref, HOME_CHAIN)).toBe("delivered");

    const again = await transport.deliver(ref, HOME_CHAIN);
    expect(again).toEqual({ transactions: [], status: "delivered" });
    expect(submitter.sent).toHaveLength(1);
    expect(await recordedBatches(batch.modelId, batch.epoch, PAYMENT_CHAIN)).toBe(1);
  });

  it("shares one submission between concurrent delivers in one process", async () => {
    const { transport, submitter } = world.transport();
    const batch = await world.relayReceiptBatch();
    const [ref] = await transport.messagesIn(PAYMENT_CHAIN, batch.transactionHash);
    if (!ref) throw new Error("no ref");
    const results = await Promise.all([transport.deliver(ref, HOME_CHAIN), transport.deliver(ref, HOME_CHAIN)]);
    expect(results.map((r) => r.status)).toEqual(["delivered", "delivered"]);
    expect(results.flatMap((r) => r.transactions)).toHaveLength(1);
    expect(submitter.sent).toHaveLength(1);
    expect(await recordedBatches(batch.modelId, batch.epoch, PAYMENT_CHAIN)).toBe(1);
  });

  it("lets two relayers race: one on-chain delivery, both end delivered without error", async () => {
    const one = world.transport(world.relayers[0]);
    const two = world.transport(world.relayers[1]);
    const batch = await world.relayReceiptBatch();
    const [ref] = await one.transport.messagesIn(PAYMENT_CHAIN, batch.transactionHash);
    if (!ref) throw new Error("no ref");
    const results = await Promise.all([one.transport.deliver(ref, HOME_CHAIN), two.transport.deliver(ref, HOME_CHAIN)]);
    expect(results.map((r) => r.status)).toEqual(["delivered", "delivered"]);
    expect(await recordedBatches(batch.modelId, batch.epoch, PAYMENT_CHAIN)).toBe(1);
    expect((await revenue(batch.modelId, batch.epoch, PAYMENT_CHAIN)).total).toBe(batch.amount);
  });

  it("delivers a Solana-stand-in message to the home ledger as coming from Solana", async () => {
    const { transport, submitter } = world.transport();
    const emitter = devnetChainsOf(world.devnet.manifest).solana?.wormholeEmitter;
    if (!emitter) throw new Error("no solana emitter");
    const modelId = BigInt(world.devnet.manifest.models[0]?.modelId ?? "1");
    const epoch = 77n;
    const message = world.encode(receiptBatch(modelId, epoch, SOLANA_CHAIN_ID, 123_000n));
    const { ref } = await world.signExternal({ emitter, destination: HOME_CHAIN, message });
    expect(ref.messageId.startsWith("1/")).toBe(true);

    expect(await transport.status(ref, HOME_CHAIN)).toBe("deliverable");
    const result = await transport.deliver(ref, HOME_CHAIN);
    expect(result.status).toBe("delivered");
    expect(submitter.sent).toHaveLength(1);
    const recorded = await revenue(modelId, epoch, SOLANA_CHAIN_ID);
    expect(recorded.total).toBe(123_000n);
    expect(recorded.payments).toBe(1n);
    expect(await transport.status(ref, HOME_CHAIN)).toBe("delivered");
  });

  it("reports a message whose VAA the guardians have not signed as in-flight", async () => {
    const { transport } = world.transport();
    const emitter = pad(world.chain(PAYMENT_CHAIN).contracts.wormholeMessenger).slice(2).toLowerCase();
    const ref = {
      transport: "wormhole" as const,
      messageId: `${world.chain(PAYMENT_CHAIN).wormhole.chainId}/${emitter}/999999`,
      sourceChainId: PAYMENT_CHAIN,
      sourceTransaction: `0x${"00".repeat(32)}`,
    };
    expect(await transport.status(ref, HOME_CHAIN)).toBe("in-flight");
  });
});
