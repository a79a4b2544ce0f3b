import {
  type EpochRelease,
  type Hex,
  type NettingVault,
  NettingVaultNotReadyError,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import { describe, expect, it } from "vitest";
import { createVaultLocks, type NettingRoundInput, runNettingRound } from "./runNettingRound.ts";

const A = 31_337;
const B = 31_338;
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

/** An in-memory vault whose every read and send takes a tick, so concurrent rounds interleave between them. */
class FakeVault implements NettingVault {
  readonly address: string;
  readonly payments: { stepId: Hex; to: string; amount: bigint }[] = [];
  constructor(
    readonly chainId: number,
    public held: bigint,
  ) {
    this.address = `0x${chainId.toString(16).padStart(40, "0")}`;
  }
  isAccount = (account: string) => account.startsWith("0x");
  async balance() {
    await tick();
    return this.held;
  }
  async findPayout(stepId: Hex) {
    await tick();
    return this.payments.some((p) => p.stepId === stepId) ? ("0xfeed" as Hex) : undefined;
  }
  async pay(stepId: Hex, to: string, amount: bigint) {
    await tick();
    if (this.held < amount) throw new NettingVaultNotReadyError(this.chainId, `it holds ${this.held}`);
    this.held -= amount;
    this.payments.push({ stepId, to, amount });
    return { transactionHash: "0xbeef" as Hex, sent: true };
  }
  async bridge(): Promise<never> {
    throw new Error("no bridge in these rounds");
  }
}

/**
 * One (model, epoch) released 1,000 on Solana (an open chain: no bridge leg), shared half and half by two payees on
 * `chain`, whose vault pays them from its inventory.
 */
const release = (epoch: bigint, chain = A): EpochRelease => ({
  modelId: 1n,
  epoch,
  payees: [
    { chain, account: "0x00000000000000000000000000000000000000a1", shareBps: 5000 },
    { chain, account: "0x00000000000000000000000000000000000000a2", shareBps: 5000 },
  ],
  released: new Map([[SOLANA_CHAIN_ID, 1_000n]]),
});

const round = (roundId: string, vaults: ReadonlyMap<number, NettingVault>, releases: EpochRelease[]) =>
  ({
    roundId,
    releases,
    vaults,
    openChains: new Set([SOLANA_CHAIN_ID]),
    eids: new Map([
      [A, 40_161],
      [B, 40_245],
    ]),
    transport: {
      messagesIn: async () => [],
      deliver: async () => {
        throw new Error("no bridge in these rounds");
      },
    },
  }) satisfies NettingRoundInput;

describe("runNettingRound side by side", () => {
  it("with the vault locks, a vault that can pay one of two concurrent rounds pays that one in full and none of the other", async () => {
    const vault = new FakeVault(A, 1_500n);
    const vaults = new Map([[A, vault]]);
    const exclusive = createVaultLocks();
    const [first, second] = await Promise.allSettled([
      runNettingRound({ ...round("net:1:1", vaults, [release(1n)]), exclusive }),
      runNettingRound({ ...round("net:1:2", vaults, [release(2n)]), exclusive }),
    ]);
    expect(first.status).toBe("fulfilled");
    expect(second.status).toBe("rejected");
    expect((second as PromiseRejectedResult).reason).toBeInstanceOf(NettingVaultNotReadyError);
    // Both payees of the first round, none of the second: a short vault pays no one rather than some.
    expect(vault.payments.map((p) => p.amount)).toEqual([500n, 500n]);
    expect(vault.held).toBe(500n);
  });

  it("pays each chain's payees in the order of the plan", async () => {
    const a = new FakeVault(A, 1_000n);
    const b = new FakeVault(B, 1_000n);
    const record = await runNettingRound({
      ...round(
        "net:1:3",
        new Map([
          [A, a],
          [B, b],
        ]),
        [release(3n, A), release(4n, B)],
      ),
      exclusive: createVaultLocks(),
    });
    expect(record.paid.map((p) => [p.chain, p.amount])).toEqual([
      [A, 500n],
      [A, 500n],
      [B, 500n],
      [B, 500n],
    ]);
    expect([a.held, b.held]).toEqual([0n, 0n]);
  });
});

describe("createVaultLocks", () => {
  it("runs one chain's work in turn, other chains' meanwhile, and goes on after a failure", async () => {
    const exclusive = createVaultLocks();
    const order: string[] = [];
    let releaseA: () => void = () => {};
    const heldA = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const first = exclusive(A, async () => {
      order.push("A1 start");
      await heldA;
      order.push("A1 end");
      throw new Error("A1 failed");
    });
    const second = exclusive(A, async () => {
      order.push("A2");
    });
    await exclusive(B, async () => {
      order.push("B1");
    });
    releaseA();
    await expect(first).rejects.toThrow("A1 failed");
    await second;
    expect(order).toEqual(["A1 start", "B1", "A1 end", "A2"]);
  });
});
