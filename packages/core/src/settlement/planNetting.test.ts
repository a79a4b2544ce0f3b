import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InvalidNettingInputError } from "./errors.ts";
import { planNetting, settlePositions } from "./planNetting.ts";
import { splitRelease } from "./splitRelease.ts";
import type { EpochRelease, SettlementPayee } from "./types.ts";

const A = 31337;
const B = 31338;
const SOL = 0x536f6c61;
const CHAINS = [A, B, SOL] as const;

/** A payee table of 1..6 entries whose shares sum to 10,000 bps. */
const payeeTable = fc
  .array(
    fc.record({
      chain: fc.constantFrom(...CHAINS),
      account: fc.constantFrom("alice", "bob", "carol", "dave"),
      weight: fc.integer({ min: 0, max: 10_000 }),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((entries): SettlementPayee[] => {
    const total = entries.reduce((s, e) => s + e.weight, 0) || 1;
    let left = 10_000;
    return entries.map((e, i) => {
      const shareBps = i === entries.length - 1 ? left : Math.floor((e.weight * 10_000) / total);
      left -= shareBps;
      return { chain: e.chain, account: e.account, shareBps };
    });
  });

const release = (modelId: bigint) =>
  fc
    .record({
      payees: payeeTable,
      released: fc.array(fc.tuple(fc.constantFrom(...CHAINS), fc.bigInt({ min: 0n, max: 10n ** 15n })), {
        maxLength: 3,
      }),
      epoch: fc.bigInt({ min: 0n, max: 1000n }),
    })
    .map((r): EpochRelease => ({ modelId, epoch: r.epoch, payees: r.payees, released: new Map(r.released) }));

const round = fc
  .tuple(release(1n), release(2n), release(3n))
  .chain(([a, b, c]) => fc.subarray([a, b, c], { minLength: 1 }));

/** Replays a plan: escrows pay direct shares and fill vaults, vaults transfer, vaults pay payees. */
function execute(releases: readonly EpochRelease[]) {
  const plan = planNetting(releases);
  const vault = new Map<number, bigint>();
  const received = new Map<string, bigint>();
  const credit = (chain: number, account: string, amount: bigint) =>
    received.set(`${chain}/${account}`, (received.get(`${chain}/${account}`) ?? 0n) + amount);
  for (const share of plan.shares) {
    if (share.via === "direct") credit(share.sourceChain, share.payee.account, share.amount);
    else vault.set(share.sourceChain, (vault.get(share.sourceChain) ?? 0n) + share.amount);
  }
  let largestTransfer = 0n;
  for (const t of plan.transfers) {
    vault.set(t.from, (vault.get(t.from) ?? 0n) - t.amount);
    vault.set(t.to, (vault.get(t.to) ?? 0n) + t.amount);
    if (t.amount > largestTransfer) largestTransfer = t.amount;
  }
  for (const p of plan.payouts) {
    vault.set(p.chain, (vault.get(p.chain) ?? 0n) - p.amount);
    credit(p.chain, p.account, p.amount);
  }
  return { plan, vault, received, largestTransfer };
}

describe("splitRelease", () => {
  it("floors each share and gives the dust to the entry completing 10,000 bps", () => {
    const payees = [
      { chain: A, account: "a", shareBps: 3333 },
      { chain: B, account: "b", shareBps: 3333 },
      { chain: A, account: "c", shareBps: 3334 },
    ];
    expect(splitRelease(100n, payees)).toEqual([33n, 33n, 34n]);
    expect(splitRelease(1n, payees)).toEqual([0n, 0n, 1n]);
    // a 0 bps entry after the completing one gets nothing
    expect(splitRelease(7n, [...payees, { chain: B, account: "d", shareBps: 0 }])).toEqual([2n, 2n, 3n, 0n]);
  });

  it("rejects tables that do not sum to 10,000 bps and negative amounts", () => {
    expect(() => splitRelease(1n, [{ chain: A, account: "a", shareBps: 9999 }])).toThrow(InvalidNettingInputError);
    expect(() => splitRelease(1n, [])).toThrow(InvalidNettingInputError);
    expect(() => splitRelease(-1n, [{ chain: A, account: "a", shareBps: 10_000 }])).toThrow(/negative/);
    expect(() => splitRelease(1n, [{ chain: 0, account: "a", shareBps: 10_000 }])).toThrow(/chain id/);
    expect(() => splitRelease(1n, [{ chain: A, account: "a", shareBps: 10_000.5 }])).toThrow(/shareBps/);
  });

  it("sums to the released amount (property)", () => {
    fc.assert(
      fc.property(payeeTable, fc.bigInt({ min: 0n, max: 2n ** 96n }), (payees, released) => {
        const amounts = splitRelease(released, payees);
        expect(amounts.reduce((s, a) => s + a, 0n)).toBe(released);
        payees.forEach((p, i) => {
          const floor = (released * BigInt(p.shareBps)) / 10_000n;
          // every entry gets its floor; only the completing entry may get more, by less than the entry count
          expect(amounts[i]).toBeGreaterThanOrEqual(floor);
          expect((amounts[i] ?? 0n) - floor).toBeLessThan(BigInt(payees.length));
        });
      }),
    );
  });
});

describe("planNetting", () => {
  const payees: SettlementPayee[] = [
    { chain: A, account: "protocol", shareBps: 1000 },
    { chain: B, account: "creator", shareBps: 6000 },
    { chain: A, account: "host", shareBps: 3000 },
  ];

  it("sends only the net difference across chains", () => {
    const plan = planNetting([
      {
        modelId: 1n,
        epoch: 4n,
        payees,
        released: new Map([
          [A, 1_000_000n],
          [B, 500_000n],
        ]),
      },
    ]);
    // A's vault holds the creator's 600k; B's vault holds protocol 50k + host 150k and owes nothing on B.
    expect(plan.positions).toEqual([
      { chain: A, holdings: 600_000n, obligations: 200_000n, net: 400_000n },
      { chain: B, holdings: 200_000n, obligations: 600_000n, net: -400_000n },
    ]);
    expect(plan.transfers).toEqual([{ from: A, to: B, amount: 400_000n }]);
    expect(plan.payouts).toEqual([
      { chain: A, account: "host", amount: 150_000n },
      { chain: A, account: "protocol", amount: 50_000n },
      { chain: B, account: "creator", amount: 600_000n },
    ]);
  });

  it("aggregates a round of several (model, epoch)s before choosing transfers", () => {
    const reversed: SettlementPayee[] = payees.map((p) => ({ ...p, chain: p.chain === A ? B : A }));
    const plan = planNetting([
      { modelId: 1n, epoch: 4n, payees, released: new Map([[A, 1_000_000n]]) },
      { modelId: 2n, epoch: 4n, payees: reversed, released: new Map([[B, 1_000_000n]]) },
    ]);
    // Each alone would move 600k; together they cancel exactly.
    expect(plan.transfers).toEqual([]);
    expect(plan.positions.every((p) => p.net === 0n)).toBe(true);
  });

  it("rejects a (model, epoch) listed twice and a bad table, naming the field", () => {
    const r = { modelId: 1n, epoch: 1n, payees, released: new Map([[A, 1n]]) };
    expect(() => planNetting([r, r])).toThrow(/appears twice/);
    const bad = { ...r, payees: [{ chain: A, account: "x", shareBps: 1 }] };
    expect(() => planNetting([bad])).toThrow(expect.objectContaining({ field: "releases[0].payees" }));
  });

  it("conserves value, pays every payee exactly its shares and moves no more than needed (property)", () => {
    fc.assert(
      fc.property(round, (releases) => {
        const { plan, vault, received, largestTransfer } = execute(releases);
        const released = releases.reduce((s, r) => s + [...r.released.values()].reduce((a, b) => a + b, 0n), 0n);
        // conservation: everything released reached a payee, and every vault ends empty
        expect([...received.values()].reduce((s, a) => s + a, 0n)).toBe(released);
        for (const left of vault.values()) expect(left).toBe(0n);
        // net positions sum to zero
        expect(plan.positions.reduce((s, p) => s + p.net, 0n)).toBe(0n);
        // every payee gets exactly Σ of its shares computed independently with splitRelease
        const expected = new Map<string, bigint>();
        for (const r of releases) {
          for (const amount of r.released.values()) {
            splitRelease(amount, r.payees).forEach((a, i) => {
              const p = r.payees[i];
              if (!p) return;
              expected.set(`${p.chain}/${p.account}`, (expected.get(`${p.chain}/${p.account}`) ?? 0n) + a);
            });
          }
        }
        for (const [key, amount] of expected) expect(received.get(key) ?? 0n).toBe(amount);
        // no transfer larger than needed: moved total = Σ surpluses, each ≤ largest surplus and deficit
        const surplus = plan.positions.reduce((s, p) => (p.net > 0n ? s + p.net : s), 0n);
        expect(plan.transfers.reduce((s, t) => s + t.amount, 0n)).toBe(surplus);
        const deficits = plan.positions.map((p) => -p.net).sort((a, b) => (a < b ? 1 : -1));
        const deficitMax = deficits[0] ?? 0n;
        expect(largestTransfer).toBeLessThanOrEqual(deficitMax);
        const nonZero = plan.positions.filter((p) => p.net !== 0n).length;
        expect(plan.transfers.length).toBeLessThanOrEqual(Math.max(0, nonZero - 1));
        for (const t of plan.transfers) {
          expect(t.amount).toBeGreaterThan(0n);
          expect(plan.positions.find((p) => p.chain === t.from)?.net ?? 0n).toBeGreaterThan(0n);
          expect(plan.positions.find((p) => p.chain === t.to)?.net ?? 0n).toBeLessThan(0n);
        }
        // deterministic
        expect(planNetting(releases)).toEqual(plan);
      }),
    );
  });
});

describe("settlePositions", () => {
  it("refuses positions that do not sum to zero", () => {
    expect(() => settlePositions([{ chain: A, holdings: 1n, obligations: 0n, net: 1n }])).toThrow(
      InvalidNettingInputError,
    );
  });

  it("fills the largest deficit from the largest surplus first", () => {
    expect(
      settlePositions([
        { chain: 1, holdings: 0n, obligations: 0n, net: 7n },
        { chain: 2, holdings: 0n, obligations: 0n, net: -3n },
        { chain: 3, holdings: 0n, obligations: 0n, net: -4n },
      ]),
    ).toEqual([
      { from: 1, to: 3, amount: 4n },
      { from: 1, to: 2, amount: 3n },
    ]);
  });
});
