import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { modelRegistryAbi } from "@slabridge/contracts";
import { findRoute, type Job, manifestRpcUrlOf, parseStageConfig, SOLANA_CHAIN_ID } from "@slabridge/core";
import { startAnvil } from "@slabridge/devnet";
import { EvmSender, evmChainsOf } from "@slabridge/evm";
import { startRpcProxy } from "@slabridge/evm/testing";
import {
  MemoryCursorStore,
  MemoryJobStore,
  MemoryNonceStore,
  MemoryPaymentStore,
  MemorySendLeaseStore,
} from "@slabridge/store";
import {
  createPublicClient,
  decodeFunctionData,
  encodeAbiParameters,
  encodeEventTopics,
  encodeFunctionResult,
  getAddress,
  type Hex,
  http,
  isHex,
  pad,
  parseAbi,
  parseTransaction,
  toHex,
} from "viem";
import { describe, expect, it, vi } from "vitest";
import { HOME, testAddress, threeChainManifest } from "../testing/threeChainManifest.ts";
import { buildRelayWorld } from "./buildRelayWorld.ts";

// createSolanaChain itself, recorded: what the relay world hands the Solana side of the home chain.
const solanaOptions = vi.hoisted(() => ({ calls: [] as unknown[] }));
vi.mock("@slabridge/solana", async (original) => {
  const actual = await original<typeof import("@slabridge/solana")>();
  return {
    ...actual,
    createSolanaChain: (options: Parameters<typeof actual.createSolanaChain>[0]) => {
      solanaOptions.calls.push(options);
      return actual.createSolanaChain(options);
    },
  };
});

const address = testAddress;
const PAYMENT_CHAINS = [31_337, 31_339] as const;
const NOW = 1_700_000_000_000;

function world(
  keys: { dvn?: number; executor?: number; executorAddress?: Hex } = {},
  shared: { nonces?: MemoryNonceStore; rpcUrls?: ReadonlyMap<number, string> } = {},
) {
  const m = threeChainManifest({ keys });
  const config = parseStageConfig({
    stage: "unit",
    chains: m.chains.map((chain) => ({
      chainId: chain.chainId,
      name: chain.name,
      family: chain.family,
      rpcUrl: { manifest: true },
      confirmations: 1,
    })),
    routes: [
      ...PAYMENT_CHAINS.flatMap((chainId) => [
        { source: chainId, destination: HOME, kind: "ReceiptBatch" as const, transport: "layerzero" as const },
        { source: HOME, destination: chainId, kind: "Verdict" as const, transport: "layerzero" as const },
        { source: HOME, destination: chainId, kind: "Payout" as const, transport: "wormhole" as const },
      ]),
      { source: SOLANA_CHAIN_ID, destination: HOME, kind: "ReceiptBatch", transport: "wormhole" },
      { source: HOME, destination: SOLANA_CHAIN_ID, kind: "Verdict", transport: "wormhole" },
    ],
    batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2 },
    retry: { tiersMs: [50], maxAttempts: 3, jitter: 0 },
    watch: { pollIntervalSeconds: 1 },
  });
  const clock = { now: () => NOW };
  const stores = {
    jobs: new MemoryJobStore({ clock }),
    cursors: new MemoryCursorStore(),
    nonces: shared.nonces ?? new MemoryNonceStore(),
    payments: new MemoryPaymentStore(),
    leases: new MemorySendLeaseStore(),
  };
  const queued: string[] = [];
  const delayed: Array<{ jobId: string; delaySeconds: number }> = [];
  const w = buildRelayWorld({
    manifest: m,
    config,
    stores,
    rpcUrls: new Map(
      m.chains.map((chain) => [chain.chainId, shared.rpcUrls?.get(chain.chainId) ?? manifestRpcUrlOf(chain)]),
    ),
    clock,
    enqueue: async (jobId) => {
      queued.push(jobId);
    },
    enqueueAfter: async (jobId, delaySeconds) => {
      delayed.push({ jobId, delaySeconds });
    },
  });
  return { world: w, manifest: m, config, stores, delayed };
}

