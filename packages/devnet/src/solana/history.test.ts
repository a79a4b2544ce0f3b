import { Connection, Keypair, LAMPORTS_PER_SOL, Transaction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoInstruction } from "./memo.ts";
import { SolanaLocalRpc } from "./SolanaLocalRpc.ts";

describe("getSignaturesForAddress paging over 30 transactions", () => {
  let rpc: SolanaLocalRpc;
  let conn: Connection;
  const payer = Keypair.generate();
  const sent: string[] = []; // oldest first, including the airdrop

  beforeAll(async () => {
    rpc = await SolanaLocalRpc.start();
    conn = new Connection(rpc.url, "confirmed");
    sent.push(rpc.airdrop(payer.publicKey, LAMPORTS_PER_SOL));
    for (let i = 0; i < 30; i++) {
      const tx = new Transaction().add(createMemoInstruction(`n=${i}`));
      sent.push(await conn.sendTransaction(tx, [payer]));
    }
  });
  afterAll(async () => {
    await rpc.close();
  });

  it("lists newest first, with slots descending and memos", async () => {
    const all = await conn.getSignaturesForAddress(payer.publicKey);
    expect(all.map((s) => s.signature)).toEqual([...sent].reverse());
    expect(all[0]?.memo).toBe("[4] n=29");
    expect(all.at(-1)?.memo).toBeNull();
    for (let i = 1; i < all.length; i++) expect(all[i - 1]?.slot).toBeGreaterThan(all[i]?.slot ?? 0);
  });

  it("honours limit, before and until", async () => {
    const newest = [...sent].reverse();
    const at = (i: number) => {
      const sig = newest[i];
      if (sig === undefined) throw new Error(`no signature #${i}`);
      return sig;
    };
    const page1 = await conn.getSignaturesForAddress(payer.publicKey, { limit: 10 });
    expect(page1.map((s) => s.signature)).toEqual(newest.slice(0, 10));
    const page2 = await conn.getSignaturesForAddress(payer.publicKey, { limit: 10, before: at(9) });
    expect(page2.map((s) => s.signature)).toEqual(newest.slice(10, 20));
    const page4 = await conn.getSignaturesForAddress(payer.publicKey, { limit: 10, before: at(29) });
    expect(page4.map((s) => s.signature)).toEqual(newest.slice(30));

    const untilOld = await conn.getSignaturesForAddress(payer.publicKey, { until: at(5) });
    expect(untilOld.map((s) => s.signature)).toEqual(newest.slice(0, 5));
    const window = await conn.getSignaturesForAddress(payer.publicKey, { before: at(3), until: at(8) });
    expect(window.map((s) => s.signature)).toEqual(newest.slice(4, 8));
    const limited = await conn.getSignaturesForAddress(payer.publicKey, {
      before: at(3),
      until: at(20),
      limit: 2,
    });
    expect(limited.map((s) => s.signature)).toEqual(newest.slice(4, 6));
  });

  it("returns nothing before an unknown signature and rejects limits above 1000", async () => {
    const unknown = "1".repeat(64);
    expect(await conn.getSignaturesForAddress(payer.publicKey, { before: unknown })).toEqual([]);
    await expect(conn.getSignaturesForAddress(payer.publicKey, { limit: 1001 })).rejects.toThrow(/-32602|Invalid/);
  });
});
