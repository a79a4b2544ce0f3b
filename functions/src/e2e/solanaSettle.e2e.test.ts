import { encodeMessage, jobIds, SOLANA_CHAIN_ID } from "@slabridge/core";
import { demoMeasurements, type EpochOnChain } from "@slabridge/devnet/testing";
import { RelayEngine } from "@slabridge/relay";
import { createSettlementWorkers } from "@slabridge/settlement";
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
} from "@slabridge/solana";
import { formatVaaId, GuardianSetCache } from "@slabridge/wormhole";
import { LAMPORTS_PER_SOL, PublicKey } from "@solana/web3.js";
import { bytesToHex, type Hex, hexToBytes, pad } from "viem";
import { beforeAll, describe, expect, it } from "vitest";
import { createWatchEvmHandler } from "../watchEvm.ts";
import { botHarnessForSuite, settlementJob } from "./testing/botHarness.ts";

const EPOCH_SECONDS = 4;
const MODEL = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA -> 25 % refund
const HOME = 31_338;
const bot = botHarnessForSuite(
  {
    devnet: { epochSeconds: EPOCH_SECONDS, hosts: ["healthy", "slowP95"] },
    // Two refunds per transaction (the default): three payments take two refund transactions.
    stage: {
      solana: true,
      routes: [{ source: HOME, destination: SOLANA_CHAIN_ID, kind: "Verdict", transport: "wormhole" }],
    },
  },
  90_000,
);

