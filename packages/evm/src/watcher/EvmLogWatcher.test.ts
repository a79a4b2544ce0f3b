import type { JobSource } from "@slabridge/core";
import { MemoryCursorStore } from "@slabridge/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvmChainClient } from "../createEvmChainClient.ts";
import { RpcUnavailableError } from "../errors.ts";
import { startTestChain, type TestChain } from "../testing/testChain.ts";
import { type BlockRange, EvmLogWatcher, type WatchedLog } from "./EvmLogWatcher.ts";
import { isLogCanonical } from "./isLogCanonical.ts";
import { toJobSource } from "./toJobSource.ts";

let chain: TestChain;

beforeAll(async () => {
  chain = await startTestChain();
});

afterAll(async () => {
  await chain?.stop();
});

type TransferLog = WatchedLog<TestChain["transferEvents"]>;

/** A watcher over the fixture's Transfer events, starting at the next block, plus what it delivered. */
async function watcherFrom(options: { confirmations: number; maxBlockRange: number; client?: TestChain["client"] }) {
  const cursorStore = new MemoryCursorStore();
  const startBlock = (await chain.head()) + 1n;
  const watcher = new EvmLogWatcher({
    client: options.client ?? chain.client,
    cursorStore,
    cursorId: `evm:31337:token:${startBlock}`,
    address: chain.token,
    events: chain.transferEvents,
    confirmations: options.confirmations,
    maxBlockRange: options.maxBlockRange,
    startBlock,
  });
  const delivered: TransferLog[] = [];
  const ranges: BlockRange[] = [];
  const handler = async (logs: TransferLog[], range: BlockRange) => {
    delivered.push(...logs);
    ranges.push(range);
  };
  return { watcher, cursorStore, startBlock, delivered, ranges, handler };
}

const amounts = (logs: TransferLog[]) => logs.map((log) => log.args.value);

