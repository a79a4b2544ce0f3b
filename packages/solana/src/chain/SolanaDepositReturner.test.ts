import { MemoryCursorStore, MemorySendLeaseStore } from "@slabridge/store";
import { createTransferCheckedInstruction } from "@solana/spl-token";
import { type PublicKey, sendAndConfirmTransaction, Transaction, TransactionInstruction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSlabridgeMemo } from "../memo/formatSlabridgeMemo.ts";
import { MEMO_PROGRAM_ID } from "../multisig/buildMultisigTransfer.ts";
import { SolanaSender } from "../sender/SolanaSender.ts";
import { payVault, type SolanaTestWorld, startSolanaTestWorld, tokenBalance } from "../testing/solanaTestWorld.ts";
import { SolanaDepositReturner } from "./SolanaDepositReturner.ts";

const NOW = Math.floor(Date.now() / 1000);
// Model 1 is live; model 2 starts in an hour (a payment now is before its genesis); model 99 does not exist.
const models = new Map([
  [1n, NOW - 1_000],
  [2n, NOW + 3_600],
]);
const epochOf = (modelId: bigint, blockTime: number) => {
  const genesis = models.get(modelId);
  return genesis === undefined || blockTime < genesis ? undefined : BigInt(Math.floor((blockTime - genesis) / 60));
};
const pay = (modelId: bigint) => formatSlabridgeMemo({ kind: "pay", modelId, ref: "ab".repeat(8) });

describe("SolanaDepositReturner: deposits that match no payment go back to their sender (finding 9)", () => {
  let world: SolanaTestWorld;
  const cursors = new MemoryCursorStore();
  const leases = new MemorySendLeaseStore();
  let sends = 0;

  const returner = (cursorId?: string) =>
    new SolanaDepositReturner({
      chainId: 1,
      connection: world.connection,
      sender: {
        send: (...args: Parameters<SolanaSender["send"]>) => {
          sends++;
          return new SolanaSender({
            connection: world.connection,
            payer: world.feePayer,
            priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 50_000 },
            confirmTimeoutMs: 10_000,
            pollIntervalMs: 20,
          }).send(...args);
        },
      },
      feePayer: world.feePayer.publicKey,
      operators: world.operators.slice(0, 2),
      vault: world.fx.vault,
      multisig: world.fx.multisig,
      mint: world.fx.mint,
      decimals: world.fx.decimals,
      leases,
      cursors,
      ...(cursorId === undefined ? {} : { cursorId }),
      epochOf,
    });
  const account = (i: number) => world.fx.buyers[i]?.tokenAccount as PublicKey;
  const balances = () => Promise.all([0, 1, 2, 3, 4].map((i) => tokenBalance(world, account(i))));

  /** Buyer 1 pays two models in one transaction: one transfer, two different payment memos. */
  async function twoModelsInOneTransaction(): Promise<void> {
    const buyer = world.fx.buyers[1];
    if (!buyer) throw new Error("no buyer 1");
    const { mint, vault, decimals } = world.fx;
    const memo = (text: string) =>
      new TransactionInstruction({ programId: MEMO_PROGRAM_ID, keys: [], data: Buffer.from(text) });
    await sendAndConfirmTransaction(
      world.connection,
      new Transaction().add(
        createTransferCheckedInstruction(buyer.tokenAccount, mint, vault, buyer.keypair.publicKey, 2_000n, decimals),
        memo(pay(1n)),
        memo(pay(2n)),
      ),
      [buyer.keypair],
    );
  }

  beforeAll(async () => {
    world = await startSolanaTestWorld(5);
  });
  afterAll(() => world.close());

  it("returns a deposit without a memo, two models in one transaction, an unknown model, an epoch before genesis and a malformed memo, in full and once", async () => {
    const before = await balances();
    await payVault(world, 0, [1_000n], undefined); // no memo
    await twoModelsInOneTransaction(); // buyer 1: 2,000
    await payVault(world, 2, [3_000n], pay(99n)); // unknown model
    await payVault(world, 3, [4_000n], pay(2n)); // before model 2's genesis
    await payVault(world, 4, [5_000n], `slabridge:v1:pay:model=01:ref=${"ab".repeat(8)}`); // malformed
    await payVault(world, 4, [600n], pay(1n)); // a real payment: stays
    const paid = await balances();
    expect(paid.map((b, i) => (before[i] ?? 0n) - b)).toEqual([1_000n, 2_000n, 3_000n, 4_000n, 5_600n]);

    const first = await returner().returnUnmatched();
    expect(first.returned.map((d) => [d.reason, d.amount]).sort()).toEqual(
      [
        ["missing-memo", 1_000n],
        ["ambiguous-memo", 2_000n],
        ["unknown-epoch", 3_000n],
        ["unknown-epoch", 4_000n],
        ["malformed-memo", 5_000n],
      ].sort(),
    );
    expect(first.undeliverable).toEqual([]);
    const after = await balances();
    expect(after.map((b, i) => b - (before[i] ?? 0n))).toEqual([0n, 0n, 0n, 0n, -600n]);
    expect(await tokenBalance(world, world.fx.vault)).toBe(600n); // only the real payment is left

    // Idempotent: a second pass finds nothing new; a pass that rescans the whole history finds each returned.
    const sent = sends;
    expect(await returner().returnUnmatched()).toEqual({ returned: [], alreadyReturned: [], undeliverable: [] });
    const rescan = await returner("solana:vault-returns:rescan").returnUnmatched();
    expect(rescan.returned).toEqual([]);
    expect(rescan.alreadyReturned).toHaveLength(5);
    expect(sends).toBe(sent);
    expect(await balances()).toEqual(after);
  });
});