beforeAll(async () => {
  // The first operator pays the vault transactions' fees (the devnet funds buyers, not operators).
  const { connection, solana } = bot.scenario;
  const feePayer = solanaOperatorSigners(solana)?.[0];
  if (!feePayer) throw new Error("no operator keys");
  await connection.confirmTransaction(await connection.requestAirdrop(feePayer.publicKey, 10 * LAMPORTS_PER_SOL));
}, 90_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const onSolana = (epoch: bigint): EpochOnChain => ({ chainId: SOLANA_CHAIN_ID, model: MODEL, epoch });
/** A refund or settle job as the home watcher makes it from a verdict published to Solana. */
const solanaJob = (kind: "refund" | "settle", epoch: bigint) =>
  settlementJob(kind, onSolana(epoch), { transport: "wormhole", now: Date.now(), sourceChainId: HOME });
const outflowsOf = async (epoch: bigint): Promise<Map<string, SolanaVaultOutflow>> =>
  readVaultOutflows(bot.scenario.connection, new PublicKey(bot.scenario.solana.vault), {
    match: (m) => m.modelId === MODEL && m.epoch === epoch,
  });

describe("settlement on Solana: a verified verdict VAA, multisig refunds in batches, Solana payouts once", () => {
  it("refunds each Solana buyer its share once, pays the Solana payee once, and refuses forged verdicts", async () => {
    const { scenario } = bot;
    const { solana, connection } = scenario;
    const home = scenario.home();
    const vault = new PublicKey(solana.vault);
    const w = bot.world();
    const drive = (rounds: number) => bot.drive(w, rounds, { watch: ["evm", "solana-vault"] });
    const balanceOf = (account: PublicKey) => scenario.solanaBalanceOf(account);
    const model = scenario.manifest.models.find((m) => BigInt(m.modelId) === MODEL);
    if (!model) throw new Error("no model 2");
    // The demo split table pays its data contributor (the first Solana demo buyer) on Solana.
    const payees = await scenario.payeesOf(MODEL, 0n);
    const payeeIndex = payees.findIndex((p) => p.chain === SOLANA_CHAIN_ID);
    const payee = payees[payeeIndex];
    const payeeOwner = scenario.solanaBuyer(0).publicKey;
    expect(payee?.account).toBe(bytesToHex(payeeOwner.toBytes()));
    expect(payeeIndex).toBeLessThan(payees.length - 1); // not the dust taker
    const payeeAccount = associatedTokenAccount(payeeOwner, new PublicKey(solana.mint));

    // Buyers 1 and 2 pay three times in one epoch (odd amounts, so the floors matter), and once more in the next.
    const epochMs = EPOCH_SECONDS * 1000;
    await sleep(epochMs - ((Date.now() - model.genesis * 1000) % epochMs) + 150);
    const [bob, carol] = [1, 2];
    const accounts = [
      await scenario.solanaTokenAccount(scenario.solanaBuyer(bob).publicKey),
      await scenario.solanaTokenAccount(scenario.solanaBuyer(carol).publicKey),
    ] as const;
    const paid = [
      { ...(await scenario.paySolana(bob, MODEL, 30_001n)), account: 0 },
      { ...(await scenario.paySolana(carol, MODEL, 20_003n)), account: 1 },
      { ...(await scenario.paySolana(bob, MODEL, 7_777n)), account: 0 },
    ];
    const epochs = new Set(paid.map((p) => p.epoch));
    expect(epochs.size).toBe(1);
    const epoch = [...epochs][0] ?? -1n;
    const endsAt = (model.genesis + Number(epoch + 1n) * EPOCH_SECONDS) * 1000;
    await sleep(Math.max(0, endsAt - Date.now()) + 150);
    const { epoch: nextEpoch } = await scenario.paySolana(carol, MODEL, 5_000n);
    expect(nextEpoch).toBe(epoch + 1n);
    await sleep(Math.max(0, endsAt + epochMs - Date.now()) + 150);
    await bot.watchSolanaVault(w);
    const stored = await bot.stores.payments.listEpoch(SOLANA_CHAIN_ID, MODEL, epoch);
    expect(stored).toHaveLength(3);

    const buyersBefore = await Promise.all(accounts.map(balanceOf));
    const vaultBefore = await balanceOf(vault);

    // The verdict: recorded on the home chain (2 of 3 probers), published to Solana over Wormhole.
    await scenario.passTime(HOME, await scenario.registryEpochEnd(MODEL, nextEpoch));
    const { refundBps } = await scenario.recordVerdict(MODEL, epoch, { measured: demoMeasurements.breachingP95 });
    expect(refundBps).toBe(2_500);
    const { vaaId = "" } = await scenario.publishVerdict(MODEL, epoch, SOLANA_CHAIN_ID, { transport: "wormhole" });
    // Wait until the guardian signed it, so the refund job does not park for a poll interval.
    const [chain, emitter, sequence] = vaaId.split("/");
    const realVaa = await w.guardian.getSignedVaa({
      chain: Number(chain),
      emitter: emitter ?? "",
      sequence: BigInt(sequence ?? "0"),
    });

    // Forged verdicts are refused with typed errors, before anything moves.
    const guardianSets = new GuardianSetCache({
      client: scenario.client(HOME),
      chainId: HOME,
      core: home.wormhole.core,
    });
    const homeEmitter = {
      wormholeChainId: home.wormhole.chainId,
      messenger: home.contracts.wormholeMessenger,
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
      topUp: 0n,
    });
    const forged = await scenario.devnet.guardian.submitExternalMessage({
      chain: home.wormhole.chainId,
      emitter: pad(scenario.homeContract("slaOracle")),
      payload: hexToBytes(`0x${SOLANA_CHAIN_ID.toString(16).padStart(8, "0")}${forgedVerdict.slice(2)}`),
    });
    await expect(verifySolanaVerdict(forged.vaaBytes, { guardianSet, home: homeEmitter })).rejects.toMatchObject({
      name: "UntrustedEmitterError",
      retryable: false,
    });
    // A verdict source whose guardian API serves tampered bytes refuses them too.
    const lying = new SolanaVerdictSource({
      cursors: bot.stores.cursors,
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
    await w.engine.ingest(solanaJob("refund", nextEpoch));
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
      payments: bot.stores.payments,
      cursors: bot.stores.cursors,
      leases: bot.stores.leases,
      verdicts,
      payees: async () =>
        payees.map((p) => ({ chain: Number(p.chain), account: p.account, shareBps: Number(p.shareBps) })),
      models: scenario.manifest.models,
      vaultScanCursorId: vaultScanCursorId(solana.vault),
    });
    const crashingEngine = new RelayEngine({
      jobs: bot.stores.jobs,
      transports: w.transports,
      receiptSources: new Map(),
      enqueue: async () => {},
      clock: w.clock,
      retry: w.config.retry,
      maxPaymentsPerBatch: 10,
      workers: createSettlementWorkers({
        settlementTargets: new Map([[SOLANA_CHAIN_ID, crashingTarget]]),
        clock: w.clock,
        maxRefundsPerTransaction: 2,
      }),
    });
    // The home watcher turns the published verdict into the Solana refund and settle jobs (no deliver-message job).
    for (let i = 0; i < 3; i++) await scenario.mine([HOME]);
    const watched = await createWatchEvmHandler(async () => w)();
    expect(watched.results.find((r) => r.chain === home.name)?.forwardedJobs).toBe(2);
    const refundId = jobIds.refund({ chainId: SOLANA_CHAIN_ID, modelId: MODEL, epoch });
    const refundJob = await bot.stores.jobs.get(refundId);
    expect(refundJob).toMatchObject({ kind: "refund", destinationChainId: SOLANA_CHAIN_ID });
    expect(refundJob?.messageRef?.messageId).toBe(vaaId);
    const crashed = await crashingEngine.process(refundId);
    expect(crashed.result).toBe("failed");
    expect(crashed.result === "failed" && crashed.job.status === "failed" && crashed.job.reason).toMatch(/worker died/);
    const afterCrash = await outflowsOf(epoch);
    expect(afterCrash.size).toBe(2); // the first batch of two landed

    // Duplicates of both jobs, all through the handlers: the lease and the memos keep every transfer once.
    expect(await w.engine.ingest(solanaJob("settle", epoch))).toBe("exists");
    expect(await w.engine.ingest(solanaJob("refund", epoch))).toBe("exists");
    const settleId = jobIds.settle({ chainId: SOLANA_CHAIN_ID, modelId: MODEL, epoch });
    // Both jobs push the remaining refund at the same time: the send lease lets one through, the other backs off.
    await sleep(150); // the crashed job's backoff
    const raced = await Promise.all([w.engine.process(refundId), w.engine.process(settleId)]);
    expect(raced.map((r) => r.result)).not.toContain("dead-lettered");
    for (const outcome of raced) {
      const reason = outcome.result === "failed" && outcome.job.status === "failed" ? outcome.job.reason : "";
      if (outcome.result === "failed") expect(reason).toMatch(/^VaultSendInFlightError/);
    }
    bot.send(refundId, settleId, refundId, settleId);
    const confirmed = async () =>
      (await Promise.all([refundId, settleId].map((id) => bot.stores.jobs.get(id)))).every(
        (job) => job?.status === "confirmed",
      );
    await bot.driveUntil(w, confirmed, { watch: ["evm", "solana-vault"], rounds: 8, pauseMs: 300 });
    for (const id of [refundId, settleId]) {
      const job = await bot.stores.jobs.get(id);
      expect(job?.status, `${id}: ${job && "reason" in job ? job.reason : ""}`).toBe("confirmed");
    }

    // Exactly each payment's floor share back to the account it came from; exactly the payee's share once.
    const refundOf = (amount: bigint) => (amount * 2_500n) / 10_000n;
    const buyersAfter = await Promise.all(accounts.map(balanceOf));
    for (const [i, account] of accounts.entries()) {
      const owed = paid.filter((p) => p.account === i).reduce((sum, p) => sum + refundOf(p.amount), 0n);
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
    bot.send(refundId, settleId);
    await drive(1);
    const replayed = await bot.replayIntoEmptyStore(w, [solanaJob("refund", epoch), solanaJob("settle", epoch)]);
    expect(replayed).toMatchObject([
      { id: refundId, result: "confirmed", alreadyDone: true },
      { id: settleId, result: "confirmed", alreadyDone: true },
    ]);
    expect(await Promise.all(accounts.map(balanceOf))).toEqual(buyersAfter);
    expect(await balanceOf(payeeAccount)).toBe(share);
    expect(await balanceOf(vault)).toBe(vaultBefore - refunded - share);
    expect((await outflowsOf(epoch)).size).toBe(4);
    const dead = await bot.jobsIn("dead-lettered");
    expect(dead.map((job) => job.id)).toEqual([
      jobIds.refund({ chainId: SOLANA_CHAIN_ID, modelId: MODEL, epoch: nextEpoch }),
    ]);
    const deliveries = await bot.jobsIn("confirmed");
    expect(
      deliveries.filter((job) => job.kind === "deliver-message" && job.destinationChainId === SOLANA_CHAIN_ID),
    ).toEqual([]);
  }, 240_000);
});