/** The executor and DVN senders of an EVM chain adapter. */
function sendersOf(chain: unknown) {
  if (typeof chain !== "object" || chain === null || !("executor" in chain) || !("dvn" in chain)) {
    throw new Error("not an EVM chain adapter");
  }
  const { executor, dvn } = chain;
  if (!(executor instanceof EvmSender) || !(dvn instanceof EvmSender)) throw new Error("no senders");
  return { executor, dvn };
}

describe("buildRelayWorld senders", () => {
  it("names a sender's nonce sequence by chain and key, not by role: two roles on one key share one sender", () => {
    const distinct = sendersOf(world().world.chains.get(31_337));
    expect(distinct.executor.senderId).toBe(`evm:31337:${address(0x102)}`);
    expect(distinct.dvn.senderId).toBe(`evm:31337:${address(0x101)}`);
    const { world: shared } = world({ dvn: 2, executor: 2 });
    for (const chainId of [31_337, HOME, 31_339]) {
      const { executor, dvn } = sendersOf(shared.chains.get(chainId));
      expect(dvn).toBe(executor);
      expect(executor.senderId).toBe(`evm:${chainId}:${address(0x102)}`);
    }
  });
});

describe("worlds of one process", () => {
  it("share one sender per (chain, key): two worlds sending concurrently with the executor get consecutive nonces, reaching the node in nonce order, all mined, no gap", async () => {
    const node = await startAnvil({ chainId: HOME });
    const proxy = await startRpcProxy(node.rpcUrl);
    try {
      // anvil's third dev account, unlocked on the node (the devnet's executor kind of key).
      const executorAddress = getAddress("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc");
      const client = createPublicClient({ transport: http(node.rpcUrl) });
      const start = await client.getTransactionCount({ address: executorAddress, blockTag: "pending" });
      const nonceOf = (method: string, params: unknown) => {
        const [raw] = Array.isArray(params) ? params : [];
        return method === "eth_sendRawTransaction" && isHex(raw) ? (parseTransaction(raw).nonce ?? -1) : undefined;
      };
      const arrived: number[] = [];
      proxy.onForward = (method, params) => {
        const nonce = nonceOf(method, params);
        if (nonce !== undefined) arrived.push(nonce);
      };
      // The lowest nonce's broadcast takes a slow path to the node: whatever comes after it must wait for it.
      proxy.rule = (method, params) =>
        nonceOf(method, params) === start ? { kind: "forward-after", delayMs: 1_500 } : { kind: "forward" };
      const nonces = new MemoryNonceStore();
      const rpcUrls = new Map([[HOME, proxy.url]]);
      // The local main job builds the relay world, and the netting and measuring worlds next to it, in one process.
      const relay = world({ executorAddress }, { nonces, rpcUrls }).world;
      const other = world({ executorAddress }, { nonces, rpcUrls }).world;
      const a = sendersOf(relay.chains.get(HOME)).executor;
      const b = sendersOf(other.chains.get(HOME)).executor;
      expect(b).toBe(a);

      const results = await Promise.all(
        [a, b, a, b].map((sender, i) => sender.send({ to: executorAddress, value: BigInt(i + 1), gas: 21_000n })),
      );
      expect(results.map((r) => r.nonce).sort((x, y) => x - y)).toEqual([start, start + 1, start + 2, start + 3]);
      for (const r of results) expect(r.receipt.status).toBe("success");
      // In nonce order at the node: no nonce waited behind a gap, nothing for a stall check to fill.
      expect(arrived).toEqual([start, start + 1, start + 2, start + 3]);
      expect(await client.getTransactionCount({ address: executorAddress })).toBe(start + 4);
    } finally {
      await proxy.stop();
      await node.stop();
    }
  });
});

