import { devnetStablecoinAbi } from "@slabridge/contracts";
import type { Hex } from "@slabridge/core";
import { MemoryNonceStore } from "@slabridge/store";
import { type Address, getAddress, type LocalAccount, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvmChainClient, type EvmChainClient } from "../createEvmChainClient.ts";
import { EvmSenderRegistry } from "../sender/EvmSenderRegistry.ts";
import { type RpcProxy, startRpcProxy } from "../testing/startRpcProxy.ts";
import { startTestChain, type TestChain } from "../testing/testChain.ts";
import { EvmNettingVault } from "./EvmNettingVault.ts";

let chain: TestChain;
let proxy: RpcProxy;

beforeAll(async () => {
  chain = await startTestChain();
  proxy = await startRpcProxy(chain.anvil.rpcUrl);
});

afterAll(async () => {
  await proxy?.stop();
  await chain?.stop();
});

const isSend = (method: string) => method === "eth_sendRawTransaction" || method === "eth_sendTransaction";
const stepId = (n: number): Hex => `0x${n.toString(16).padStart(64, "0")}`;
const payee = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);

/** A fresh vault key with gas and stablecoin. */
async function fundedVaultKey() {
  const account = privateKeyToAccount(generatePrivateKey());
  await chain.test.setBalance({ address: account.address, value: parseEther("10") });
  const hash = await chain.devnet.wallet(chain.deployer).writeContract({
    address: chain.token,
    abi: devnetStablecoinAbi,
    functionName: "transfer",
    args: [account.address, 1_000_000n],
  });
  await chain.client.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  return account;
}

/** A worker's vault: its process's sender of the key (`registry`), over the shared nonce store. */
function vaultOf(
  account: LocalAccount,
  fromBlock: bigint,
  nonceStore: MemoryNonceStore,
  client: EvmChainClient = chain.client,
  registry = new EvmSenderRegistry(),
) {
  const sender = registry.sender({ client, account, nonceStore, receiptTimeoutMs: 20_000 });
  return new EvmNettingVault({ chainId: 31_337, client, token: chain.token, sender, fromBlock });
}

const balanceOf = (account: Address) =>
  chain.client.readContract({
    address: chain.token,
    abi: devnetStablecoinAbi,
    functionName: "balanceOf",
    args: [account],
  });

describe("EvmNettingVault", () => {
  it("pays once and reports its broadcast when the node took the payout but answered after the client timeout", async () => {
    const account = await fundedVaultKey();
    const fromBlock = await chain.head();
    let sends = 0;
    const copies = new Set<string>();
    proxy.rule = (method, params) => {
      if (!isSend(method)) return { kind: "forward" };
      copies.add(JSON.stringify(params));
      return ++sends === 1 ? { kind: "forward-late", delayMs: 1_500 } : { kind: "forward" };
    };
    const client = createEvmChainClient({ chainId: 31_337, rpcUrl: proxy.url, timeoutMs: 500, pollingIntervalMs: 20 });
    const vault = vaultOf(account, fromBlock, new MemoryNonceStore(), client);
    const broadcast: Hex[] = [];
    const to = payee(0xb1);

    const result = await vault.pay(stepId(1), to, 150_000n, { afterBroadcast: (_, hash) => void broadcast.push(hash) });

    // Whatever was re-sent was the same signed transaction; this call sent it, and the caller heard its hash.
    expect(sends).toBeGreaterThanOrEqual(2);
    expect(copies.size).toBe(1);
    expect(result.sent).toBe(true);
    expect(broadcast).toEqual([result.transactionHash]);
    expect(await vault.findPayout(stepId(1), to)).toBe(result.transactionHash);
    expect(await chain.client.getTransactionCount({ address: account.address })).toBe(1);
    expect(await balanceOf(to)).toBe(150_000n);
  });

  it.each([
    ["one process (one sender)", true],
    ["two processes (one nonce store)", false],
  ])("two workers in %s racing on the same steps pay each once and leave no gap", async (_, oneProcess) => {
    const account = await fundedVaultKey();
    const fromBlock = await chain.head();
    const store = new MemoryNonceStore();
    const [to1, to2] = oneProcess ? [payee(0xc1), payee(0xc2)] : [payee(0xc3), payee(0xc4)];
    const shared = new EvmSenderRegistry();
    const worker = async () => {
      const vault = vaultOf(account, fromBlock, store, chain.client, oneProcess ? shared : new EvmSenderRegistry());
      return [await vault.pay(stepId(11), to1, 1_000n), await vault.pay(stepId(12), to2, 2_000n)];
    };
    const [a, b] = await Promise.all([worker(), worker()]);
    for (const [x, y] of [
      [a?.[0], b?.[0]],
      [a?.[1], b?.[1]],
    ]) {
      expect(x?.transactionHash).toBe(y?.transactionHash);
      expect([x?.sent, y?.sent].filter(Boolean)).toHaveLength(1);
    }
    expect(await balanceOf(to1)).toBe(1_000n);
    expect(await balanceOf(to2)).toBe(2_000n);
    const mined = await chain.client.getTransactionCount({ address: account.address });
    expect(await chain.client.getTransactionCount({ address: account.address, blockTag: "pending" })).toBe(mined);
    expect(await store.peek(`evm:31337:${account.address.toLowerCase()}`)).toBe(mined);
    // In one process the loser waits in the sender's turn and gives its nonce back: two transactions for two steps.
    // Across processes the winner may reserve past it first; the loser's nonce is then filled (a 0-value transfer).
    if (oneProcess) expect(mined).toBe(2);
    else expect(mined).toBeLessThanOrEqual(3);
  });

  it("two workers racing on one step pay once when the node's logs of 'latest' lag its nonces", async () => {
    // A load-balanced RPC resolves "latest" on whichever node answers, which may be a block behind the one whose
    // state counted the key's nonce (anvil, too, stores a block's state a moment before its logs).
    const account = await fundedVaultKey();
    const fromBlock = await chain.head();
    const store = new MemoryNonceStore();
    const lagging = createEvmChainClient({ chainId: 31_337, rpcUrl: proxy.url, pollingIntervalMs: 20 });
    proxy.rule = (method, params) =>
      method === "eth_getLogs" && (params as [{ toBlock?: string }])[0]?.toBlock === "latest"
        ? { kind: "result", result: [] }
        : { kind: "forward" };
    const shared = new EvmSenderRegistry();
    const to = payee(0xe1);
    try {
      const [a, b] = await Promise.all(
        [0, 1].map(() => vaultOf(account, fromBlock, store, lagging, shared).pay(stepId(31), to, 3_000n)),
      );
      expect([a?.sent, b?.sent].filter(Boolean)).toHaveLength(1);
      expect(a?.transactionHash).toBe(b?.transactionHash);
    } finally {
      proxy.rule = () => ({ kind: "forward" });
    }
    expect(await balanceOf(to)).toBe(3_000n);
  });

  it("a replayed step sends nothing and spends no nonce", async () => {
    const account = await fundedVaultKey();
    const fromBlock = await chain.head();
    const store = new MemoryNonceStore();
    const first = await vaultOf(account, fromBlock, store).pay(stepId(21), payee(0xd1), 5n);
    const again = await vaultOf(account, fromBlock, store).pay(stepId(21), payee(0xd1), 5n);
    expect(first.sent).toBe(true);
    expect(again).toEqual({ transactionHash: first.transactionHash, sent: false });
    expect(await chain.client.getTransactionCount({ address: account.address })).toBe(1);
  });
});
