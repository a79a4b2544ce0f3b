import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidNettingInputError } from "./errors.ts";
import { planNetting } from "./planNetting.ts";
import { type PaidOutEvent, payoutDustIndex, releaseFromPayouts } from "./releaseFromPayouts.ts";
import type { SettlementPayee } from "./types.ts";

const A = 31337;
const B = 31338;
const VAULT_A = "0xvaulta";

/** Escrow._applyPayout, delivered in `order`: each payout gets its floor, the one completing 10,000 bps the rest. */
function escrowPayouts(chain: number, released: bigint, payees: readonly SettlementPayee[], order: number[]) {
  let bps = 0;
  let paid = 0n;
  return order.map((index): PaidOutEvent => {
    const payee = payees[index];
    if (!payee) throw new Error("index");
    bps += payee.shareBps;
    const amount = bps === 10_000 ? released - paid : (released * BigInt(payee.shareBps)) / 10_000n;
    paid += amount;
    return {
      chain,
      modelId: 5n,
      epoch: 2n,
      payoutIndex: index,
      payee: payee.chain === chain ? payee.account : VAULT_A,
      shareBps: payee.shareBps,
      amount,
    };
  });
}

const payees: SettlementPayee[] = [
  { chain: A, account: "0xprotocol", shareBps: 3333 },
  { chain: B, account: "0xcreator", shareBps: 3333 },
  { chain: A, account: "0xhost", shareBps: 3334 },
];
const vaults = new Map([[A, VAULT_A]]);

describe("releaseFromPayouts", () => {
  it("rebuilds the release and what the vault received, in and out of index order", () => {
    const inOrder = releaseFromPayouts(5n, 2n, payees, escrowPayouts(A, 100n, payees, [0, 1, 2]), vaults);
    expect(inOrder.release.released).toEqual(new Map([[A, 100n]]));
    expect(inOrder.vaultReceived).toEqual(new Map([[A, 33n]]));

    // Delivered 2, 0, 1: payout 1 completes 10,000 bps and takes the dust (34), not payout 2.
    const outOfOrder = releaseFromPayouts(5n, 2n, payees, escrowPayouts(A, 100n, payees, [2, 0, 1]), vaults);
    expect(outOfOrder.vaultReceived).toEqual(new Map([[A, 34n]]));
    const plan = planNetting([outOfOrder.release]);
    expect(plan.payouts).toEqual([{ chain: B, account: "0xcreator", amount: 34n }]);
  });

  it("refuses incomplete, duplicated or unexpected payouts", () => {
    const events = escrowPayouts(A, 100n, payees, [0, 1, 2]);
    const run = (list: PaidOutEvent[]) => () => releaseFromPayouts(5n, 2n, payees, list, vaults);
    expect(run(events.slice(0, 2))).toThrow(/2 of 3 payouts/);
    expect(run([...events, events[0] as PaidOutEvent])).toThrow(/paid twice/);
    const wrongPayee = events.map((e, i) => (i === 1 ? { ...e, payee: "0xsomeoneelse" } : e));
    expect(run(wrongPayee)).toThrow(InvalidNettingInputError);
    // same total, one base unit moved from payout 0 to payout 2
    const moved = events.map((e, i) =>
      i === 0 ? { ...e, amount: e.amount - 1n } : i === 2 ? { ...e, amount: e.amount + 1n } : e,
    );
    expect(run(moved)).toThrow(/split gives/);
    const twoAbove = events.map((e, i) => (i === 0 ? { ...e, amount: e.amount + 1n } : e));
    expect(run(twoAbove)).toThrow(/exceed their share/);
    const wrongBps = events.map((e, i) => (i === 0 ? { ...e, shareBps: 1 } : e));
    expect(run(wrongBps)).toThrow(/shareBps/);
    expect(() => releaseFromPayouts(5n, 2n, payees, events, new Map())).toThrow(/expected a vault/);
  });

  it("nets exactly what the escrow paid, whatever the delivery order (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 18n }),
        fc.shuffledSubarray([0, 1, 2], { minLength: 3, maxLength: 3 }),
        (released, order) => {
          const events = escrowPayouts(A, released, payees, order);
          const { release, vaultReceived } = releaseFromPayouts(5n, 2n, payees, events, vaults);
          const plan = planNetting([release]);
          const creator = events.find((e) => e.payoutIndex === 1)?.amount ?? -1n;
          expect(vaultReceived.get(A)).toBe(creator);
          expect(plan.positions.find((p) => p.chain === A)?.holdings).toBe(creator);
          for (const share of plan.shares) {
            expect(share.amount).toBe(events.find((e) => e.payoutIndex === share.payoutIndex)?.amount);
          }
        },
      ),
    );
  });

  it("names no dust payout while a chain is still paying out (a partial set says nothing about the total)", () => {
    // Released 100 on A, paid out 0 and 1 so far (33 each): their sum (66) is no total to split.
    const partial = escrowPayouts(A, 100n, payees, [0, 1, 2]).slice(0, 2);
    const paid = new Map(partial.map((event) => [event.payoutIndex, event.amount]));
    expect(payoutDustIndex(66n, payees, paid, "payouts(5, 2)")).toBeUndefined();
    // Complete, the one above its floor is the dust payout (payout 2 took 34); two above their floors is no split.
    expect(payoutDustIndex(100n, payees, new Map([...paid, [2, 34n]]), "payouts(5, 2)")).toBe(2);
    expect(() =>
      payoutDustIndex(
        100n,
        payees,
        new Map([
          [0, 40n],
          [1, 40n],
          [2, 20n],
        ]),
        "payouts(5, 2)",
      ),
    ).toThrow(InvalidNettingInputError);
  });
});
