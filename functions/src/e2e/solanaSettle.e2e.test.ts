import { readFileSync } from "node:fs";
import { modelRegistryAbi, slaOracleAbi, wormholeMessengerAbi } from "@slabridge/contracts";
import {
  type EvmChainManifest,
  encodeMessage,
  type Job,
  type JobStore,
  jobIds,
  parseStageConfig,
  pickRefundBps,
  type SlaReport,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import { createMemoInstruction, type Devnet, devnetChainsOf, startDevnet, submitTransaction } from "@slabridge/devnet";
import { buildSubmitReportTx, SlaOracleReader, signSlaReport, walletClientSigner } from "@slabridge/evm";
import { RelayEngine } from "@slabridge/relay";
import { LocalRuntime, QueueConsumer } from "@slabridge/runtime";
import {
  associatedTokenAccount,
  formatSlabridgeMemo,
  readVaultOutflows,
  SolanaSender,
  SolanaSettlementTarget,
  type SolanaVaultOutflow,
  SolanaVerdictSource,
  solanaOperatorSigners,
  vaultScanCursorId,
  verifySolanaVerdict,
  watchSolanaVault,
} from "@slabridge/solana";
import { createStores, MemoryJobStore } from "@slabridge/store";
import { formatVaaId, GuardianSetCache } from "@slabridge/wormhole";
import {
  Connection,
  Keypair,
  LAMPORTS_PER_SOL,
  PublicKey,
  sendAndConfirmTransaction,
  Transaction,
  TransactionInstruction,
} from "@solana/web3.js";
import { type Address, bytesToHex, decodeEventLog, type Hex, hexToBytes, pad, parseAbiItem } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRelayWorld, type RelayWorld } from "../context/buildRelayWorld.ts";
import { createRelayHandler } from "../relay.ts";
import { createRetryHandler } from "../retry.ts";
import { createWatchEvmHandler } from "../watchEvm.ts";

const EPOCH_SECONDS = 4;
const MODEL = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA -> 25 % refund
let devnet: Devnet;
let runtime: LocalRuntime;
let stores: ReturnType<typeof createStores>;
let home: EvmChainManifest;
let connection: Connection;

const solanaOf = (d: Devnet) => {
  const { solana } = devnetChainsOf(d.manifest);
  if (!solana) throw new Error("devnet without Solana");
  return solana;
};

function world(jobs?: JobStore): RelayWorld {
  const solana = solanaOf(devnet);
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
      routes: [{ source: home.chainId, destination: solana.chainId, kind: "Verdict", transport: "wormhole" }],
      // Two refunds per transaction: three payments take two refund transactions.
      batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
      retry: { tiersMs: [50, 100], maxAttempts: 5, jitter: 0 },
      watch: { pollIntervalSeconds: 1 },
    }),
    stores: jobs ? { ...stores, jobs } : stores,
    rpcUrls: new Map([
      ...devnetChainsOf(devnet.manifest).evm.map((chain) => [chain.chainId, chain.rpcUrl] as const),
      [solana.chainId, solana.rpcUrl] as const,
    ]),
    enqueue: async (jobId) => {
      runtime.queue("relay").send(JSON.stringify({ jobId }));
    },
  });
}

beforeAll(async () => {
  devnet = await startDevnet({ epochSeconds: EPOCH_SECONDS, hosts: ["healthy", "slowP95"] });
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
  const found = devnetChainsOf(devnet.manifest).evm.find((c) => c.chainId === devnet.manifest.homeChainId);
  if (!found) throw new Error("devnet shape");
  home = found;
  const solana = solanaOf(devnet);
  connection = new Connection(solana.rpcUrl, { commitment: "confirmed", wsEndpoint: solana.wsUrl });
  // The first operator pays the vault transactions' fees (the devnet funds buyers, not operators).
  const feePayer = solanaOperatorSigners(solana)?.[0];
  if (!feePayer) throw new Error("no operator keys");
  await connection.confirmTransaction(await connection.requestAirdrop(feePayer.publicKey, 10 * LAMPORTS_PER_SOL));
}, 90_000);

