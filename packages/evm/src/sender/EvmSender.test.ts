import { devnetStablecoinAbi } from "@slabridge/contracts";
import { MemoryNonceStore } from "@slabridge/store";
import {
  type Address,
  encodeFunctionData,
  type Hash,
  hexToNumber,
  isHex,
  parseEther,
  parseGwei,
  parseTransaction,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEvmChainClient } from "../createEvmChainClient.ts";
import {
  ContractRevertedError,
  InsufficientFundsError,
  NonceTakenError,
  ReceiptTimeoutError,
  SendCancelledError,
} from "../errors.ts";
import { type RpcProxy, startRpcProxy } from "../testing/startRpcProxy.ts";
import { startTestChain, type TestChain } from "../testing/testChain.ts";
import { EvmSender, type EvmSenderOptions, type SenderEvent, type Submission } from "./EvmSender.ts";

let chain: TestChain;

beforeAll(async () => {
  chain = await startTestChain();
});

afterAll(async () => {
  await chain?.stop();
});

afterEach(async () => {
  chain.tap.before = undefined;
  await chain.test.setAutomine(true);
});

const transferData = (amount: bigint, to: Address = "0x000000000000000000000000000000000000dEaD") =>
  encodeFunctionData({ abi: devnetStablecoinAbi, functionName: "transfer", args: [to, amount] });

function sender(overrides: Partial<EvmSenderOptions> & Pick<EvmSenderOptions, "account">) {
  const submissions: Submission[] = [];
  const events: SenderEvent[] = [];
  const instance = new EvmSender({
    client: chain.client,
    nonceStore: new MemoryNonceStore(),
    senderId: `evm:31337:${typeof overrides.account === "string" ? overrides.account : overrides.account.address}`,
    gasBump: { factor: 1.125, maxFeePerGasCap: parseGwei("500") },
    stuckAfterMs: 60_000,
    receiptTimeoutMs: 20_000,
    onSubmitted: (s) => {
      submissions.push(s);
    },
    onEvent: (e) => events.push(e),
    ...overrides,
  });
  return { sender: instance, submissions, events };
}

async function receiptOrUndefined(hash: Hash) {
  return await chain.client.getTransactionReceipt({ hash }).catch(() => undefined);
}

/** Resolves once `predicate` holds (polled), for steps that wait on the sender's progress. */
async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Resolves once the node holds `hash`: a sender reports a submission before it broadcasts it, so a block mined on the
 * report alone may not have it (and mine what it replaces instead).
 */
