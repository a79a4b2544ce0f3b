import { escrowAbi, layerZeroMessengerAbi, modelRegistryAbi, slaOracleAbi } from "@slabridge/contracts";
import {
  type CursorStore,
  checkConservation,
  type EvmChainManifest,
  encodeMessage,
  jobIds,
  parseStageConfig,
  pickRefundBps,
  type SlaReport,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import { type Devnet, devnetChainsOf, devnetStablecoinAbi, startDevnet, submitTransaction } from "@slabridge/devnet";
import {
  buildSubmitReportTx,
  readStablecoinLedger,
  SlaOracleReader,
  signSlaReport,
  walletClientSigner,
} from "@slabridge/evm";
import { readNetRoundOutcome } from "@slabridge/netting";
import { LocalRuntime, QueueConsumer } from "@slabridge/runtime";
import { createStores } from "@slabridge/store";
import { Connection } from "@solana/web3.js";
import { type Address, getAddress, type Hex, slice } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRelayWorld, type RelayWorld } from "../context/buildRelayWorld.ts";
import { buildNettingWorld } from "../context/netting/buildNettingWorld.ts";
import { readSolanaStablecoinSupply } from "../context/netting/readSolanaStablecoinSupply.ts";
import { createNetHandler } from "../net.ts";
import { createRelayHandler } from "../relay.ts";
import { createRetryHandler } from "../retry.ts";
import { createWatchEvmHandler } from "../watchEvm.ts";

const EPOCH_SECONDS = 20;
const HEALTHY = 1n;
const BREACHING = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA
const A = 31_337;
const B = 31_338;
let devnet: Devnet;
let runtime: LocalRuntime;
let stores: ReturnType<typeof createStores>;
let home: EvmChainManifest;