afterAll(async () => {
  await runtime?.stop();
  stores?.destroy();
  await devnet?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const TOKEN_PROGRAM_ID = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
const publicClient = (chainId: number) => devnet.evm.clients(chainId).publicClient;

function solanaBuyer(index: number): Keypair {
  const ref = devnet.manifest.keys.demoBuyers.filter((r) => r.kind === "devnet-key-file")[index];
  if (ref?.kind !== "devnet-key-file") throw new Error(`no solana buyer ${index}`);
  return Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(ref.path, "utf8")) as number[]));
}

async function tokenAccountOf(owner: PublicKey): Promise<PublicKey> {
  const { value } = await connection.getTokenAccountsByOwner(owner, { mint: new PublicKey(solanaOf(devnet).mint) });
  const account = value[0]?.pubkey;
  if (!account) throw new Error("no token account");
  return account;
}

async function balanceOf(account: PublicKey): Promise<bigint> {
  const info = await connection.getTokenAccountBalance(account).catch(() => undefined);
  return BigInt(info?.value.amount ?? "0");
}

/** A buyer pays `amount` for MODEL into the vault with a payment memo (SPL `Transfer` built by hand). */
async function pay(buyer: Keypair, amount: bigint): Promise<{ blockTime: number }> {
  const solana = solanaOf(devnet);
  const data = Buffer.alloc(9);
  data.writeUInt8(3, 0);
  data.writeBigUInt64LE(amount, 1);
  const transfer = new TransactionInstruction({
    programId: TOKEN_PROGRAM_ID,
    keys: [
      { pubkey: await tokenAccountOf(buyer.publicKey), isSigner: false, isWritable: true },
      { pubkey: new PublicKey(solana.vault), isSigner: false, isWritable: true },
      { pubkey: buyer.publicKey, isSigner: true, isWritable: false },
    ],
    data,
  });
  const ref = bytesToHex(crypto.getRandomValues(new Uint8Array(16))).slice(2);
  const tx = new Transaction().add(
    transfer,
    createMemoInstruction(formatSlabridgeMemo({ kind: "pay", modelId: MODEL, ref }), [buyer.publicKey]),
  );
  const signature = await sendAndConfirmTransaction(connection, tx, [buyer]);
  const fetched = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
  return { blockTime: fetched?.blockTime ?? 0 };
}

/** Moves the home anvil's clock past `endSeconds`. */
async function passTime(chainId: number, endSeconds: bigint): Promise<void> {
  const client = publicClient(chainId);
  const now = (await client.getBlock({ blockTag: "latest" })).timestamp;
  const delta = endSeconds > now ? Number(endSeconds - now) + 1 : 1;
  await client.request({ method: "evm_increaseTime" as never, params: [delta] as never });
  await client.request({ method: "evm_mine" as never });
}

const logMessagePublished = parseAbiItem(
  "event LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel)",
);

/**
 * Signs the epoch's report with 2 of the 3 probers, submits it to the home SlaOracle and publishes the verdict to
 * Solana through the home WormholeMessenger; returns the refund share and the VAA id of the published message.
 */