describe("buildRelayWorld over three EVM chains and Solana", () => {
  it("gives every manifest chain its family's adapter, in manifest order, with what its contracts allow", () => {
    const { world: w } = world();
    expect([...w.chains.values()].map((chain) => `${chain.family}:${chain.name}`)).toEqual([
      "evm:evm-a",
      "evm:evm-b",
      "evm:evm-c",
      "solana:solana",
    ]);
    for (const chain of w.chains.values()) {
      expect(chain.receipts?.chainId, chain.name).toBe(chain.chainId);
      expect(chain.settlement?.chainId, chain.name).toBe(chain.chainId);
    }
    // Only the home chain publishes payouts; it pays into every EVM escrow, evm-c's too.
    expect([...w.chains.values()].filter((chain) => chain.payouts).map((chain) => chain.name)).toEqual(["evm-b"]);
    expect(w.chains.get(HOME)?.payouts?.servesChain(31_339)).toBe(true);
    expect(w.chains.get(HOME)?.payouts?.servesChain(SOLANA_CHAIN_ID)).toBe(false);
    // Only Solana takes messages itself; the EVM chains get theirs delivered by a messenger.
    expect([...w.chains.values()].filter((chain) => chain.receive).map((chain) => chain.name)).toEqual(["solana"]);
    expect([...w.clients.keys()]).toEqual([31_337, HOME, 31_339]);
  });

  it("resolves the third chain's routes and transports: receipts home, verdicts and payouts back, its outboxes decode", () => {
    const { world: w, config, manifest: m } = world();
    expect(findRoute(config, { source: 31_339, destination: HOME, kind: "ReceiptBatch" })?.transport).toBe("layerzero");
    expect(findRoute(config, { source: HOME, destination: 31_339, kind: "Payout" })?.transport).toBe("wormhole");
    const evmC = evmChainsOf(m).find((chain) => chain.chainId === 31_339);
    if (!evmC) throw new Error("the manifest has no evm-c");
    // The watcher of evm-c reads the transports' outboxes on evm-c: a Wormhole message of its messenger to the
    // home chain decodes to the home chain, with its VAA id.
    const { layerzero, wormhole } = w.transports;
    expect(layerzero.outbox(31_339).address).toBe(evmC.layerZero.endpointV2);
    const outbox = wormhole.outbox(31_339);
    expect(outbox.address).toBe(evmC.wormhole.core);
    const event = parseAbi([
      "event LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel)",
    ]);
    const payload = `${toHex(HOME, { size: 4 })}0102` as const;
    const [signature] = encodeEventTopics({ abi: event, eventName: "LogMessagePublished" });
    const topics: [`0x${string}`, `0x${string}`] = [signature, pad(evmC.contracts.wormholeMessenger)];
    const data = encodeAbiParameters(
      [{ type: "uint64" }, { type: "uint32" }, { type: "bytes" }, { type: "uint8" }],
      [7n, 0, payload, 1],
    );
    expect(outbox.decode({ address: evmC.wormhole.core, data, topics })).toMatchObject({
      destination: HOME,
      messageId: `${evmC.wormhole.chainId}/${"0".repeat(24)}${evmC.contracts.wormholeMessenger.slice(2)}/7`,
    });
  });

  it("gives the engine every chain's settlement target: a refund on evm-c runs there, an unknown chain dead-letters", async () => {
    const { world: w, stores } = world();
    expect([...w.settlementTargets.keys()]).toEqual([31_337, HOME, 31_339, SOLANA_CHAIN_ID]);
    const source = { chainId: HOME, transaction: "0x01", block: 1n, blockHash: "0x02", index: 0 };
    for (const chain of w.chains.values()) {
      const target = chain.settlement;
      if (!target) throw new Error(`${chain.name} has no settlement target`);
      // The verdict is applied and refunded already: the engine confirms without a transaction.
      vi.spyOn(target, "state").mockResolvedValue({ verdictApplied: true, refundsDone: true, released: false });
      const { refund, settle } = chain.settlementJobs({ modelId: 1n, epoch: 3n, source });
      expect(settle.destinationChainId).toBe(chain.chainId);
      await w.engine.ingest(refund);
      await w.engine.process(refund.id);
      expect((await stores.jobs.get(refund.id))?.status, chain.name).toBe("confirmed");
    }
    const evmCJobs = w.chains.get(31_339)?.settlementJobs({ modelId: 1n, epoch: 3n, source });
    if (!evmCJobs) throw new Error("evm-c has no adapter");
    const stray: Job = {
      ...evmCJobs.refund,
      id: "refund:99999:1:3",
      destinationChainId: 99_999,
    };
    await w.engine.ingest(stray);
    await w.engine.process(stray.id);
    expect((await stores.jobs.get(stray.id))?.status).toBe("dead-lettered");
  });
});

