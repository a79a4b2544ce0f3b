import { revenueLedgerAbi } from "@slabridge/contracts";
import { decodeMessage, type Job, type PaymentRecord, paymentsProof, SOLANA_CHAIN_ID } from "@slabridge/core";
import { type Hex, isHex } from "viem";
import { describe, expect, it } from "vitest";
import { botHarnessForSuite, guardianReceiptPublisher, type SolanaReceiptPublisher } from "./testing/botHarness.ts";

const EPOCH_SECONDS = 3;
const HOME = 31_338;
const bot = botHarnessForSuite({
  devnet: { epochSeconds: EPOCH_SECONDS, hosts: ["healthy"] },
  stage: {
    solana: true,
    routes: [{ source: SOLANA_CHAIN_ID, destination: HOME, kind: "ReceiptBatch", transport: "wormhole" }],
    batching: { maxPaymentsPerReceiptBatch: 2 },
  },
});

const hex = (value: string): Hex => {
  if (!isHex(value)) throw new Error(`${value} is not hex`);
  return value;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const revenue = (modelId: bigint, epoch: bigint) => bot.scenario.revenue(modelId, epoch, SOLANA_CHAIN_ID);
/** Solana watch passes and relay-queue drains through the Lambda handlers, until `done` or out of rounds. */
/** The Solana receipt source's default wait past an epoch's end (for the last voucher checkpoints) before it cuts. */
const SOLANA_CLAIM_DELAY_MS = 3_000;
const settle = (w: ReturnType<typeof bot.world>, done: () => Promise<boolean>, rounds = 10) =>
  bot.driveUntil(w, done, { watch: ["solana"], rounds });

describe("Solana payments reach the home ledger as receipt batches over Wormhole, through the Lambda handlers", () => {
  it("relays one epoch's Solana payments once, and a buyer can prove theirs was counted", async () => {
    const { scenario } = bot;
    const w = bot.world();
    const model = scenario.manifest.models.find((m) => m.modelId === "1");
    if (!model) throw new Error("no model 1");
    // Start right after an epoch boundary so the three payments land in one epoch.
    const epochMs = EPOCH_SECONDS * 1000;
    const intoEpoch = (Date.now() - model.genesis * 1000) % epochMs;
    await sleep(epochMs - intoEpoch + 100);

    const [alice, bob] = [0, 1];
    const paid = [
      await scenario.paySolana(alice, 1n, 30_000n),
      await scenario.paySolana(bob, 1n, 20_000n),
      await scenario.paySolana(alice, 1n, 5_000n),
    ];
    const epochs = new Set(paid.map((p) => p.epoch));
    expect(epochs.size).toBe(1);
    const epoch = [...epochs][0] ?? 0n;

    // Wait (wall clock) until the epoch is over, then let the handlers do the rest.
    const endsAt = (model.genesis + Number(epoch + 1n) * EPOCH_SECONDS) * 1000;
    // ...and the receipt source's wait for the gateway's last voucher checkpoints (pay per call) past it.
    await sleep(Math.max(0, endsAt - Date.now()) + SOLANA_CLAIM_DELAY_MS + 200);
    await settle(w, async () => (await revenue(1n, epoch)).payments === 3n);

    const recorded = await revenue(1n, epoch);
    expect(recorded.payments).toBe(3n);
    expect(recorded.total).toBe(55_000n);
    expect(recorded.batches).toBe(2n); // 3 payments in batches of at most 2
    expect(await bot.jobsIn("dead-lettered")).toEqual([]);
    const solanaJobs = (await bot.jobsIn("confirmed")).filter((job) => job.source.chainId === SOLANA_CHAIN_ID);
    expect(solanaJobs.filter((job) => job.kind === "relay-receipts").map((job) => job.id)).toContain(
      `relay-receipts:${SOLANA_CHAIN_ID}:1:${epoch}`,
    );
    expect(solanaJobs.filter((job) => job.id.startsWith("deliver-message:wh:1/"))).toHaveLength(2);

    // A duplicate watch pass and duplicate queue messages change nothing.
    bot.send(...(await bot.jobsIn("confirmed")).map((job) => job.id));
    await bot.drive(w, 2, { watch: ["solana"] });
    expect(await revenue(1n, epoch)).toEqual(recorded);
    expect(await bot.jobsIn("dead-lettered")).toEqual([]);
    expect(await bot.jobsIn("failed")).toEqual([]);

    // The buyer proves their payment was counted: same leaves, same order (paymentId), same batch cut as the relay.
    // What the buyer can compute alone: the id of the transfer at instruction 0 of their transaction.
    const leaves = paid
      .map(({ paymentId, buyer, amount }) => ({ paymentId: hex(paymentId), buyer, amount }))
      .sort((a, b) => (a.paymentId < b.paymentId ? -1 : 1));
    const stored: PaymentRecord[] = await bot.stores.payments.listEpoch(SOLANA_CHAIN_ID, 1n, epoch);
    expect(stored.map((p) => p.paymentId).sort()).toEqual(leaves.map((p) => p.paymentId));
    const mine = leaves.findIndex((p) => p.paymentId === paid[1]?.paymentId);
    const batchIndex = Math.floor(mine / 2);
    const batch = leaves.slice(batchIndex * 2, batchIndex * 2 + 2);
    const leaf = leaves[mine];
    if (!leaf) throw new Error("payment not found");
    const verify = (amount: bigint) =>
      scenario.client(HOME).readContract({
        address: scenario.homeContract("revenueLedger"),
        abi: revenueLedgerAbi,
        functionName: "verifyPayment",
        args: [
          1n,
          epoch,
          SOLANA_CHAIN_ID,
          batchIndex,
          leaf.paymentId,
          leaf.buyer,
          amount,
          paymentsProof(batch, mine % 2) as readonly Hex[],
        ],
      });
    expect(await verify(leaf.amount)).toBe(true);
    expect(await verify(leaf.amount + 1n)).toBe(false);
  }, 120_000);

  it("survives a crash between publish and record: the re-published batch is refused on chain and dead-letters once", async () => {
    const real = guardianReceiptPublisher(bot.scenario.devnet.guardian, bot.scenario.solana.wormholeEmitter);
    let crashed: { modelId: bigint; epoch: bigint } | undefined;
    // Publishes, then "dies" before the progress record is written, once.
    const crashing: SolanaReceiptPublisher = {
      async publish(payload) {
        const published = await real.publish(payload);
        if (!crashed) {
          const message = decodeMessage(`0x${payload.slice(10)}`);
          if (message.kind !== "ReceiptBatch") throw new Error("not a receipt batch");
          crashed = { modelId: message.modelId, epoch: message.epoch };
          throw new Error("worker died after publishing");
        }
        return published;
      },
    };
    const w = bot.world({ solanaPublisher: crashing });
    const deadBefore = (await bot.jobsIn("dead-lettered")).length;
    await sleep(EPOCH_SECONDS * 1000 + SOLANA_CLAIM_DELAY_MS + 200); // at least one more (empty) epoch ends and is due
    await settle(w, async () => (await bot.jobsIn("dead-lettered")).length > deadBefore);
    await bot.drive(w, 2, { watch: ["solana"] }); // and nothing keeps moving afterwards

    if (!crashed) throw new Error("no batch was published");
    // The empty epoch went home as one empty final batch, counted once despite its twin VAA.
    const recorded = await revenue(crashed.modelId, crashed.epoch);
    expect(recorded).toMatchObject({ payments: 0n, total: 0n, batches: 1n });
    const dead = (await bot.jobsIn("dead-lettered")).slice(deadBefore);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.kind).toBe("deliver-message");
    expect(dead[0]?.status === "dead-lettered" ? dead[0].reason : "").toContain("DuplicateBatch");
    expect(await bot.jobsIn("failed")).toEqual([]);
    const crashedJob = await bot.stores.jobs.get(
      `relay-receipts:${SOLANA_CHAIN_ID}:${crashed.modelId}:${crashed.epoch}`,
    );
    expect(crashedJob?.status).toBe("confirmed");
  }, 120_000);

  it("fails a Solana receipt job with a clear non-retryable error when no publisher is configured (AWS today)", async () => {
    const w = bot.world({ solanaPublisher: "none", enqueue: false });
    const job: Job = {
      id: `relay-receipts:${SOLANA_CHAIN_ID}:1:0`,
      kind: "relay-receipts",
      status: "observed",
      version: 1,
      source: { chainId: SOLANA_CHAIN_ID, transaction: "epoch-end:1:0", block: 0n, blockHash: "wall-clock", index: 0 },
      destinationChainId: HOME,
      transport: "wormhole",
      payload: "0x",
      epochRef: { modelId: 1n, epoch: 0n },
      attempts: 0,
      createdAt: Date.now(),
      updatedAt: Date.now(),
    };
    await w.engine.ingest(job);
    const outcome = await w.engine.process(job.id);
    expect(outcome.result).toBe("dead-lettered");
    expect(
      outcome.result === "dead-lettered" && outcome.job.status === "dead-lettered" ? outcome.job.reason : "",
    ).toMatch(/^SolanaPublisherMissingError: no Solana receipt publisher configured/);
  });
});
