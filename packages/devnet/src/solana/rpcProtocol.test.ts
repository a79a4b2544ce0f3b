import { createServer } from "node:net";
import { Connection, Keypair, LAMPORTS_PER_SOL, Transaction } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoInstruction } from "./memo.ts";
import { SolanaLocalRpc } from "./SolanaLocalRpc.ts";

const post = async (url: string, body: string) => {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  return res.json() as Promise<unknown>;
};

const portIsFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });

describe("JSON-RPC protocol", () => {
  let rpc: SolanaLocalRpc;
  beforeAll(async () => {
    rpc = await SolanaLocalRpc.start();
  });
  afterAll(async () => {
    await rpc.close();
  });

  it("answers unknown methods with -32601 and keeps serving", async () => {
    expect(await post(rpc.url, '{"jsonrpc":"2.0","id":7,"method":"getFooBar","params":[]}')).toEqual({
      jsonrpc: "2.0",
      id: 7,
      error: { code: -32601, message: "Method not found" },
    });
    expect(await post(rpc.url, '{"jsonrpc":"2.0","id":8,"method":"toString"}')).toMatchObject({
      error: { code: -32601 },
    });
    expect(await post(rpc.url, '{"jsonrpc":"2.0","id":9,"method":"getHealth"}')).toMatchObject({ result: "ok" });
  });

  it("answers malformed JSON with -32700 and invalid requests with -32600", async () => {
    expect(await post(rpc.url, '{"jsonrpc":"2.0","id":1,"method":')).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32700, message: "Parse error" },
    });
    expect(await post(rpc.url, "[]")).toMatchObject({ error: { code: -32600 } });
    expect(await post(rpc.url, '{"id":1,"method":"getSlot"}')).toMatchObject({ id: 1, error: { code: -32600 } });
  });

  it("reports bad params with -32602 and a clear message", async () => {
    const bad = (await post(rpc.url, '{"jsonrpc":"2.0","id":1,"method":"getBalance","params":["nope"]}')) as {
      error: { code: number; message: string };
    };
    expect(bad.error.code).toBe(-32602);
    expect(bad.error.message).toContain('"nope" is not a base58 public key');
    const missing = (await post(rpc.url, '{"jsonrpc":"2.0","id":2,"method":"getBalance"}')) as {
      error: { code: number; message: string };
    };
    expect(missing.error.code).toBe(-32602);
    const notArray = await post(rpc.url, '{"jsonrpc":"2.0","id":3,"method":"getSlot","params":{"a":1}}');
    expect(notArray).toMatchObject({ error: { code: -32602 } });
    const badTx = await post(
      rpc.url,
      '{"jsonrpc":"2.0","id":4,"method":"sendTransaction","params":["AAAA",{"encoding":"base64"}]}',
    );
    expect(badTx).toMatchObject({ error: { code: -32602 } });
  });

  it("serves batch requests in order, notifications unanswered", async () => {
    const batch = JSON.stringify([
      { jsonrpc: "2.0", id: 1, method: "getSlot" },
      { jsonrpc: "2.0", id: "two", method: "nope" },
      { jsonrpc: "2.0", method: "getHealth" },
      { jsonrpc: "2.0", id: 3, method: "getLatestBlockhash", params: [{ commitment: "finalized" }] },
    ]);
    const out = (await post(rpc.url, batch)) as Array<{ id: unknown; result?: unknown; error?: { code: number } }>;
    expect(out.map((r) => r.id)).toEqual([1, "two", 3]);
    expect(typeof out[0]?.result).toBe("number");
    expect(out[1]?.error?.code).toBe(-32601);
    expect(out[2]?.result).toMatchObject({ value: { blockhash: expect.any(String) } });
    const res = await fetch(rpc.url, { method: "POST", body: '{"jsonrpc":"2.0","method":"getSlot"}' });
    expect(res.status).toBe(204);
  });

  it("sends base58 and base64 transactions", async () => {
    const payer = Keypair.generate();
    rpc.airdrop(payer.publicKey, LAMPORTS_PER_SOL);
    const build = (memo: string) => {
      const tx = new Transaction({ feePayer: payer.publicKey, ...rpc.ledger.latestBlockhash() }).add(
        createMemoInstruction(memo),
      );
      tx.sign(payer);
      return tx.serialize();
    };
    const { base58 } = await import("./base58.ts");
    const b58 = (await post(
      rpc.url,
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "sendTransaction", params: [base58.encode(build("a"))] }),
    )) as { result: string };
    expect(rpc.ledger.history.get(b58.result)?.memo).toBe("[1] a");
    const b64 = (await post(
      rpc.url,
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "sendTransaction",
        params: [Buffer.from(build("bb")).toString("base64"), { encoding: "base64", skipPreflight: true }],
      }),
    )) as { result: string };
    expect(rpc.ledger.history.get(b64.result)?.memo).toBe("[2] bb");
  });
});

describe("instances", () => {
  it("runs two instances side by side and frees the ports on close", async () => {
    const [a, b] = await Promise.all([SolanaLocalRpc.start(), SolanaLocalRpc.start()]);
    expect(a.port).not.toBe(b.port);
    const who = Keypair.generate().publicKey;
    a.airdrop(who, 2 * LAMPORTS_PER_SOL);
    const connA = new Connection(a.url, "confirmed");
    const connB = new Connection(b.url, "confirmed");
    expect(await connA.getBalance(who)).toBe(2 * LAMPORTS_PER_SOL);
    expect(await connB.getBalance(who)).toBe(0);
    expect(await connA.getGenesisHash()).not.toBe(await connB.getGenesisHash());

    const ports = [a.port, a.port + 1];
    expect(await portIsFree(a.port)).toBe(false);
    await a.close();
    await a.close(); // idempotent
    for (const port of ports) expect(await portIsFree(port)).toBe(true);
    expect(await connB.getSlot()).toBeGreaterThan(0);
    await b.close();
    expect(await portIsFree(b.port)).toBe(true);
  });

  it("refuses non-loopback hosts", async () => {
    await expect(SolanaLocalRpc.start({ host: "0.0.0.0" })).rejects.toThrow(/loopback/);
  });
});