describe("buildRelayWorld settlement workers", () => {
  it("look for a verdict not yet on the chain again after one watch period, handed back to the queue for then", async () => {
    const { world: w, stores, delayed } = world();
    const chain = w.chains.get(31_337);
    const target = chain?.settlement;
    if (!chain || !target) throw new Error("evm-a has no settlement target");
    vi.spyOn(target, "state").mockResolvedValue({ verdictApplied: false, refundsDone: false, released: false });
    const source = { chainId: HOME, transaction: "0x01", block: 1n, blockHash: "0x02", index: 0 };
    const { refund } = chain.settlementJobs({ modelId: 1n, epoch: 3n, source });
    await w.engine.ingest(refund);
    expect((await w.engine.process(refund.id)).result).toBe("waiting");
    const parked = await stores.jobs.get(refund.id);
    // The stage's watch period (1 s here): the watchers bring verdicts no faster, so the job looks no later.
    expect(parked?.status === "failed" && parked.nextAttemptAt).toBe(NOW + 1_000);
    expect(delayed).toEqual([{ jobId: refund.id, delaySeconds: 1 }]);
  });
});

/**
 * A loopback JSON-RPC node serving the home registry's `currentEpoch` and `termsAt` (the listing's grace, per
 * epoch); it counts the `termsAt` calls.
 */
async function registryNode(grace: (epoch: bigint) => number, currentEpoch: bigint) {
  const seen = { termsAt: 0 };
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const request: { id: number; method: string; params: [{ data: Hex }] } = JSON.parse(body);
      const reply = (result: unknown) => res.end(JSON.stringify({ jsonrpc: "2.0", id: request.id, result }));
      if (request.method !== "eth_call") return reply(toHex(HOME));
      const call = decodeFunctionData({ abi: modelRegistryAbi, data: request.params[0].data });
      if (call.functionName === "currentEpoch") {
        return reply(
          encodeFunctionResult({ abi: modelRegistryAbi, functionName: "currentEpoch", result: currentEpoch }),
        );
      }
      if (call.functionName !== "termsAt") throw new Error(`unexpected ${call.functionName}`);
      seen.termsAt += 1;
      const [, epoch] = call.args;
      const sla = { maxP95LatencyMs: 1, minUptimeBps: 1, probeTimeoutMs: 1, latencyBreachRefundBps: 0, tiers: [] };
      const terms = {
        fromEpoch: 0n,
        active: true,
        verdictGraceEpochs: grace(epoch),
        pricePerRequest: 10_000n,
        sla,
        payees: [],
      };
      reply(encodeFunctionResult({ abi: modelRegistryAbi, functionName: "termsAt", result: terms }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, stop: () => new Promise((resolve) => server.close(resolve)) };
}

describe("buildRelayWorld: the Solana side's verdict grace", () => {
  it("is the home registry's termsAt(modelId, epoch).verdictGraceEpochs (3 here, not the default 2), read once per started epoch", async () => {
    const node = await registryNode((epoch) => (epoch === 4n ? 5 : 3), 10n);
    try {
      solanaOptions.calls.length = 0;
      world({}, { rpcUrls: new Map([[HOME, node.url]]) });
      const [options] = solanaOptions.calls;
      const grace = options !== null && typeof options === "object" && "home" in options ? options.home : undefined;
      if (grace === null || typeof grace !== "object" || !("verdictGraceEpochs" in grace)) {
        throw new Error("the Solana side gets no verdictGraceEpochs reader of the home chain");
      }
      const read = grace.verdictGraceEpochs;
      if (typeof read !== "function") throw new Error("verdictGraceEpochs is not a function");
      expect(await read(1n, 3n)).toBe(3);
      expect(await read(1n, 4n)).toBe(5);
      expect(await read(1n, 3n)).toBe(3);
      // Terms of a started epoch never change: the second read of epoch 3 comes from the cache.
      expect(node.seen.termsAt).toBe(2);
      // A future epoch's terms (a pending version the owner may still replace) are read again each time.
      await read(1n, 11n);
      await read(1n, 11n);
      expect(node.seen.termsAt).toBe(4);
    } finally {
      await node.stop();
    }
  });
});