async function recordAndPublishVerdict(epoch: bigint): Promise<{ refundBps: number; vaaId: string }> {
  const client = publicClient(home.chainId);
  const clients = devnet.evm.clients(home.chainId);
  const oracle = home.contracts.slaOracle as Address;
  const terms = await client.readContract({
    address: home.contracts.modelRegistry as Address,
    abi: modelRegistryAbi,
    functionName: "slaTermsAt",
    args: [MODEL, epoch],
  });
  const measured = { p50Ms: 60, p95Ms: 900, p99Ms: 950, uptimeBps: 10_000, sampleCount: 300 };
  const report: SlaReport = {
    modelId: MODEL,
    epoch,
    ...measured,
    samplesRoot: `0x${"5a".repeat(32)}`,
    refundBps: pickRefundBps(terms, measured),
  };
  const probers = devnet.manifest.keys.probers.slice(0, 2).map((key) => {
    if (key.kind !== "anvil-dev-account") throw new Error(`unexpected prober key kind ${key.kind}`);
    return walletClientSigner(clients.wallet(key.address), key.address);
  });
  const { signatures } = await signSlaReport(report, { chainId: home.chainId, oracle }, probers);
  const [submitter] = await clients.accounts();
  if (!submitter) throw new Error("no dev account");
  const wallet = clients.wallet(submitter);
  const submit = buildSubmitReportTx({ oracle, report, signatures });
  await submitTransaction(client, "submitReport", () => wallet.sendTransaction({ to: oracle, data: submit.data }));
  const verdict = await new SlaOracleReader(client as never, oracle).verdictOf(MODEL, epoch);

  const messenger = home.contracts.wormholeMessenger as Address;
  const fee = await client.readContract({
    address: messenger,
    abi: wormholeMessengerAbi,
    functionName: "quote",
    args: [
      SOLANA_CHAIN_ID,
      encodeMessage({
        kind: "Verdict",
        modelId: MODEL,
        epoch,
        refundBps: report.refundBps,
        reportHash: verdict.reportHash as Hex,
      }),
    ],
  });
  const receipt = await submitTransaction(client, "publishVerdict", () =>
    wallet.writeContract({
      address: oracle,
      abi: slaOracleAbi,
      functionName: "publishVerdict",
      args: [MODEL, epoch, SOLANA_CHAIN_ID, messenger],
      value: fee,
    }),
  );
  let sequence: bigint | undefined;
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== home.wormhole.core.toLowerCase()) continue;
    const event = decodeEventLog({ abi: [logMessagePublished], data: log.data, topics: log.topics });
    sequence = event.args.sequence;
  }
  if (sequence === undefined) throw new Error("no LogMessagePublished");
  const emitter = pad(messenger).slice(2).toLowerCase();
  return { refundBps: report.refundBps, vaaId: formatVaaId({ chain: home.wormhole.chainId, emitter, sequence }) };
}

/** Watch passes (home chain, Solana vault) and relay-queue drains through the Lambda handlers. */
async function drive(w: RelayWorld, rounds = 4): Promise<void> {
  const watch = createWatchEvmHandler(async () => w);
  const relay = createRelayHandler(async () => w, {
    idempotency: { tableName: devnet.dynamo.tableNames.idempotency, client: stores.client },
  });
  const retry = createRetryHandler(async () => w);
  const consumer = new QueueConsumer({ queue: runtime.queue("relay"), handler: relay, batchSize: 10 });
  for (let round = 0; round < rounds; round++) {
    for (const chain of devnetChainsOf(devnet.manifest).evm)
      await publicClient(chain.chainId).request({ method: "evm_mine" as never });
    await watch();
    await vaultPass(w);
    while ((await consumer.pollOnce()) > 0) {}
    await sleep(150); // let backoffs elapse
    await retry();
  }
}

function vaultPass(w: RelayWorld) {
  return watchSolanaVault({
    solana: solanaOf(devnet),
    manifest: w.manifest,
    rpcUrl: solanaOf(devnet).rpcUrl,
    payments: w.stores.payments,
    cursors: w.stores.cursors,
    clock: w.clock,
  });
}

function solanaJob(kind: "refund" | "settle", epoch: bigint, now: number): Job {
  const ref = { chainId: SOLANA_CHAIN_ID, modelId: MODEL, epoch };
  return {
    id: kind === "refund" ? jobIds.refund(ref) : jobIds.settle(ref),
    kind,
    status: "observed",
    version: 1,
    source: { chainId: home.chainId, transaction: "0x", block: 0n, blockHash: "0x", index: 0 },
    destinationChainId: SOLANA_CHAIN_ID,
    transport: "wormhole",
    payload: "0x",
    epochRef: { modelId: MODEL, epoch },
    attempts: 0,
    createdAt: now,
    updatedAt: now,
  };
}

