import { type CursorStore, SOLANA_CHAIN_ID } from "@slabridge/core";
import { demoMeasurements, devnetEvmRoutes, epochsOf } from "@slabridge/devnet/testing";
import { type Address, getAddress, slice } from "viem";
import { describe, expect, it } from "vitest";
import { createNetHandler } from "../net.ts";
import { botHarnessForSuite, buildNettingWorld, readNetRoundOutcome } from "./testing/botHarness.ts";

const HEALTHY = 1n;
const BREACHING = 2n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA
const A = 31_337;
const B = 31_338;
const bot = botHarnessForSuite({
  devnet: { epochSeconds: 20, hosts: ["healthy", "slowP95"] },
  // As config/devnet.json: evm-a over LayerZero, the home chain's own escrow over Wormhole self-delivery.
  stage: { routes: devnetEvmRoutes(A, B), retry: { maxAttempts: 8 } },
  maxReceiveCount: 8,
});

describe("net handler on the devnet: payouts on evm-a and evm-b are netted once per (model, epoch)", () => {
  it("pays each payee its netted share from its chain's vault, crosses A<->B once over the OFT, replays change nothing", async () => {
    const { scenario } = bot;
    const w = bot.world();
    await bot.drive(w, 1);
    // Both anvils on the same clock, so a model's payments on A and B fall in the same epoch.
    await scenario.alignClocks();

    const payments = [
      await scenario.pay(A, HEALTHY, 0, 3n),
      await scenario.pay(B, HEALTHY, 1, 5n),
      await scenario.pay(A, BREACHING, 2, 4n),
      await scenario.pay(B, BREACHING, 0, 1n),
    ];
    const epochs = epochsOf(payments);
    const rounds = [...new Map(epochs.map((e) => [`${e.model}:${e.epoch}`, e])).values()];
    expect(rounds).toHaveLength(2); // A and B share each model's epoch

    await scenario.passEpochs(epochs);
    await bot.drive(w, 4);

    const net = createNetHandler(async () => buildNettingWorld(w));
    // Receipts are home but nothing is released: nothing is due yet.
    const early = await net({});
    expect(early.netted).toEqual([]);

    const recorded = new Set<string>();
    for (const e of epochs) {
      const key = `${e.model}:${e.epoch}`;
      const measured = e.model === BREACHING ? demoMeasurements.breachingP95 : demoMeasurements.healthy;
      if (!recorded.has(key)) await scenario.recordVerdict(e.model, e.epoch, { measured });
      recorded.add(key);
      await scenario.publishVerdict(e.model, e.epoch, e.chainId);
    }
    await bot.driveUntilPaidOut(w, epochs);

    // What each payee is owed by netting: its shares that the other chains' escrows paid to their vault.
    const vaults = scenario.nettingVaults();
    const owed = new Map<string, bigint>();
    const accounts = new Map<number, Set<Address>>([
      [A, new Set([vaults.get(A) as Address])],
      [B, new Set([vaults.get(B) as Address])],
    ]);
    for (const e of epochs) {
      const table = await scenario.payeesOf(e.model, e.epoch);
      const logs = await scenario.paidOutLogs(e);
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
    const balances = () => scenario.balances(accounts);
    const conservation = () => bot.conservation(vaults);
    const vaultNonces = () => Promise.all([...vaults].map(([chainId, address]) => scenario.nonceOf(chainId, address)));
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
      expect(await readNetRoundOutcome(bot.stores.cursors, BigInt(outcome.modelId), BigInt(outcome.epoch))).toEqual(
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
      get: async (id) => (id.endsWith(":outcome") ? undefined : bot.stores.cursors.get(id)),
      advance: async (next, expected) =>
        next.id.endsWith(":outcome") ? true : bot.stores.cursors.advance(next, expected),
    };
    const amnesiac = createNetHandler(async () => ({ ...buildNettingWorld(w), cursors: forgetful }));
    const replay = await amnesiac({});
    expect(replay.netted.map((o) => o.roundId).sort()).toEqual(first.netted.map((o) => o.roundId).sort());
    expect(replay.netted.map((o) => o.bridged.map((b) => b.guid))).toEqual(
      first.netted.map((o) => o.bridged.map((b) => b.guid)),
    );
    expect(await vaultNonces()).toEqual(nonces);
    expect(await balances()).toEqual(after);
    expect(await bot.jobsIn("dead-lettered")).toEqual([]);
  }, 400_000);
});