async function untilPooled(hash: Hash | undefined, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    hash &&
    !(await chain.client.getTransaction({ hash }).then(
      () => true,
      () => false,
    ))
  ) {
    if (Date.now() > deadline) throw new Error(`transaction ${hash} not in the node's pool in time`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("EvmSender", () => {
  it("gives 10 concurrent sends distinct consecutive nonces, all mined", async () => {
    const { sender: s } = sender({ account: chain.deployer });
    const start = await chain.client.getTransactionCount({ address: chain.deployer, blockTag: "pending" });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.send({ to: chain.token, data: transferData(BigInt(i + 1)) })),
    );
    expect(results.map((r) => r.nonce).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => start + i));
    for (const r of results) expect(r.receipt.status).toBe("success");
  });

  it("calls onSubmitted before the receipt exists", async () => {
    await chain.test.setAutomine(false);
    const seen: Array<{ hash: Hash; minedAtCallback: boolean }> = [];
    const { sender: s } = sender({
      account: chain.deployer,
      onSubmitted: async ({ hash }) => {
        seen.push({ hash, minedAtCallback: (await receiptOrUndefined(hash)) !== undefined });
      },
    });
    const sending = s.send({ to: chain.token, data: transferData(5n) });
    await until(() => seen.length === 1);
    // onSubmitted runs before the broadcast: mine only once the node holds the transaction, or the block is empty.
    await untilPooled(seen[0]?.hash);
    await chain.test.mine({ blocks: 1 });
    const result = await sending;
    expect(seen).toEqual([{ hash: result.receipt.transactionHash, minedAtCallback: false }]);
  });

  it("gives each send its own onSubmitted: the job's hash is known before the node sees it, and only that send's", async () => {
    await chain.test.setAutomine(false);
    const { sender: s } = sender({ account: chain.deployer });
    const mine: Array<{ hash: Hash; pending: boolean }> = [];
    const jobA = s.send(
      { to: chain.token, data: transferData(8n) },
      {
        onSubmitted: async ({ hash }) => {
          const known = await chain.client.getTransaction({ hash }).then(
            () => true,
            () => false,
          );
          mine.push({ hash, pending: known });
        },
      },
    );
    const jobB = s.send({ to: chain.token, data: transferData(9n) });
    await until(() => mine.length === 1);
    await chain.test.setAutomine(true);
    await chain.test.mine({ blocks: 1 });
    const [a, b] = await Promise.all([jobA, jobB]);
    // Recorded before the broadcast (the node did not know it yet), and it is the hash that was mined.
    expect(mine).toEqual([{ hash: a.receipt.transactionHash, pending: false }]);
    expect(b.receipt.transactionHash).not.toBe(a.receipt.transactionHash);
  });

  it("lets a send be cancelled once its nonce is known, giving the nonce back", async () => {
    const store = new MemoryNonceStore();
    const { sender: s } = sender({ account: chain.deployer, nonceStore: store });
    const pending = await chain.client.getTransactionCount({ address: chain.deployer, blockTag: "pending" });
    let offered: number | undefined;
    const error = await s
      .send(
        { to: chain.other, value: 1n, gas: 21_000n },
        {
          onReserved: (nonce) => {
            offered = nonce;
            return false;
          },
        },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SendCancelledError);
    expect(offered).toBe(pending);
    const next = await s.send({ to: chain.other, value: 1n, gas: 21_000n });
    expect(next.nonce).toBe(pending);
  });

  it("replaces a stuck transaction at the same nonce with fees >= 1.1x; exactly one of the two lands", async () => {
    // A local key (signed in process), funded by anvil.
    const account = privateKeyToAccount(generatePrivateKey());
    await chain.test.setBalance({ address: account.address, value: parseEther("10") });
    await chain.test.setAutomine(false);
    // Long enough that no second bump comes while the test mines the first (CI's load stretched 150 ms).
    const { sender: s, submissions: sent } = sender({ account, stuckAfterMs: 500 });
    const sending = s.send({ to: chain.other, value: 1n, gas: 21_000n });
    await until(() => sent.length === 2);
    await untilPooled(sent[1]?.hash);
    await chain.test.mine({ blocks: 1 });
    const result = await sending;

    const [original, replacement] = sent;
    expect(original?.replacement).toBe(false);
    expect(replacement).toMatchObject({ nonce: original?.nonce, replacement: true });
    expect(result.hashes).toEqual([original?.hash, replacement?.hash]);
    const landed = await Promise.all(result.hashes.map(receiptOrUndefined));
    expect(landed.filter((r) => r !== undefined)).toHaveLength(1);
    expect(result.receipt.transactionHash).toBe(replacement?.hash);
    expect(await chain.client.getTransactionCount({ address: account.address })).toBe(1);
    // Both fee fields bumped by at least 1.1x.
    expect((replacement?.fees.maxFeePerGas ?? 0n) * 10n).toBeGreaterThanOrEqual(
      (original?.fees.maxFeePerGas ?? 1n) * 11n,
    );
    expect((replacement?.fees.maxPriorityFeePerGas ?? 0n) * 10n).toBeGreaterThanOrEqual(
      (original?.fees.maxPriorityFeePerGas ?? 1n) * 11n,
    );
  });

  it("looks for the receipt soon after the broadcast, then backs off to its poll interval", async () => {
    // anvil, like any node, may answer the broadcast before its block exists: a first look that finds nothing must
    // not cost a whole poll interval (a minute here; a second on the devnet, for every transaction of every hop).
    await chain.test.setAutomine(false);
    const account = privateKeyToAccount(generatePrivateKey());
    await chain.test.setBalance({ address: account.address, value: parseEther("1") });
    const { sender: s, submissions } = sender({ account, client: chain.tappedClient, pollIntervalMs: 60_000 });
    const before = chain.tap.count("eth_getTransactionReceipt");
    const sending = s.send({ to: chain.other, value: 1n, gas: 21_000n });
    await until(() => submissions.length === 1);
    await untilPooled(submissions[0]?.hash);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await chain.test.mine({ blocks: 1 });
    const result = await sending;
    expect(result.receipt.status).toBe("success");
    // 25, 50, 100, 200 ms ... after the broadcast: a handful of looks, not one a poll interval later.
    const looks = chain.tap.count("eth_getTransactionReceipt") - before;
    expect(looks).toBeGreaterThanOrEqual(3);
    expect(looks).toBeLessThanOrEqual(10);
  });

  it("keeps waiting at the fee cap instead of sending an underpriced replacement", async () => {
    await chain.test.setAutomine(false);
    const fees = await chain.client.estimateFeesPerGas();
    const {
      sender: s,
      submissions,
      events,
    } = sender({
      account: chain.deployer,
      stuckAfterMs: 50,
      gasBump: { factor: 1.1, maxFeePerGasCap: fees.maxFeePerGas },
    });
    const sending = s.send({ to: chain.other, value: 1n, gas: 21_000n });
    await until(() => events.some((e) => e.type === "fee-cap-reached"));
    await chain.test.mine({ blocks: 1 });
    const result = await sending;
    expect(submissions).toHaveLength(1);
    expect(result.receipt.transactionHash).toBe(submissions[0]?.hash);
  });

  it("on 'nonce too low' because its own first transaction got mined, returns that receipt and sends nothing new", async () => {
    await chain.test.setAutomine(false);
    const { sender: s, submissions } = sender({
      account: chain.deployer,
      stuckAfterMs: 100,
      client: chain.tappedClient,
    });
    // The original gets mined just before the replacement reaches the node.
    let sends = 0;
    chain.tap.before = async (method) => {
      if (isSend(method) && ++sends === 2) await chain.test.mine({ blocks: 1 });
    };
    const result = await s.send({ to: chain.token, data: transferData(3n) });
    expect(sends).toBe(2);
    // The replacement's hash was recorded before its broadcast, which the node refused.
    expect(submissions.map((x) => x.replacement)).toEqual([false, true]);
    expect(result.receipt.transactionHash).toBe(submissions[0]?.hash);
    expect(result.receipt.status).toBe("success");
  });

  it("resumes after a restart: a send that timed out but was mined meanwhile returns its receipt with no new send", async () => {
    await chain.test.setAutomine(false);
    const store = new MemoryNonceStore();
    const { sender: before } = sender({ account: chain.deployer, nonceStore: store, receiptTimeoutMs: 200 });
    const timedOut = await before.send({ to: chain.token, data: transferData(4n) }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(ReceiptTimeoutError);
    const { nonce, hashes } = timedOut as ReceiptTimeoutError;
    await chain.test.mine({ blocks: 1 });

    const { sender: after } = sender({ account: chain.deployer, nonceStore: store, client: chain.tappedClient });
    const sendsBefore = chain.tap.count("eth_sendTransaction") + chain.tap.count("eth_sendRawTransaction");
    const result = await after.resume({ nonce, hashes });
    expect(result.receipt.transactionHash).toBe(hashes[0]);
    expect(chain.tap.count("eth_sendTransaction") + chain.tap.count("eth_sendRawTransaction")).toBe(sendsBefore);
  });

  it("resumes a still-pending send by bumping it at the same nonce", async () => {
    await chain.test.setAutomine(false);
    const store = new MemoryNonceStore();
    const { sender: before } = sender({ account: chain.deployer, nonceStore: store, receiptTimeoutMs: 100 });
    const timedOut = (await before.send({ to: chain.token, data: transferData(6n) }).catch((e: unknown) => e)) as
      | ReceiptTimeoutError
      | undefined;
    expect(timedOut).toBeInstanceOf(ReceiptTimeoutError);
    const { sender: after, submissions } = sender({ account: chain.deployer, nonceStore: store });
    const resuming = after.resume({ nonce: timedOut?.nonce ?? -1, hashes: timedOut?.hashes ?? [] });
    await until(() => submissions.length === 1);
    await untilPooled(submissions[0]?.hash);
    await chain.test.mine({ blocks: 1 });
    const result = await resuming;
    expect(submissions[0]).toMatchObject({ nonce: timedOut?.nonce, replacement: true });
    expect(result.receipt.transactionHash).toBe(submissions[0]?.hash);
  });

  it("throws NonceTakenError when the nonce was used by a transaction it did not send", async () => {
    const nonce = await chain.client.getTransactionCount({ address: chain.deployer });
    await chain.transfer(1n); // someone else with the same key
    const { sender: s } = sender({ account: chain.deployer, takenAfterMs: 300 });
    const unknownHash = `0x${"ab".repeat(32)}` as Hash;
    const startedAt = Date.now();
    const error = await s.resume({ nonce, hashes: [unknownHash] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonceTakenError);
    // Not on the first look: a node's nonce may run ahead of its receipts for a moment.
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(300);
    expect((error as NonceTakenError).nonce).toBe(nonce);
  });

  it("reports a revert as ContractRevertedError with the decoded error name, before spending a nonce", async () => {
    const store = new MemoryNonceStore();
    const { sender: s } = sender({ account: chain.other, nonceStore: store });
    const error = await s
      .send({ to: chain.token, data: transferData(10n ** 30n, chain.deployer), abi: devnetStablecoinAbi })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractRevertedError);
    expect((error as ContractRevertedError).errorName).toBe("ERC20InsufficientBalance");
    expect((error as ContractRevertedError).retryable).toBe(false);
    expect(await store.peek(`evm:31337:${chain.other}`)).toBeUndefined();
  });

  it("decodes a revert mined on chain (gas given, no estimate) and names its transaction", async () => {
    const { sender: s } = sender({ account: chain.other });
    const error = await s
      .send({
        to: chain.token,
        data: transferData(10n ** 30n, chain.deployer),
        gas: 100_000n,
        abi: devnetStablecoinAbi,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractRevertedError);
    expect((error as ContractRevertedError).errorName).toBe("ERC20InsufficientBalance");
    expect((error as ContractRevertedError).transactionHash).toMatch(/^0x[0-9a-f]{64}$/);
  });
});

/** The nonce a send request carries, whether the node signs it (eth_sendTransaction) or it comes signed. */
function nonceOf(method: string, params: unknown): number | undefined {
  const [first] = Array.isArray(params) ? params : [];
  if (method === "eth_sendRawTransaction" && isHex(first)) return parseTransaction(first).nonce;
  if (method === "eth_sendTransaction" && typeof first === "object" && first !== null && "nonce" in first) {
    return isHex(first.nonce) ? hexToNumber(first.nonce) : undefined;
  }
  return undefined;
}

const isSend = (method: string) => method === "eth_sendRawTransaction" || method === "eth_sendTransaction";

describe("EvmSender over a node whose answers get lost", () => {
  let proxy: RpcProxy;

  beforeAll(async () => {
    proxy = await startRpcProxy(chain.anvil.rpcUrl);
  });

  afterAll(async () => {
    await proxy?.stop();
  });

  afterEach(() => {
    proxy.rule = () => ({ kind: "forward" });
  });

  const client = (timeoutMs: number) =>
    createEvmChainClient({ chainId: 31_337, rpcUrl: proxy.url, timeoutMs, pollingIntervalMs: 20 });

  it("resolves with its one mined transaction when the node took the first broadcast, answered after the client timeout, then said 'nonce too low'", async () => {
    let sends = 0;
    proxy.rule = (method) => {
      if (!isSend(method)) return { kind: "forward" };
      sends++;
      return sends === 1
        ? { kind: "forward-late", delayMs: 2_500 }
        : { kind: "error", code: -32_000, message: "nonce too low" };
    };
    const before = await chain.client.getTransactionCount({ address: chain.deployer });
    const { sender: s, submissions } = sender({ account: chain.deployer, client: client(1_000) });
    const result = await s.send({ to: chain.token, data: transferData(7n) });
    expect(result.receipt.status).toBe("success");
    expect(result.nonce).toBe(before);
    // One logical send: one hash, reported once, and one copy reached the node.
    expect(submissions.map((x) => x.hash)).toEqual([result.receipt.transactionHash]);
    expect(result.hashes).toEqual([result.receipt.transactionHash]);
    expect(proxy.forwarded("eth_sendRawTransaction") + proxy.forwarded("eth_sendTransaction")).toBe(1);
    expect(await chain.client.getTransactionCount({ address: chain.deployer })).toBe(before + 1);
  });

  it("returns its mined transaction when the node's nonce runs ahead of its receipts for a moment", async () => {
    // The nonce race of the devnet's overlapping passes: anvil stores a block's state before its receipts, and a
    // load-balanced RPC may answer two reads from two nodes, so "nonce used, no receipt of ours" can be read for a
    // moment while our own transaction is the one mined.
    const before = await chain.client.getTransactionCount({ address: chain.deployer });
    let lagging = 0;
    proxy.rule = (method) =>
      method === "eth_getTransactionReceipt" && ++lagging <= 4 ? { kind: "result", result: null } : { kind: "forward" };
    const { sender: s, submissions } = sender({ account: chain.deployer, client: client(1_000) });
    const result = await s.send({ to: chain.token, data: transferData(3n) });
    expect(lagging).toBeGreaterThan(4);
    expect(result.nonce).toBe(before);
    expect(result.receipt.status).toBe("success");
    expect(submissions.map((x) => x.hash)).toEqual([result.receipt.transactionHash]);
    expect(await chain.client.getTransactionCount({ address: chain.deployer })).toBe(before + 1);
  });

  it("gives 10 concurrent sends distinct consecutive nonces, all mined, when the lowest nonce's broadcast is lost twice", async () => {
    // The CI flake: a broadcast lost to client timeouts left its nonce off the node while the nonces above it were
    // already waiting for receipts; they timed out behind the gap.
    const start = await chain.client.getTransactionCount({ address: chain.deployer, blockTag: "pending" });
    let lost = 0;
    proxy.rule = (method, params) =>
      isSend(method) && nonceOf(method, params) === start && ++lost <= 2 ? { kind: "drop" } : { kind: "forward" };
    const { sender: s } = sender({ account: chain.deployer, client: client(1_000), receiptTimeoutMs: 2_000 });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.send({ to: chain.token, data: transferData(BigInt(i + 1)) })),
    );
    expect(lost).toBeGreaterThanOrEqual(2);
    expect(results.map((r) => r.nonce).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => start + i));
    for (const r of results) expect(r.receipt.status).toBe("success");
  });

  it("never fills a nonce it is itself waiting on: its lost broadcast is re-sent by its own bump", async () => {
    const start = await chain.client.getTransactionCount({ address: chain.deployer, blockTag: "pending" });
    let lost = 0;
    proxy.rule = (method, params) =>
      isSend(method) && nonceOf(method, params) === start && ++lost <= 3 ? { kind: "drop" } : { kind: "forward" };
    const { sender: s, events } = sender({
      account: chain.deployer,
      client: client(300),
      stuckAfterMs: 1_500,
      gapFillAfterMs: 100,
      receiptTimeoutMs: 10_000,
    });
    const [first, second] = await Promise.all([
      s.send({ to: chain.token, data: transferData(1n) }),
      s.send({ to: chain.token, data: transferData(2n) }),
    ]);
    expect(lost).toBeGreaterThanOrEqual(4); // three copies lost, then its bump got through
    // Two concurrent sends: each reserves its nonce after its own gas estimate, so which gets `start` is not fixed.
    expect([first.nonce, second.nonce].sort((a, b) => a - b)).toEqual([start, start + 1]);
    expect(first.receipt.status).toBe("success");
    expect(second.receipt.status).toBe("success");
    expect(events.filter((e) => e.type === "gap-filled")).toEqual([]);
    expect(events).toContainEqual(expect.objectContaining({ type: "bumped", nonce: start }));
  });
});