function world(): RelayWorld {
  return buildRelayWorld({
    manifest: devnet.manifest,
    config: parseStageConfig({
      stage: "devnet",
      chains: devnetChainsOf(devnet.manifest).evm.map((chain) => ({
        chainId: chain.chainId,
        name: chain.name,
        family: "evm",
        rpcUrl: { url: chain.rpcUrl },
        confirmations: chain.confirmations,
      })),
      // As config/devnet.json: evm-a over LayerZero, the home chain's own escrow over Wormhole self-delivery.
      routes: [
        { source: A, destination: B, kind: "ReceiptBatch", transport: "layerzero" },
        { source: B, destination: A, kind: "Verdict", transport: "layerzero" },
        { source: B, destination: A, kind: "Payout", transport: "layerzero" },
        { source: B, destination: B, kind: "ReceiptBatch", transport: "wormhole" },
        { source: B, destination: B, kind: "Verdict", transport: "wormhole" },
        { source: B, destination: B, kind: "Payout", transport: "wormhole" },
      ],
      batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
      retry: { tiersMs: [50, 100], maxAttempts: 8, jitter: 0 },
      watch: { pollIntervalSeconds: 1 },
    }),
    stores,
    rpcUrls: new Map(devnetChainsOf(devnet.manifest).evm.map((chain) => [chain.chainId, chain.rpcUrl])),
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
  runtime.addQueue("relay", { visibilityTimeout: 60, maxReceiveCount: 8, dlq: "relay-dlq" });
  const found = devnetChainsOf(devnet.manifest).evm.find((chain) => chain.chainId === devnet.manifest.homeChainId);
  if (!found?.contracts.escrow || !devnetChainsOf(devnet.manifest).evm.every((chain) => chain.contracts.escrow)) {
    throw new Error("devnet shape: an escrow on every EVM chain");
  }
  home = found;
}, 60_000);

afterAll(async () => {
  await runtime?.stop();
  stores?.destroy();
  await devnet?.stop();
});

const chainOf = (chainId: number) => {
  const chain = devnetChainsOf(devnet.manifest).evm.find((c) => c.chainId === chainId);
  if (!chain) throw new Error(`no chain ${chainId}`);
  return chain;
};
const escrowOf = (chainId: number) => chainOf(chainId).contracts.escrow as Address;
const publicClient = (chainId: number) => devnet.evm.clients(chainId).publicClient;

function buyer(index: number): Address {
  const ref = devnet.manifest.keys.demoBuyers[index];
  if (ref?.kind !== "anvil-dev-account") throw new Error(`no demo buyer ${index}`);
  return ref.address;
}

interface Payment {
  chainId: number;
  model: bigint;
  buyer: number;
  epoch: bigint;
  amount: bigint;
}

async function pay(chainId: number, model: bigint, buyerIndex: number, requests: bigint): Promise<Payment> {
  const client = publicClient(chainId);
  const wallet = devnet.evm.clients(chainId).wallet(buyer(buyerIndex));
  const amount = 10_000n * requests;
  await submitTransaction(client, "approve", () =>
    wallet.writeContract({
      address: chainOf(chainId).stablecoin.address as Address,
      abi: devnetStablecoinAbi,
      functionName: "approve",
      args: [escrowOf(chainId), amount],
    }),
  );
  const epoch = await client.readContract({
    address: escrowOf(chainId),
    abi: escrowAbi,
    functionName: "currentEpoch",
    args: [model],
  });
  await submitTransaction(client, `pay on ${chainId}`, async () => {
    const { request } = await client.simulateContract({
      account: buyer(buyerIndex),
      address: escrowOf(chainId),
      abi: escrowAbi,
      functionName: "pay",
      args: [model, amount],
    });
    return wallet.writeContract(request);
  });
  return { chainId, model, buyer: buyerIndex, epoch, amount };
}

function balanceOf(chainId: number, account: Address): Promise<bigint> {
  return publicClient(chainId).readContract({
    address: chainOf(chainId).stablecoin.address as Address,
    abi: devnetStablecoinAbi,
    functionName: "balanceOf",
    args: [account],
  });
}

async function passTime(chainId: number, endSeconds: bigint): Promise<void> {
  const client = publicClient(chainId);
  const now = (await client.getBlock({ blockTag: "latest" })).timestamp;
  const delta = endSeconds > now ? Number(endSeconds - now) + 1 : 1;
  await client.request({ method: "evm_increaseTime" as never, params: [delta] as never });
  await client.request({ method: "evm_mine" as never });
}

/** Signs the (model, epoch) report with 2 of the 3 manifest probers and submits it to the home SlaOracle. */
async function recordVerdict(model: bigint, epoch: bigint, breached: boolean): Promise<number> {
  const client = publicClient(home.chainId);
  const clients = devnet.evm.clients(home.chainId);
  const oracle = home.contracts.slaOracle as Address;
  const terms = await client.readContract({
    address: home.contracts.modelRegistry as Address,
    abi: modelRegistryAbi,
    functionName: "slaTermsAt",
    args: [model, epoch],
  });
  const measured = breached
    ? { p50Ms: 60, p95Ms: 900, p99Ms: 950, uptimeBps: 10_000, sampleCount: 300 }
    : { p50Ms: 40, p95Ms: 90, p99Ms: 120, uptimeBps: 10_000, sampleCount: 300 };
  const report: SlaReport = {
    modelId: model,
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
  const submit = buildSubmitReportTx({ oracle, report, signatures });
  await submitTransaction(client, "submitReport", () =>
    clients.wallet(submitter).sendTransaction({ to: oracle, data: submit.data }),
  );
  return report.refundBps;
}

/** Publishes the recorded verdict to a payment chain: evm-a over LayerZero, the home escrow over Wormhole. */
async function publishVerdict(model: bigint, epoch: bigint, chainId: number): Promise<void> {
  const client = publicClient(home.chainId);
  const clients = devnet.evm.clients(home.chainId);
  const oracle = home.contracts.slaOracle as Address;
  const verdict = await new SlaOracleReader(client as never, oracle).verdictOf(model, epoch);
  const messenger = (chainId === A ? home.contracts.layerZeroMessenger : home.contracts.wormholeMessenger) as Address;
  const fee = await client.readContract({
    address: messenger,
    abi: layerZeroMessengerAbi,
    functionName: "quote",
    args: [
      chainId,
      encodeMessage({
        kind: "Verdict",
        modelId: model,
        epoch,
        refundBps: verdict.refundBps,
        reportHash: verdict.reportHash as Hex,
      }),
    ],
  });
  const [submitter] = await clients.accounts();
  if (!submitter) throw new Error("no dev account");
  await submitTransaction(client, "publishVerdict", () =>
    clients.wallet(submitter).writeContract({
      address: oracle,
      abi: slaOracleAbi,
      functionName: "publishVerdict",
      args: [model, epoch, chainId, messenger],
      value: fee,
    }),
  );
}

/** Watch passes and relay-queue drains through the Lambda handlers. */
async function drive(w: RelayWorld, rounds: number): Promise<void> {
  const watch = createWatchEvmHandler(async () => w);
  const relay = createRelayHandler(async () => w, {
    idempotency: { tableName: devnet.dynamo.tableNames.idempotency, client: stores.client },
  });
  const retry = createRetryHandler(async () => w);
  const consumer = new QueueConsumer({ queue: runtime.queue("relay"), handler: relay, batchSize: 10 });
  for (let round = 0; round < rounds; round++) {
    for (const chain of devnetChainsOf(devnet.manifest).evm) {
      await publicClient(chain.chainId).request({ method: "evm_mine" as never });
    }
    await watch();
    while ((await consumer.pollOnce()) > 0) {}
    await new Promise((resolve) => setTimeout(resolve, 150)); // backoffs elapse, the guardian observes
    await retry();
  }
}

/** Drives until every settle job of the given (chain, model, epoch)s is confirmed and its payouts are all paid. */
async function driveUntilPaidOut(w: RelayWorld, epochs: readonly EpochOnChain[]): Promise<void> {
  for (let pass = 0; pass < 12; pass++) {
    await drive(w, 2);
    let done = true;
    for (const e of epochs) {
      const job = await stores.jobs.get(jobIds.settle({ chainId: e.chainId, modelId: e.model, epoch: e.epoch }));
      const payees = await payeesOf(e.model, e.epoch);
      const paid = await paidOutLogs(e);
      if (job?.status !== "confirmed" || paid.length < payees.length) done = false;
    }
    if (done) return;
  }
}

interface EpochOnChain {
  chainId: number;
  model: bigint;
  epoch: bigint;
}

function payeesOf(model: bigint, epoch: bigint) {
  return publicClient(home.chainId).readContract({
    address: home.contracts.modelRegistry as Address,
    abi: modelRegistryAbi,
    functionName: "payees",
    args: [model, epoch],
  });
}

function paidOutLogs(e: EpochOnChain) {
  return publicClient(e.chainId).getContractEvents({
    address: escrowOf(e.chainId),
    abi: escrowAbi,
    eventName: "PaidOut",
    args: { modelId: e.model, epoch: e.epoch },
    fromBlock: 0n,
  });
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

function nettingVaults(): Map<number, Address> {
  return new Map(
    (devnet.manifest.keys.nettingVaults ?? [])
      .filter((v) => v.chainId !== SOLANA_CHAIN_ID)
      .map((v) => [v.chainId, getAddress(slice(v.account, 12))]),
  );
}

const vaultNonces = () =>
  Promise.all([...nettingVaults()].map(([chainId, address]) => publicClient(chainId).getTransactionCount({ address })));

async function conservation() {
  const solana = devnetChainsOf(devnet.manifest).solana;
  if (!solana) throw new Error("the devnet has Solana");
  const vaults = nettingVaults();
  const ledger = await readStablecoinLedger(
    devnetChainsOf(devnet.manifest).evm.map((c) => ({
      chainId: c.chainId,
      client: publicClient(c.chainId),
      token: c.stablecoin.address as Address,
      eid: c.layerZero.eid,
      roles: new Map([[vaults.get(c.chainId) as Address, "vault" as const]]),
    })),
    {
      solana: await readSolanaStablecoinSupply(
        new Connection(solana.rpcUrl, "confirmed"),
        solana.chainId,
        solana.mint,
        new Map([[solana.vault, "vault" as const]]),
      ),
    },
  );
  return { ledger, report: checkConservation(ledger) };
}

describe("net handler on the devnet: payouts on evm-a and evm-b are netted once per (model, epoch)", () => {
  it("pays each payee its netted share from its chain's vault, crosses A<->B once over the OFT, replays change nothing", async () => {
    const w = world();
    await drive(w, 1);
    // Both anvils on the same clock, so a model's payments on A and B fall in the same epoch.
    const [tsA, tsB] = await Promise.all([A, B].map(async (c) => (await publicClient(c).getBlock()).timestamp));
    if (tsA !== undefined && tsB !== undefined) await passTime(tsA < tsB ? A : B, max(tsA, tsB));

    const payments: Payment[] = [];
    payments.push(await pay(A, HEALTHY, 0, 3n));
    payments.push(await pay(B, HEALTHY, 1, 5n));
    payments.push(await pay(A, BREACHING, 2, 4n));
    payments.push(await pay(B, BREACHING, 0, 1n));
    const epochs: EpochOnChain[] = payments.map((p) => ({ chainId: p.chainId, model: p.model, epoch: p.epoch }));
    const rounds = [...new Map(epochs.map((e) => [`${e.model}:${e.epoch}`, e])).values()];
    expect(rounds).toHaveLength(2); // A and B share each model's epoch

    const ends = new Map<number, bigint>();
    for (const e of epochs) {
      const end = await publicClient(e.chainId).readContract({
        address: escrowOf(e.chainId),
        abi: escrowAbi,
        functionName: "epochEnd",
        args: [e.model, e.epoch],
      });
      for (const chainId of [e.chainId, home.chainId]) ends.set(chainId, max(ends.get(chainId) ?? 0n, end));
    }
    for (const [chainId, end] of ends) await passTime(chainId, end);
    await drive(w, 4);

    const net = createNetHandler(async () => buildNettingWorld(w));
    // Receipts are home but nothing is released: nothing is due yet.
    const early = await net({});
    expect(early.netted).toEqual([]);

    const recorded = new Set<string>();
    for (const e of epochs) {
      const key = `${e.model}:${e.epoch}`;
      if (!recorded.has(key)) await recordVerdict(e.model, e.epoch, e.model === BREACHING);
      recorded.add(key);
      await publishVerdict(e.model, e.epoch, e.chainId);
    }
    await driveUntilPaidOut(w, epochs);

    // What each payee is owed by netting: its shares that the other chains' escrows paid to their vault.
    const vaults = nettingVaults();
    const owed = new Map<string, bigint>();
    const accounts = new Map<number, Set<Address>>([
      [A, new Set([vaults.get(A) as Address])],
      [B, new Set([vaults.get(B) as Address])],
    ]);
    for (const e of epochs) {
      const table = await payeesOf(e.model, e.epoch);
      const logs = await paidOutLogs(e);
      expect(logs).toHaveLength(table.length);
      for (const log of logs) {
        const entry = table[Number(log.args.payoutIndex)];
        if (!entry || entry.chain === e.chainId || entry.chain === SOLANA_CHAIN_ID) continue;
        expect(log.args.payee).toBe(vaults.get(e.chainId));
        const account = getAddress(slice(entry.account, 12));
        accounts.get(entry.chain)?.add(account);
        const key = `${entry.chain}:${account}`;
        owed.set(key, (owed.get(key) ?? 0n) + (log.args.amount ?? 0n));
      }
    }
    expect(owed.size).toBeGreaterThan(0);
    const balances = async () => {
      const out = new Map<string, bigint>();
      for (const [chainId, set] of accounts) {
        for (const account of set) out.set(`${chainId}:${account}`, await balanceOf(chainId, account));
      }
      return out;
    };
    const before = await balances();
    const { ledger: ledgerBefore } = await conservation();

    const first = await net({});
    expect(first.retry).toEqual([]);
    expect(first.invalid).toEqual([]);
    expect(first.netted.map((o) => o.roundId).sort()).toEqual(rounds.map((r) => `net:${r.model}:${r.epoch}`).sort());
    expect(JSON.parse(JSON.stringify(first))).toEqual(first);

    const after = await balances();
    for (const [key, amount] of owed)
      expect((after.get(key) ?? 0n) - (before.get(key) ?? 0n), `netted share of ${key}`).toBe(amount);
    for (const outcome of first.netted) {
      // At most one OFT transfer between A and B per round, found again by its GUID (none when the Solana legs
      // absorb both vaults' surpluses: both then owe the Solana vault and pay their payees from what they hold).
      expect(outcome.bridged.length).toBeLessThanOrEqual(1);
      for (const bridge of outcome.bridged) {
        expect([bridge.from, bridge.to].sort()).toEqual([A, B]);
        expect(bridge.guid).toMatch(/^0x[0-9a-f]{64}$/);
      }
      // The Solana data contributor's shares stay open between the EVM vaults and the Solana vault.
      expect(outcome.openBalances.every((t) => t.to === SOLANA_CHAIN_ID && BigInt(t.amount) > 0n)).toBe(true);
      expect(outcome.openBalances.length).toBeGreaterThan(0);
      const paidTotal = outcome.paid.reduce((sum, p) => sum + BigInt(p.amount), 0n);
      expect(paidTotal).toBeGreaterThan(0n);
      expect(await readNetRoundOutcome(stores.cursors, BigInt(outcome.modelId), BigInt(outcome.epoch))).toEqual(
        outcome,
      );
    }
    // The breaching model's round (A: 40,000 paid, B: 10,000, 25% refunded) crosses A -> B once; the healthy one
    // (A: 30,000, B: 50,000) needs no crossing.
    const bridges = first.netted.flatMap((o) => o.bridged.map((b) => [o.modelId, b.from, b.to]));
    expect(bridges).toEqual([[`${BREACHING}`, A, B]]);
    // Each vault paid exactly what its payees were owed (no more: the rest is the Solana vault's open balance).
    const paidByVaults = first.netted.flatMap((o) => o.paid).reduce((sum, p) => sum + BigInt(p.amount), 0n);
    expect(paidByVaults).toBe([...owed.values()].reduce((sum, v) => sum + v, 0n));

    const { ledger, report } = await conservation();
    expect(report.violations).toEqual([]);
    expect(report.holds).toBe(true);
    expect(ledger.inFlight).toEqual([]);
    expect(ledger.issued).toBe(ledgerBefore.issued);

    // A second run changes nothing: no transaction from the vaults, no balance moves.
    const nonces = await vaultNonces();
    const second = await net({});
    expect(second.netted).toEqual([]);
    expect(second.alreadyNetted).toEqual(expect.arrayContaining(first.netted.map((o) => o.roundId)));
    expect(await vaultNonces()).toEqual(nonces);
    expect(await balances()).toEqual(after);
    expect((await conservation()).report.holds).toBe(true);

    // A worker that died after netting, before recording the outcome: the rounds run again from their recorded
    // fromBlocks, find every step done on chain and send nothing.
    const forgetful: CursorStore = {
      get: async (id) => (id.endsWith(":outcome") ? undefined : stores.cursors.get(id)),
      advance: async (next, expected) => (next.id.endsWith(":outcome") ? true : stores.cursors.advance(next, expected)),
    };
    const amnesiac = createNetHandler(async () => ({ ...buildNettingWorld(w), cursors: forgetful }));
    const replay = await amnesiac({});
    expect(replay.netted.map((o) => o.roundId).sort()).toEqual(first.netted.map((o) => o.roundId).sort());
    expect(replay.netted.map((o) => o.bridged.map((b) => b.guid))).toEqual(
      first.netted.map((o) => o.bridged.map((b) => b.guid)),
    );
    expect(await vaultNonces()).toEqual(nonces);
    expect(await balances()).toEqual(after);
    expect(await stores.jobs.listByStatus("dead-lettered", { limit: 100 })).toEqual([]);
  }, 400_000);
});
