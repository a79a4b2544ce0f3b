import { readFileSync } from "node:fs";
import { revenueLedgerAbi } from "@slabridge/contracts";
import {
  decodeMessage,
  type Job,
  type PaymentRecord,
  parseStageConfig,
  paymentsProof,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import {
  createMemoInstruction,
  type Devnet,
  devnetChainsOf,
  guardianReceiptPublisher,
  startDevnet,
} from "@slabridge/devnet";
import { LocalRuntime, QueueConsumer } from "@slabridge/runtime";
import { formatSlabridgeMemo, type SolanaReceiptPublisher, solanaPaymentId } from "@slabridge/solana";
import { createStores } from "@slabridge/store";
import {
  Connection,
  Keypair,
  PublicKey,
  sendAndConfirmTransaction,
  Transaction,
  TransactionInstruction,
} from "@solana/web3.js";
import { type Address, bytesToHex, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRelayWorld, type RelayWorld } from "../context/buildRelayWorld.ts";
import { createRelayHandler } from "../relay.ts";
import { createRetryHandler } from "../retry.ts";
import { createWatchSolanaHandler } from "../watchSolana.ts";

const EPOCH_SECONDS = 3;
const HOME = 31_338;
let devnet: Devnet;
let runtime: LocalRuntime;
let stores: ReturnType<typeof createStores>;

/** A world on the devnet: `"devnet"` publishes through the devnet guardian, `"none"` has no publisher (AWS today). */
function world(publisher: SolanaReceiptPublisher | "devnet" | "none" = "devnet", enqueue = true): RelayWorld {
  const solana = devnetChainsOf(devnet.manifest).solana;
  if (!solana) throw new Error("no solana");
  return buildRelayWorld({
    manifest: devnet.manifest,
    config: parseStageConfig({
      stage: "devnet",
      chains: [
        ...devnetChainsOf(devnet.manifest).evm.map((chain) => ({
          chainId: chain.chainId,
          name: chain.name,
          family: "evm" as const,
          rpcUrl: { url: chain.rpcUrl },
          confirmations: chain.confirmations,
        })),
        { chainId: solana.chainId, name: "solana", family: "solana", rpcUrl: { url: solana.rpcUrl }, confirmations: 0 },
      ],
      routes: [{ source: solana.chainId, destination: HOME, kind: "ReceiptBatch", transport: "wormhole" }],
      batching: { maxPaymentsPerReceiptBatch: 2 },
      retry: { tiersMs: [50, 100], maxAttempts: 5, jitter: 0 },
      watch: { pollIntervalSeconds: 1 },
    }),
    stores,
    rpcUrls: new Map(devnet.manifest.chains.map((chain) => [chain.chainId, chain.rpcUrl])),
    enqueue: async (jobId) => {
      if (enqueue) runtime.queue("relay").send(JSON.stringify({ jobId }));
    },
    ...(publisher === "none"
      ? {}
      : {
          solanaPublisher:
            publisher === "devnet" ? guardianReceiptPublisher(devnet.guardian, solana.wormholeEmitter) : publisher,
        }),
  });
}

beforeAll(async () => {
  devnet = await startDevnet({ epochSeconds: EPOCH_SECONDS, hosts: ["healthy"] });
  stores = createStores({
    endpoint: devnet.manifest.dynamo.endpoint ?? "",
    region: "us-east-1",
    tableNames: {
      jobs: devnet.dynamo.tableNames.jobs,
      cursors: devnet.dynamo.tableNames.cursors,
      payments: devnet.dynamo.tableNames.payments,
      nonces: devnet.dynamo.tableNames.nonces,
    },
  });
  runtime = new LocalRuntime();
  runtime.addQueue("relay-dlq");
  runtime.addQueue("relay", { visibilityTimeout: 60, maxReceiveCount: 5, dlq: "relay-dlq" });
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  stores?.destroy();
  await devnet?.stop();
});

const TOKEN_PROGRAM_ID = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

/** SPL Token `Transfer` (instruction 3, u64 amount), built by hand: functions does not depend on spl-token. */
function transferInstruction(source: PublicKey, destination: PublicKey, owner: PublicKey, amount: bigint) {
  const data = Buffer.alloc(9);
  data.writeUInt8(3, 0);
  data.writeBigUInt64LE(amount, 1);
  return new TransactionInstruction({
    programId: TOKEN_PROGRAM_ID,
    keys: [
      { pubkey: source, isSigner: false, isWritable: true },
      { pubkey: destination, isSigner: false, isWritable: true },
      { pubkey: owner, isSigner: true, isWritable: false },
    ],
    data,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function solanaBuyer(index: number): Keypair {
  const ref = devnet.manifest.keys.demoBuyers.filter((r) => r.kind === "devnet-key-file")[index];
  if (ref?.kind !== "devnet-key-file") throw new Error(`no solana buyer ${index}`);
  return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(ref.path, "utf8")) as number[]));
}

/** A buyer pays `amount` for `modelId` into the vault with a slabridge payment memo; returns the payment's id and time. */
async function pay(buyer: Keypair, modelId: bigint, amount: bigint) {
  const solana = devnetChainsOf(devnet.manifest).solana;
  if (!solana) throw new Error("no solana");
  const connection = new Connection(solana.rpcUrl, { commitment: "confirmed", wsEndpoint: solana.wsUrl });
  const { value: accounts } = await connection.getTokenAccountsByOwner(buyer.publicKey, {
    mint: new PublicKey(solana.mint),
  });
  const source = accounts[0]?.pubkey;
  if (!source) throw new Error("buyer has no token account");
  const ref = bytesToHex(crypto.getRandomValues(new Uint8Array(16))).slice(2);
  const tx = new Transaction().add(
    transferInstruction(source, new PublicKey(solana.vault), buyer.publicKey, amount),
    createMemoInstruction(formatSlabridgeMemo({ kind: "pay", modelId, ref }), [buyer.publicKey]),
  );
  const signature = await sendAndConfirmTransaction(connection, tx, [buyer]);
  const fetched = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
  return {
    // What the buyer can compute alone: the id of the transfer at instruction 0 of their transaction.
    paymentId: solanaPaymentId(signature, { instructionIndex: 0, innerIndex: undefined }),
    buyer: bytesToHex(buyer.publicKey.toBytes()),
    amount,
    blockTime: fetched?.blockTime ?? 0,
  };
}

async function revenue(modelId: bigint, epoch: bigint) {
  const home = devnetChainsOf(devnet.manifest).evm.find((c) => c.chainId === HOME);
  if (!home?.contracts.revenueLedger) throw new Error("no ledger");
  return devnet.evm.clients(HOME).publicClient.readContract({
    address: home.contracts.revenueLedger as Address,
    abi: revenueLedgerAbi,
    functionName: "revenue",
    args: [modelId, epoch, SOLANA_CHAIN_ID],
  });
}

/** Runs Solana watch passes and drains the relay queue through the relay handler, until `done` or out of rounds. */
async function settle(w: RelayWorld, done: () => Promise<boolean>, rounds = 10): Promise<void> {
  const watch = createWatchSolanaHandler(async () => w);
  const relay = createRelayHandler(async () => w);
  const retry = createRetryHandler(async () => w);
  const consumer = new QueueConsumer({ queue: runtime.queue("relay"), handler: relay, batchSize: 10 });
  for (let round = 0; round < rounds; round++) {
    await watch();
    // The runtime's SQS event source: AWS-shaped batches, partial failures stay queued, the rest are deleted.
    while ((await consumer.pollOnce()) > 0) {}
    if (await done()) return;
    await sleep(150); // let backoffs elapse
    await retry();
  }
}

const jobsIn = (status: Job["status"]): Promise<Job[]> => stores.jobs.listByStatus(status, { limit: 100 });

describe("Solana payments reach the home ledger as receipt batches over Wormhole, through the Lambda handlers", () => {
  it("relays one epoch's Solana payments once, and a buyer can prove theirs was counted", async () => {
    const w = world();
    const model = devnet.manifest.models.find((m) => m.modelId === "1");
    if (!model) throw new Error("no model 1");
    // Start right after an epoch boundary so the three payments land in one epoch.
    const epochMs = EPOCH_SECONDS * 1000;
    const intoEpoch = (Date.now() - model.genesis * 1000) % epochMs;
    await sleep(epochMs - intoEpoch + 100);

    const [alice, bob] = [solanaBuyer(0), solanaBuyer(1)];
    const paid = [await pay(alice, 1n, 30_000n), await pay(bob, 1n, 20_000n), await pay(alice, 1n, 5_000n)];
    const epochs = new Set(paid.map((p) => Math.floor((p.blockTime - model.genesis) / EPOCH_SECONDS)));
    expect(epochs.size).toBe(1);
    const epoch = BigInt([...epochs][0] ?? 0);

    // Wait (wall clock) until the epoch is over, then let the handlers do the rest.
    const endsAt = (model.genesis + Number(epoch + 1n) * EPOCH_SECONDS) * 1000;
    await sleep(Math.max(0, endsAt - Date.now()) + 200);
    await settle(w, async () => (await revenue(1n, epoch)).payments === 3n);

    const recorded = await revenue(1n, epoch);
    expect(recorded.payments).toBe(3n);
    expect(recorded.total).toBe(55_000n);
    expect(recorded.batches).toBe(2n); // 3 payments in batches of at most 2
    expect(await jobsIn("dead-lettered")).toEqual([]);
    const solanaJobs = (await jobsIn("confirmed")).filter((job) => job.source.chainId === SOLANA_CHAIN_ID);
    expect(solanaJobs.filter((job) => job.kind === "relay-receipts").map((job) => job.id)).toContain(
      `relay-receipts:${SOLANA_CHAIN_ID}:1:${epoch}`,
    );
    expect(solanaJobs.filter((job) => job.id.startsWith("deliver-message:wh:1/"))).toHaveLength(2);

    // A duplicate watch pass and duplicate queue messages change nothing.
    for (const job of await jobsIn("confirmed")) runtime.queue("relay").send(JSON.stringify({ jobId: job.id }));
    await settle(w, async () => false, 2);
    expect(await revenue(1n, epoch)).toEqual(recorded);
    expect(await jobsIn("dead-lettered")).toEqual([]);
    expect(await jobsIn("failed")).toEqual([]);

    // The buyer proves their payment was counted: same leaves, same order (paymentId), same batch cut as the relay.
    const leaves = [...paid].sort((a, b) => (a.paymentId < b.paymentId ? -1 : 1));
    const stored: PaymentRecord[] = await stores.payments.listEpoch(SOLANA_CHAIN_ID, 1n, epoch);
    expect(stored.map((p) => p.paymentId).sort()).toEqual(leaves.map((p) => p.paymentId));
    const mine = leaves.findIndex((p) => p.paymentId === paid[1]?.paymentId);
    const batchIndex = Math.floor(mine / 2);
    const batch = leaves.slice(batchIndex * 2, batchIndex * 2 + 2);
    const leaf = leaves[mine];
    if (!leaf) throw new Error("payment not found");
    const verify = (amount: bigint) =>
      devnet.evm.clients(HOME).publicClient.readContract({
        address: devnetChainsOf(devnet.manifest).evm.find((c) => c.chainId === HOME)?.contracts
          .revenueLedger as Address,
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
    const solana = devnetChainsOf(devnet.manifest).solana;
    if (!solana) throw new Error("no solana");
    const real = guardianReceiptPublisher(devnet.guardian, solana.wormholeEmitter);
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
    const w = world(crashing);
    const deadBefore = (await jobsIn("dead-lettered")).length;
    await sleep(EPOCH_SECONDS * 1000 + 200); // at least one more (empty) epoch ends
    await settle(w, async () => (await jobsIn("dead-lettered")).length > deadBefore);
    await settle(w, async () => false, 2); // and nothing keeps moving afterwards

    if (!crashed) throw new Error("no batch was published");
    // The empty epoch went home as one empty final batch, counted once despite its twin VAA.
    const recorded = await revenue(crashed.modelId, crashed.epoch);
    expect(recorded).toMatchObject({ payments: 0n, total: 0n, batches: 1n });
    const dead = (await jobsIn("dead-lettered")).slice(deadBefore);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.kind).toBe("deliver-message");
    expect(dead[0]?.status === "dead-lettered" ? dead[0].reason : "").toContain("DuplicateBatch");
    expect(await jobsIn("failed")).toEqual([]);
    const crashedJob = await stores.jobs.get(`relay-receipts:${SOLANA_CHAIN_ID}:${crashed.modelId}:${crashed.epoch}`);
    expect(crashedJob?.status).toBe("confirmed");
  }, 120_000);

  it("fails a Solana receipt job with a clear non-retryable error when no publisher is configured (AWS today)", async () => {
    const w = world("none", false);
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