describe("EvmSender nonce gaps", () => {
  it("gives back the nonce of a broadcast the node refused (insufficient funds), so the key's next send is mined", async () => {
    const account = privateKeyToAccount(generatePrivateKey()); // no funds yet: estimateGas is skipped (gas given)
    const store = new MemoryNonceStore();
    const { sender: s } = sender({ account, nonceStore: store, receiptTimeoutMs: 3_000 });
    const refused = await s.send({ to: chain.other, value: 1n, gas: 21_000n }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InsufficientFundsError);
    await chain.test.setBalance({ address: account.address, value: parseEther("1") });
    const result = await s.send({ to: chain.other, value: 1n, gas: 21_000n });
    expect(result.nonce).toBe(0);
    expect(result.receipt.status).toBe("success");
  });

  it("fills a nonce that was reserved but never broadcast (a worker died in between) once the key stalls", async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    await chain.test.setBalance({ address: account.address, value: parseEther("1") });
    const store = new MemoryNonceStore();
    const senderId = `evm:31337:${account.address}`;
    expect(await store.reserve(senderId, 0)).toBe(0); // the dead worker's reservation
    const { sender: s, events } = sender({
      account,
      nonceStore: store,
      senderId,
      receiptTimeoutMs: 10_000,
      gapFillAfterMs: 300,
    });
    const result = await s.send({ to: chain.other, value: 1n, gas: 21_000n });
    expect(result.nonce).toBe(1);
    expect(result.receipt.status).toBe("success");
    expect(events).toContainEqual(expect.objectContaining({ type: "gap-filled", nonce: 0 }));
    expect(await chain.client.getTransactionCount({ address: account.address })).toBe(2);
  });
});