const outflowsOf = async (epoch: bigint): Promise<Map<string, SolanaVaultOutflow>> =>
  readVaultOutflows(connection, new PublicKey(solanaOf(devnet).vault), {
    match: (m) => m.modelId === MODEL && m.epoch === epoch,
  });

describe("settlement on Solana: a verified verdict VAA, multisig refunds in batches, Solana payouts once", () => {
  it("refunds each Solana buyer its share once, pays the Solana payee once, and refuses forged verdicts", async () => {
    const solana = solanaOf(devnet);
    const vault = new PublicKey(solana.vault);
    const w = world();
    const model = devnet.manifest.models.find((m) => BigInt(m.modelId) === MODEL);
    if (!model) throw new Error("no model 2");
    // The demo split table pays its data contributor (the first Solana demo buyer) on Solana.
    const payees = await publicClient(home.chainId).readContract({
      address: home.contracts.modelRegistry as Address,
      abi: modelRegistryAbi,
      functionName: "payees",
      args: [MODEL, 0n],
    });
    const payeeIndex = payees.findIndex((p) => p.chain === SOLANA_CHAIN_ID);
    const payee = payees[payeeIndex];
    const payeeOwner = solanaBuyer(0).publicKey;
    expect(payee?.account).toBe(bytesToHex(payeeOwner.toBytes()));
    expect(payeeIndex).toBeLessThan(payees.length - 1); // not the dust taker
    const payeeAccount = associatedTokenAccount(payeeOwner, new PublicKey(solana.mint));

    // Buyers 1 and 2 pay three times in one epoch (odd amounts, so the floors matter), and once more in the next.
    const epochMs = EPOCH_SECONDS * 1000;
    await sleep(epochMs - ((Date.now() - model.genesis * 1000) % epochMs) + 150);
    const [bob, carol] = [solanaBuyer(1), solanaBuyer(2)];
    const accounts = [await tokenAccountOf(bob.publicKey), await tokenAccountOf(carol.publicKey)] as const;
    const paid = [
      { buyer: 0, amount: 30_001n, ...(await pay(bob, 30_001n)) },
      { buyer: 1, amount: 20_003n, ...(await pay(carol, 20_003n)) },
      { buyer: 0, amount: 7_777n, ...(await pay(bob, 7_777n)) },
    ];
    const epochs = new Set(paid.map((p) => BigInt(Math.floor((p.blockTime - model.genesis) / EPOCH_SECONDS))));
    expect(epochs.size).toBe(1);
    const epoch = [...epochs][0] ?? -1n;
    const endsAt = (model.genesis + Number(epoch + 1n) * EPOCH_SECONDS) * 1000;
    await sleep(Math.max(0, endsAt - Date.now()) + 150);
    const next = await pay(carol, 5_000n);
    const nextEpoch = BigInt(Math.floor((next.blockTime - model.genesis) / EPOCH_SECONDS));
    expect(nextEpoch).toBe(epoch + 1n);
    await sleep(Math.max(0, endsAt + epochMs - Date.now()) + 150);
    await vaultPass(w);
    const stored = await stores.payments.listEpoch(SOLANA_CHAIN_ID, MODEL, epoch);
    expect(stored).toHaveLength(3);

    const buyersBefore = await Promise.all(accounts.map(balanceOf));
    const vaultBefore = await balanceOf(vault);

    // The verdict: recorded on the home chain (2 of 3 probers), published to Solana over Wormhole.
    const homeEnd = await publicClient(home.chainId).readContract({
      address: home.contracts.modelRegistry as Address,
      abi: modelRegistryAbi,
      functionName: "epochEnd",
      args: [MODEL, nextEpoch],
    });
    await passTime(home.chainId, homeEnd);
    const { refundBps, vaaId } = await recordAndPublishVerdict(epoch);
    expect(refundBps).toBe(2_500);
    // Wait until the guardian signed it, so the refund job does not park for a poll interval.
    const [chain, emitter, sequence] = vaaId.split("/");
    const realVaa = await w.guardian.getSignedVaa({
      chain: Number(chain),
      emitter: emitter ?? "",
      sequence: BigInt(sequence ?? "0"),
    });

    // Forged verdicts are refused with typed errors, before anything moves.
    const guardianSets = new GuardianSetCache({
      client: publicClient(home.chainId) as never,
      chainId: home.chainId,
      core: home.wormhole.core as Address,
    });
    const homeEmitter = {
      wormholeChainId: home.wormhole.chainId,
      messenger: home.contracts.wormholeMessenger as Address,
    };
    const guardianSet = await guardianSets.forIndex(0);
    const genuine = await verifySolanaVerdict(realVaa, { guardianSet, home: homeEmitter });
    expect(genuine).toMatchObject({ modelId: MODEL, epoch, refundBps: 2_500, vaaId });
    const tampered = Uint8Array.from(realVaa);
    tampered[tampered.length - 40] = (tampered[tampered.length - 40] ?? 0) ^ 0xff; // inside the signed body
    await expect(verifySolanaVerdict(tampered, { guardianSet, home: homeEmitter })).rejects.toMatchObject({
      name: "ForgedVaaError",
      reason: "signature",
      retryable: false,
    });
    // Validly signed, on the home chain's Wormhole id, but emitted by the SlaOracle rather than the home messenger.
    const forgedVerdict = encodeMessage({
      kind: "Verdict",
      modelId: MODEL,
      epoch: nextEpoch,
      refundBps: 10_000,
      reportHash: `0x${"66".repeat(32)}`,
    });
    const forged = await devnet.guardian.submitExternalMessage({
      chain: home.wormhole.chainId,
      emitter: pad(home.contracts.slaOracle as Address),
      payload: hexToBytes(`0x${SOLANA_CHAIN_ID.toString(16).padStart(8, "0")}${forgedVerdict.slice(2)}`),
    });
    await expect(verifySolanaVerdict(forged.vaaBytes, { guardianSet, home: homeEmitter })).rejects.toMatchObject({
      name: "UntrustedEmitterError",
      retryable: false,
    });
    // A verdict source whose guardian API serves tampered bytes refuses them too.
    const lying = new SolanaVerdictSource({
      cursors: stores.cursors,
      guardian: { getSignedVaa: async () => tampered },
      guardianSets,
      home: homeEmitter,
    });
    await lying.record(MODEL, epoch, vaaId);
    await expect(lying.verified(MODEL, epoch)).rejects.toMatchObject({ name: "ForgedVaaError" });
    // And a refund job pointed at the forged VAA (a poisoned record) dead-letters and moves nothing.
    const verdicts = w.solanaVerdicts;
    if (!verdicts) throw new Error("no Solana verdict source");
    const forgedId = formatVaaId({ ...forged.id, emitter: forged.id.emitter.toLowerCase() });
    expect(await verdicts.record(MODEL, nextEpoch, forgedId)).toBe("recorded");
    await w.engine.ingest(solanaJob("refund", nextEpoch, Date.now()));
    const refused = await w.engine.process(
      jobIds.refund({ chainId: SOLANA_CHAIN_ID, modelId: MODEL, epoch: nextEpoch }),
    );
    expect(refused.result).toBe("dead-lettered");
    expect(refused.result === "dead-lettered" && refused.job.status === "dead-lettered" && refused.job.reason).toMatch(
      /^UntrustedEmitterError/,
    );
    expect(await balanceOf(vault)).toBe(vaultBefore);
    expect(await outflowsOf(nextEpoch)).toEqual(new Map());

    // Crash injection: the first refund transaction lands, then the worker dies before anything is recorded.
    const operators = solanaOperatorSigners(solana) ?? [];
    const feePayer = operators[0];
    if (!feePayer) throw new Error("no operators");
    const realSender = new SolanaSender({
      connection,
      payer: feePayer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
      confirmTimeoutMs: 30_000,
      pollIntervalMs: 50,
    });
    let crashes = 0;
    const crashingTarget = new SolanaSettlementTarget({
      chainId: SOLANA_CHAIN_ID,
      connection,
      sender: {
        send: async (...args: Parameters<SolanaSender["send"]>) => {
          const landed = await realSender.send(...args);
          if (crashes++ === 0) throw new Error("worker died after the refund landed");
          return landed;
        },
      },
      feePayer: feePayer.publicKey,
      operators,
      vault,
      multisig: new PublicKey(solana.multisig),
      mint: new PublicKey(solana.mint),
      decimals: solana.decimals,
      payments: stores.payments,
      cursors: stores.cursors,
      verdicts,
      payees: async () =>
        payees.map((p) => ({ chain: Number(p.chain), account: p.account, shareBps: Number(p.shareBps) })),
      models: devnet.manifest.models,
      vaultScanCursorId: vaultScanCursorId(solana.vault),
    });
    const crashingEngine = new RelayEngine({
      jobs: stores.jobs,
      transports: w.transports,
      receiptSources: new Map(),
      enqueue: async () => {},
      clock: w.clock,
      retry: w.config.retry,
      maxPaymentsPerBatch: 10,
      settlementTargets: new Map([[SOLANA_CHAIN_ID, crashingTarget]]),
      maxRefundsPerTransaction: 2,
    });
    // The home watcher turns the published verdict into the Solana refund and settle jobs (no deliver-message job).
    for (let i = 0; i < 3; i++) await publicClient(home.chainId).request({ method: "evm_mine" as never });
    const watched = await createWatchEvmHandler(async () => w)();
    expect(watched.results.find((r) => r.chain === home.name)?.forwardedJobs).toBe(2);
    const refundId = jobIds.refund({ chainId: SOLANA_CHAIN_ID, modelId: MODEL, epoch });
    const refundJob = await stores.jobs.get(refundId);
    expect(refundJob).toMatchObject({ kind: "refund", destinationChainId: SOLANA_CHAIN_ID });
    expect(refundJob?.messageRef?.messageId).toBe(vaaId);
    const crashed = await crashingEngine.process(refundId);
    expect(crashed.result).toBe("failed");
    expect(crashed.result === "failed" && crashed.job.status === "failed" && crashed.job.reason).toMatch(/worker died/);
    const afterCrash = await outflowsOf(epoch);
    expect(afterCrash.size).toBe(2); // the first batch of two landed

    // Duplicates of both jobs, all through the handlers: the lease and the memos keep every transfer once.
    expect(await w.engine.ingest(solanaJob("settle", epoch, Date.now()))).toBe("exists");
    expect(await w.engine.ingest(solanaJob("refund", epoch, Date.now()))).toBe("exists");
    const settleId = jobIds.settle({ chainId: SOLANA_CHAIN_ID, modelId: MODEL, epoch });
    // Both jobs push the remaining refund at the same time: the send lease lets one through, the other backs off.
    await sleep(150); // the crashed job's backoff
    const raced = await Promise.all([w.engine.process(refundId), w.engine.process(settleId)]);
    expect(raced.map((r) => r.result)).not.toContain("dead-lettered");
    for (const outcome of raced) {
      const reason = outcome.result === "failed" && outcome.job.status === "failed" ? outcome.job.reason : "";
      if (outcome.result === "failed") expect(reason).toMatch(/^SolanaSendInFlightError/);
    }
    for (const id of [refundId, settleId, refundId, settleId])
      runtime.queue("relay").send(JSON.stringify({ jobId: id }));
    for (let i = 0; i < 8; i++) {
      await drive(w, 1);
      const jobs = await Promise.all([refundId, settleId].map((id) => stores.jobs.get(id)));
      if (jobs.every((job) => job?.status === "confirmed")) break;
      await sleep(300);
    }
    for (const id of [refundId, settleId]) {
      const job = await stores.jobs.get(id);
      expect(job?.status, `${id}: ${job && "reason" in job ? job.reason : ""}`).toBe("confirmed");
    }

    // Exactly each payment's floor share back to the account it came from; exactly the payee's share once.
    const refundOf = (amount: bigint) => (amount * 2_500n) / 10_000n;
    const buyersAfter = await Promise.all(accounts.map(balanceOf));
    for (const [i, account] of accounts.entries()) {
      const owed = paid.filter((p) => p.buyer === i).reduce((sum, p) => sum + refundOf(p.amount), 0n);
      expect(buyersAfter[i], account.toBase58()).toBe((buyersBefore[i] ?? 0n) + owed);
    }
    const total = paid.reduce((sum, p) => sum + p.amount, 0n);
    const refunded = paid.reduce((sum, p) => sum + refundOf(p.amount), 0n);
    const released = total - refunded;
    const share = (released * BigInt(payee?.shareBps ?? 0)) / 10_000n;
    expect(await balanceOf(payeeAccount)).toBe(share);
    expect(await balanceOf(vault)).toBe(vaultBefore - refunded - share);
    const outflows = await outflowsOf(epoch);
    expect([...outflows.values()].map((o) => o.memo.kind).sort()).toEqual(["payout", "refund", "refund", "refund"]);
    for (const p of stored) {
      const memo = formatSlabridgeMemo({ kind: "refund", modelId: MODEL, epoch, paymentId: p.paymentId as Hex });
      expect(outflows.get(memo)?.amount).toBe(refundOf(p.amount));
    }
    // Two refund transactions (2 + 1) and one payout transaction.
    expect(new Set([...outflows.values()].map((o) => o.signature)).size).toBe(3);

    // The netting reader: what Solana released, paid locally and holds for payees on other chains.
    const position = await w.solanaSettlement?.nettingPosition(MODEL, epoch);
    expect(position).toMatchObject({
      paid: total,
      refunded,
      released,
      paidLocally: share,
      heldForOtherChains: released - share,
      refundsDone: true,
      payoutsDone: true,
    });

    // Replays: re-queued jobs, and the whole settlement again from an empty job store, move nothing.
    for (const id of [refundId, settleId]) runtime.queue("relay").send(JSON.stringify({ jobId: id }));
    await drive(w, 1);
    const amnesiac = world(new MemoryJobStore({ clock: w.clock }));
    for (const kind of ["refund", "settle"] as const) {
      await amnesiac.engine.ingest(solanaJob(kind, epoch, Date.now()));
      const outcome = await amnesiac.engine.process(kind === "refund" ? refundId : settleId);
      expect(outcome.result).toBe("confirmed");
      const job = outcome.result === "unknown-job" ? undefined : outcome.job;
      expect(job?.status === "confirmed" && job.alreadyDone).toBe(true);
    }
    expect(await Promise.all(accounts.map(balanceOf))).toEqual(buyersAfter);
    expect(await balanceOf(payeeAccount)).toBe(share);
    expect(await balanceOf(vault)).toBe(vaultBefore - refunded - share);
    expect((await outflowsOf(epoch)).size).toBe(4);
    const dead = await stores.jobs.listByStatus("dead-lettered", { limit: 100 });
    expect(dead.map((job) => job.id)).toEqual([
      jobIds.refund({ chainId: SOLANA_CHAIN_ID, modelId: MODEL, epoch: nextEpoch }),
    ]);
    const deliveries = await stores.jobs.listByStatus("confirmed", { limit: 100 });
    expect(
      deliveries.filter((job) => job.kind === "deliver-message" && job.destinationChainId === SOLANA_CHAIN_ID),
    ).toEqual([]);
  }, 240_000);
});