describe("EvmLogWatcher", () => {
  it("delivers a log only once it has `confirmations` blocks on top", async () => {
    const { watcher, delivered, handler } = await watcherFrom({ confirmations: 3, maxBlockRange: 100 });
    await chain.transfer(7n);
    const logBlock = await chain.head();
    expect((await watcher.poll(handler)).logs).toBe(0);
    await chain.test.mine({ blocks: 2 });
    const early = await watcher.poll(handler);
    // head - 3 is still before the log's block (the first this watcher scans): nothing scanned yet.
    expect(early).toMatchObject({ logs: 0, ranges: 0, cursorBlock: undefined, safeHead: logBlock - 1n });
    await chain.test.mine({ blocks: 1 });
    const result = await watcher.poll(handler);
    expect(result).toMatchObject({ status: "caught-up", logs: 1, cursorBlock: logBlock });
    expect(amounts(delivered)).toEqual([7n]);
  });

  it("reads in bounded ranges: maxBlockRange 10 over 95 blocks is 10 getLogs calls, every log once, in order", async () => {
    const { watcher, delivered, ranges, handler, startBlock } = await watcherFrom({
      confirmations: 0,
      maxBlockRange: 10,
      client: chain.tappedClient,
    });
    // 19 transfers, each followed by 4 empty blocks: 95 blocks.
    for (let i = 1n; i <= 19n; i++) {
      await chain.transfer(i);
      await chain.test.mine({ blocks: 4 });
    }
    expect(await chain.head()).toBe(startBlock + 94n);
    const before = chain.tap.count("eth_getLogs");
    const result = await watcher.poll(handler);
    expect(chain.tap.count("eth_getLogs") - before).toBe(10);
    expect(result).toMatchObject({ status: "caught-up", ranges: 10, logs: 19 });
    expect(amounts(delivered)).toEqual(Array.from({ length: 19 }, (_, i) => BigInt(i + 1)));
    expect(ranges.map((r) => r.toBlock - r.fromBlock + 1n)).toEqual([10n, 10n, 10n, 10n, 10n, 10n, 10n, 10n, 10n, 5n]);
    for (const [i, range] of ranges.entries()) {
      expect(range.fromBlock).toBe(i === 0 ? startBlock : (ranges[i - 1]?.toBlock ?? 0n) + 1n);
    }
  });

  it("backfills 500 blocks mined while it was not polling in one poll: nothing lost, nothing twice", async () => {
    const { watcher, delivered, handler } = await watcherFrom({ confirmations: 2, maxBlockRange: 100 });
    await watcher.poll(handler);
    for (let i = 1n; i <= 50n; i++) {
      await chain.transfer(1000n + i);
      await chain.test.mine({ blocks: 9 });
    }
    const progress: bigint[] = [];
    const result = await watcher.poll(handler, { onProgress: (p) => progress.push(p.remaining) });
    expect(result.status).toBe("caught-up");
    expect(result.ranges).toBeGreaterThanOrEqual(5);
    expect(progress.at(-1)).toBe(0n);
    expect(progress).toEqual([...progress].sort((a, b) => (a > b ? -1 : 1)));
    await chain.test.mine({ blocks: 2 });
    await watcher.poll(handler);
    expect(amounts(delivered)).toEqual(Array.from({ length: 50 }, (_, i) => 1001n + BigInt(i)));
    const ids = delivered.map((log) => `${log.transactionHash}:${log.logIndex}`);
    expect(new Set(ids).size).toBe(50);
  });

  it("detects a reorg behind the cursor, rewinds to the newest matching checkpoint and rescans; orphaned logs are not canonical", async () => {
    const { watcher, delivered, handler } = await watcherFrom({ confirmations: 2, maxBlockRange: 5 });
    await chain.test.mine({ blocks: 3 });
    await watcher.poll(handler);
    const fork = await chain.head();
    const snapshot = await chain.test.snapshot();

    // Branch A: six transfers, delivered (the watcher's cursor ends up past the fork point).
    for (let i = 1n; i <= 6n; i++) await chain.transfer(100n + i);
    await chain.test.mine({ blocks: 2 });
    const first = await watcher.poll(handler);
    expect(first.cursorBlock).toBe(fork + 6n);
    expect(amounts(delivered)).toEqual([101n, 102n, 103n, 104n, 105n, 106n]);
    // Jobs, keyed by a deterministic id as the relay keys them.
    const jobs = new Map<string, JobSource>();
    for (const log of delivered) jobs.set(`${log.transactionHash}:${log.logIndex}`, toJobSource(31337, log));
    for (const source of jobs.values()) expect(await isLogCanonical(chain.client, source)).toBe(true);

    // Branch B replaces it from the fork point: other transfers, a longer chain.
    await chain.test.revert({ id: snapshot });
    for (let i = 1n; i <= 8n; i++) await chain.transfer(200n + i);
    await chain.test.mine({ blocks: 2 });

    const reorgs: bigint[] = [];
    const second = await watcher.poll(handler, { onReorg: (event) => reorgs.push(event.depth) });
    expect(second.reorg).toBeDefined();
    expect(second.reorg?.cursorBlock).toBe(fork + 6n);
    expect(second.reorg?.rewoundTo).toBeLessThanOrEqual(fork);
    expect(second.reorg?.depth).toBeGreaterThan(0n);
    expect(reorgs).toEqual([second.reorg?.depth]);
    expect(second.cursorBlock).toBe(fork + 8n);
    expect(amounts(delivered.slice(6))).toEqual([201n, 202n, 203n, 204n, 205n, 206n, 207n, 208n]);

    const orphaned = [...jobs.values()];
    for (const log of delivered.slice(6)) jobs.set(`${log.transactionHash}:${log.logIndex}`, toJobSource(31337, log));
    for (const source of orphaned) expect(await isLogCanonical(chain.client, source)).toBe(false);
    for (const log of delivered.slice(6))
      expect(await isLogCanonical(chain.client, toJobSource(31337, log))).toBe(true);
    // A source whose block hash is right but whose log index is not in the receipt is not canonical either.
    const [last] = delivered.slice(-1);
    if (last) expect(await isLogCanonical(chain.client, { ...toJobSource(31337, last), index: 999 })).toBe(false);
  });

  it("stops with lost-race when another watcher moved the cursor first", async () => {
    const shared = await watcherFrom({ confirmations: 0, maxBlockRange: 1 });
    const rival = new EvmLogWatcher({
      client: chain.client,
      cursorStore: shared.cursorStore,
      cursorId: `evm:31337:token:${shared.startBlock}`,
      address: chain.token,
      events: chain.transferEvents,
      confirmations: 0,
      maxBlockRange: 1,
      startBlock: shared.startBlock,
    });
    await chain.transfer(1n);
    await chain.transfer(2n);
    let rivalRan = false;
    const result = await shared.watcher.poll(async (logs, range) => {
      await shared.handler(logs, range);
      if (!rivalRan) {
        rivalRan = true;
        // The rival processes everything while this watcher is still in its first range.
        expect((await rival.poll(async () => {})).status).toBe("caught-up");
      }
    });
    expect(result.status).toBe("lost-race");
    expect(result.ranges).toBe(0);
    expect((await shared.cursorStore.get(`evm:31337:token:${shared.startBlock}`))?.block).toBe(await chain.head());
  });

  it("reports a dead RPC as a retryable RpcUnavailableError without the URL's key", async () => {
    const key = "Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K";
    const client = createEvmChainClient({ chainId: 31337, rpcUrl: `http://127.0.0.1:1/v2/${key}`, retryCount: 0 });
    const watcher = new EvmLogWatcher({
      client,
      cursorStore: new MemoryCursorStore(),
      cursorId: "dead",
      address: chain.token,
      events: chain.transferEvents,
      confirmations: 0,
      maxBlockRange: 10,
      startBlock: 0n,
    });
    const error = await watcher.poll(async () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcUnavailableError);
    expect((error as RpcUnavailableError).retryable).toBe(true);
    expect(String((error as Error).message)).not.toContain(key);
  });
});
