import {
  type ChainNettingStatus,
  InvalidNettingRoundError,
  type NettingPayResult,
  NettingVaultNotReadyError,
  planNetting,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import { MemoryCursorStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { type NettingChains, netDueRounds, readNetRoundOutcome } from "./netDueRounds.ts";
import type { NettingRecord } from "./runNettingRound.ts";

const A = 31_337;
const B = 31_338;

/** Fake chains: per (model, epoch) statuses, block numbers that move, and a recorded list of runs. */
class FakeChains implements NettingChains {
  paySolana?: NonNullable<NettingChains["paySolana"]>;
  readonly vaultChains = [A, B];
  readonly statuses = new Map<string, ChainNettingStatus[]>();
  readonly runs: { roundId: string; fromBlocks: Map<number, bigint> }[] = [];
  block = 100n;
  current = 5n;
  failWith: Error | undefined;
  crashAfterRun = false;

  currentEpoch = async () => this.current;
  status = async (modelId: bigint, epoch: bigint) => this.statuses.get(`${modelId}:${epoch}`) ?? [];
  blockNumber = async (chainId: number) => this.block + BigInt(chainId - A);
  async run(round: { roundId: string; fromBlocks: ReadonlyMap<number, bigint> }): Promise<NettingRecord> {
    this.runs.push({ roundId: round.roundId, fromBlocks: new Map(round.fromBlocks) });
    if (this.failWith) throw this.failWith;
    if (this.crashAfterRun) throw new Error("simulated crash before the outcome is recorded");
    const plan = planNetting([
      {
        modelId: 1n,
        epoch: 3n,
        payees: [
          { chain: A, account: "0x00000000000000000000000000000000000000a1", shareBps: 5000 },
          { chain: B, account: "0x00000000000000000000000000000000000000b1", shareBps: 4000 },
          { chain: SOLANA_CHAIN_ID, account: "So1anaHost1111111111111111111111111111111111", shareBps: 1000 },
        ],
        released: new Map([[A, 1_000n]]),
      },
    ]);
    return {
      roundId: round.roundId,
      plan,
      bridged: [
        {
          from: A,
          to: B,
          amount: 400n,
          stepId: "0x01",
          sourceTransaction: "0x02",
          guid: "0x03",
          sent: true,
          deliveryTransactions: [],
        },
      ],
      paid: [{ chain: B, account: "0xb1", amount: 400n, stepId: "0x04", transactionHash: "0x05", sent: true }],
      openBalances: [{ from: A, to: SOLANA_CHAIN_ID, amount: 100n, reason: "Solana leg" }],
      solanaPayouts: [
        { chain: SOLANA_CHAIN_ID, account: "So1anaHost1111111111111111111111111111111111", amount: 100n },
      ],
    };
  }
}

const paidOut = (chainId: number): ChainNettingStatus => ({ chainId, paid: true, paidOut: true });
const pending = (chainId: number): ChainNettingStatus => ({ chainId, paid: true, paidOut: false });
const unpaid = (chainId: number): ChainNettingStatus => ({ chainId, paid: false, paidOut: false });

function setup() {
  const chains = new FakeChains();
  const cursors = new MemoryCursorStore();
  const run = () => netDueRounds({ models: [1n], lookbackEpochs: 3, chains, cursors });
  return { chains, cursors, run };
}

describe("netDueRounds", () => {
  it("nets an epoch paid out on every chain where buyers paid, once, and records a JSON-safe outcome", async () => {
    const { chains, cursors, run } = setup();
    chains.statuses.set("1:3", [paidOut(A), unpaid(B)]);
    const first = await run();
    expect(first.netted.map((o) => o.roundId)).toEqual(["net:1:3"]);
    expect(chains.runs.map((r) => r.roundId)).toEqual(["net:1:3"]);
    expect(chains.runs[0]?.fromBlocks).toEqual(
      new Map([
        [A, 100n],
        [B, 101n],
      ]),
    );
    const outcome = await readNetRoundOutcome(cursors, 1n, 3n);
    expect(outcome).toEqual(first.netted[0]);
    expect(outcome?.bridged).toEqual([{ from: A, to: B, amount: "400", guid: "0x03", sourceTransaction: "0x02" }]);
    expect(outcome?.openBalances).toEqual([{ from: A, to: SOLANA_CHAIN_ID, amount: "100" }]);
    expect(JSON.parse(JSON.stringify(first))).toEqual(first); // no bigint anywhere

    const second = await run();
    expect(second.netted).toEqual([]);
    expect(second.alreadyNetted).toEqual(["net:1:3"]);
    expect(chains.runs).toHaveLength(1);
  });

  it("does not net while a chain where buyers paid is not fully paid out (Solana included)", async () => {
    const { chains, cursors, run } = setup();
    chains.statuses.set("1:3", [paidOut(A), pending(B)]);
    chains.statuses.set("1:4", [paidOut(A), unpaid(B), pending(SOLANA_CHAIN_ID)]);
    const result = await run();
    expect(result.notDue).toEqual(["net:1:3", "net:1:4"]);
    expect(result.netted).toEqual([]);
    expect(chains.runs).toEqual([]);
    expect(await readNetRoundOutcome(cursors, 1n, 3n)).toBeUndefined();

    chains.statuses.set("1:3", [paidOut(A), paidOut(B)]);
    expect((await run()).netted.map((o) => o.roundId)).toEqual(["net:1:3"]);
  });

  it("skips epochs where nothing was paid, the current epoch and epochs before the lookback", async () => {
    const { chains, run } = setup();
    chains.statuses.set("1:1", [paidOut(A)]); // current 5, lookback 3: epochs 2..4
    chains.statuses.set("1:5", [paidOut(A)]);
    chains.statuses.set("1:2", [unpaid(A), unpaid(B)]);
    const result = await run();
    expect(result).toEqual({ netted: [], invalid: [], retry: [], alreadyNetted: [], notDue: [], solanaSettled: [] });
    expect(chains.runs).toEqual([]);
  });

  it("after a crash once the fromBlocks are recorded, the retry reuses the same fromBlocks", async () => {
    const { chains, cursors, run } = setup();
    chains.statuses.set("1:3", [paidOut(A), paidOut(B)]);
    chains.crashAfterRun = true;
    const crashed = await run();
    expect(crashed.retry.map((r) => r.roundId)).toEqual(["net:1:3"]);
    expect(await readNetRoundOutcome(cursors, 1n, 3n)).toBeUndefined();

    chains.crashAfterRun = false;
    chains.block = 250n; // the chains moved on
    expect((await run()).netted.map((o) => o.roundId)).toEqual(["net:1:3"]);
    expect(chains.runs.map((r) => r.fromBlocks.get(A))).toEqual([100n, 100n]);
    expect(chains.runs.map((r) => r.fromBlocks.get(B))).toEqual([101n, 101n]);
  });

  it("two racing workers agree on one fromBlock per chain", async () => {
    const { chains, cursors } = setup();
    chains.statuses.set("1:3", [paidOut(A)]);
    chains.crashAfterRun = true;
    let calls = 0;
    const moving: NettingChains = {
      ...chains,
      vaultChains: chains.vaultChains,
      currentEpoch: chains.currentEpoch,
      status: chains.status,
      run: (round) => chains.run(round),
      blockNumber: async (chainId) => BigInt(100 * ++calls + chainId),
    };
    await Promise.all([
      netDueRounds({ models: [1n], lookbackEpochs: 3, chains: moving, cursors }),
      netDueRounds({ models: [1n], lookbackEpochs: 3, chains: moving, cursors }),
    ]);
    expect(chains.runs).toHaveLength(2);
    expect(chains.runs[0]?.fromBlocks).toEqual(chains.runs[1]?.fromBlocks);
  });

  it("runs a pass's due rounds side by side and reports them in (model, epoch) order", async () => {
    const { chains, cursors } = setup();
    for (const epoch of [2, 3, 4]) chains.statuses.set(`1:${epoch}`, [paidOut(A)]);
    let inFlight = 0;
    let most = 0;
    const runRound = chains.run.bind(chains);
    chains.run = async (round) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // The earliest epoch is the slowest, so the rounds finish out of order.
      const { epoch } = round as typeof round & { epoch: bigint };
      await new Promise((resolve) => setTimeout(resolve, 5 * (5 - Number(epoch))));
      try {
        return await runRound(round);
      } finally {
        inFlight--;
      }
    };
    const result = await netDueRounds({ models: [1n], lookbackEpochs: 3, chains, cursors, concurrency: 2 });
    expect(most).toBe(2);
    expect(result.netted.map((o) => o.roundId)).toEqual(["net:1:2", "net:1:3", "net:1:4"]);
  });

  it("a retryable error leaves the round for the next run", async () => {
    const { chains, cursors, run } = setup();
    chains.statuses.set("1:3", [paidOut(A)]);
    chains.failWith = new NettingVaultNotReadyError(B, "it holds 0 but owes 400 to its payees");
    const result = await run();
    expect(result.retry).toEqual([
      { roundId: "net:1:3", error: expect.objectContaining({ name: "NettingVaultNotReadyError" }) },
    ]);
    expect(await readNetRoundOutcome(cursors, 1n, 3n)).toBeUndefined();
    chains.failWith = undefined;
    expect((await run()).netted).toHaveLength(1);
  });

  it("an invalid round is recorded with its typed error and not retried", async () => {
    const { chains, cursors, run } = setup();
    chains.statuses.set("1:3", [paidOut(A)]);
    chains.failWith = new InvalidNettingRoundError("chain 31339 is in the plan but has no netting vault");
    const result = await run();
    expect(result.invalid).toEqual([
      expect.objectContaining({
        roundId: "net:1:3",
        status: "invalid",
        error: expect.objectContaining({ name: "InvalidNettingRoundError" }),
        bridged: [],
        paid: [],
      }),
    ]);
    expect((await readNetRoundOutcome(cursors, 1n, 3n))?.status).toBe("invalid");
    const again = await run();
    expect(again.alreadyNetted).toEqual(["net:1:3"]);
    expect(chains.runs).toHaveLength(1);
  });

  describe("Solana payouts of netted rounds", () => {
    const HOST = "So1anaHost1111111111111111111111111111111111";

    /** A fake Solana vault: pays each (round, payee) once, like the net memos make the real payer do. */
    function withSolana() {
      const { chains, cursors, run } = setup();
      const vault = new Map<string, string>(); // `${round}:${account}` -> signature
      const calls: string[] = [];
      let failWith: Error | undefined;
      chains.paySolana = async (round): Promise<NettingPayResult> => {
        calls.push(round.roundId);
        if (failWith) throw failWith;
        const out: NettingPayResult = { paid: [], alreadyPaid: [] };
        for (const p of round.solanaPayouts) {
          const key = `${round.roundId}:${p.account}`;
          const done = vault.get(key);
          if (done) out.alreadyPaid.push({ account: p.account, amount: p.amount, signature: done });
          else {
            vault.set(key, `sig${vault.size + 1}`);
            out.paid.push({ account: p.account, amount: p.amount, signature: `sig${vault.size}` });
          }
        }
        return out;
      };
      return { chains, cursors, run, vault, calls, fail: (e: Error | undefined) => (failWith = e) };
    }

    it("pays them right after netting, records solanaPaid in the stored outcome, and never again", async () => {
      const { chains, cursors, run, vault, calls } = withSolana();
      chains.statuses.set("1:3", [paidOut(A)]);
      const first = await run();
      expect(first.netted[0]?.solanaPaid).toEqual([{ account: HOST, amount: "100", signature: "sig1" }]);
      const stored = await readNetRoundOutcome(cursors, 1n, 3n);
      expect(stored).toEqual(first.netted[0]);
      expect(stored?.solanaPayouts).toEqual([{ chain: SOLANA_CHAIN_ID, account: HOST, amount: "100" }]);
      expect(stored?.bridged).toHaveLength(1); // the other fields are kept
      expect(JSON.parse(JSON.stringify(first))).toEqual(first);

      const second = await run();
      expect(second.alreadyNetted).toEqual(["net:1:3"]);
      expect(second.solanaSettled).toEqual([]);
      expect(calls).toEqual(["net:1:3"]);
      expect(vault.size).toBe(1);
    });

    it("a failed Solana payment leaves the round netted and is retried by later runs until paid", async () => {
      const { chains, cursors, run, vault, calls, fail } = withSolana();
      chains.statuses.set("1:3", [paidOut(A)]);
      fail(new NettingVaultNotReadyError(SOLANA_CHAIN_ID, "the Solana vault holds 0, owes payees 100"));
      const first = await run();
      expect(first.netted.map((o) => o.roundId)).toEqual(["net:1:3"]);
      expect(first.netted[0]?.solanaPaid).toBeUndefined();
      expect(first.retry).toEqual([
        { roundId: "net:1:3", error: expect.objectContaining({ name: "NettingVaultNotReadyError" }) },
      ]);
      expect((await readNetRoundOutcome(cursors, 1n, 3n))?.solanaPaid).toBeUndefined();

      const stillFailing = await run();
      expect(stillFailing.alreadyNetted).toEqual(["net:1:3"]);
      expect(stillFailing.retry.map((r) => r.roundId)).toEqual(["net:1:3"]);
      expect(chains.runs).toHaveLength(1); // the EVM side is not run again

      fail(undefined);
      const third = await run();
      expect(third.retry).toEqual([]);
      expect(third.solanaSettled.map((o) => [o.roundId, o.solanaPaid])).toEqual([
        ["net:1:3", [{ account: HOST, amount: "100", signature: "sig1" }]],
      ]);
      expect((await readNetRoundOutcome(cursors, 1n, 3n))?.solanaPaid).toHaveLength(1);
      expect((await run()).solanaSettled).toEqual([]);
      expect(calls).toHaveLength(3);
      expect(vault.size).toBe(1);
    });

    it("after a crash between the payment and recording solanaPaid, the next run records what the vault already paid", async () => {
      const { chains, cursors, run, vault } = withSolana();
      chains.statuses.set("1:3", [paidOut(A)]);
      // The worker dies once the vault paid but before the outcome is updated.
      const realAdvance = cursors.advance.bind(cursors);
      let crash = true;
      cursors.advance = async (next, expected) => {
        if (crash && next.id.endsWith(":outcome") && next.version > 1) throw new Error("simulated crash");
        return realAdvance(next, expected);
      };
      const first = await run();
      expect(first.retry.map((r) => r.roundId)).toEqual(["net:1:3"]);
      expect(vault.size).toBe(1);
      crash = false;
      const second = await run();
      expect(second.solanaSettled[0]?.solanaPaid).toEqual([{ account: HOST, amount: "100", signature: "sig1" }]);
      expect(vault.size).toBe(1);
    });

    it("records no Solana payment without a payer (the payouts stay owed in the outcome)", async () => {
      const { chains, cursors, run } = setup();
      chains.statuses.set("1:3", [paidOut(A)]);
      await run();
      const outcome = await readNetRoundOutcome(cursors, 1n, 3n);
      expect(outcome?.solanaPayouts).toHaveLength(1);
      expect(outcome?.solanaPaid).toBeUndefined();
    });
  });
});
