import type { CursorStore } from "@slabridge/core";
import {
  type AbiEvent,
  type Address,
  BlockNotFoundError,
  type Chain,
  type GetLogsReturnType,
  type PublicClient,
  type Transport,
} from "viem";
import { rpcUrlOf } from "../createEvmChainClient.ts";
import { EvmConfigError } from "../errors.ts";
import { translateEvmError } from "../translateEvmError.ts";
import { type CheckpointedCursor, cursorCheckpoints } from "./cursorCheckpoints.ts";

/** A decoded log of one of the watched events (strict decoding: logs that don't match the ABI are dropped). */
export type WatchedLog<TEvents extends readonly AbiEvent[]> = GetLogsReturnType<
  undefined,
  TEvents,
  true,
  bigint,
  bigint
>[number];

/** An inclusive block range. */
export interface BlockRange {
  fromBlock: bigint;
  toBlock: bigint;
}

/** A reorg found behind the cursor. */
export interface ReorgEvent {
  type: "reorg";
  /** Blocks rewound: old cursor block minus the block the watcher resumes after. */
  depth: bigint;
  /** The cursor block whose hash no longer matched. */
  cursorBlock: bigint;
  /** The newest checkpoint that still matched (or `startBlock - 1`); scanning resumes after it. */
  rewoundTo: bigint;
}

/** Progress of one poll, after each range. */
export interface WatcherProgress {
  range: BlockRange;
  logs: number;
  /** `head - confirmations` when the poll started. */
  safeHead: bigint;
  /** Blocks still to scan up to `safeHead`. */
  remaining: bigint;
}

/** Options of {@link EvmLogWatcher}. */
export interface EvmLogWatcherOptions<TEvents extends readonly AbiEvent[]> {
  client: PublicClient<Transport, Chain | undefined>;
  cursorStore: CursorStore;
  cursorId: string;
  address: Address | readonly Address[];
  events: TEvents;
  /** Blocks a log must be buried under before it is delivered (0 = deliver at the head). */
  confirmations: number;
  /** Largest `eth_getLogs` range, in blocks (providers cap it; 1 = one block per call). */
  maxBlockRange: number;
  /** First block to scan when no cursor is stored (e.g. the contract's deployment block). */
  startBlock: bigint;
  /** Older (block, hash) pairs kept in the cursor's `checkpoints` to rewind to on a reorg (default 16). */
  checkpoints?: number;
}

/** Options of one {@link EvmLogWatcher.poll}. */
export interface PollOptions {
  /** Called after each range (a long backfill reports as it goes). */
  onProgress?: (progress: WatcherProgress) => void;
  /** Called when a reorg behind the cursor is found, before rescanning. */
  onReorg?: (event: ReorgEvent) => void;
  /** Stop after this many ranges (a Lambda with a time budget); the next poll continues. */
  maxRanges?: number;
}

/** What one poll did. */
export interface PollResult {
  /**
   * `caught-up`: scanned to `safeHead`; `partial`: stopped at `maxRanges`; `lost-race`: another watcher moved the
   * cursor first (this one stopped at once; what it delivered is delivered again by the winner, and the handler's
   * deterministic job ids absorb it).
   */
  status: "caught-up" | "partial" | "lost-race";
  ranges: number;
  logs: number;
  /** The last block processed after this poll (undefined when nothing was processed yet). */
  cursorBlock: bigint | undefined;
  safeHead: bigint;
  reorg?: ReorgEvent;
}

/** Receives the decoded logs of one range, in (block, logIndex) order. Must be idempotent: a range may come twice. */
export type LogHandler<TEvents extends readonly AbiEvent[]> = (
  logs: WatchedLog<TEvents>[],
  range: BlockRange,
) => Promise<void>;

interface StoredPosition {
  state: CheckpointedCursor | undefined;
  version: number | undefined;
}

/**
 * Watches contract events on one EVM chain from a persisted cursor. Each `poll` checks the cursor's block hash (and
 * its checkpoints) against the chain, rewinding past a reorg; then reads logs in ranges of at most `maxBlockRange`
 * blocks up to `head - confirmations`, hands each range to the handler and only then advances the cursor, with a
 * conditional write on its version. A crash between the handler and the write delivers the range again; the handler
 * creates jobs with deterministic ids, so that is harmless. Backfill after downtime is the same loop over more
 * ranges.
 *
 * @example
 * ```ts
 * const watcher = new EvmLogWatcher({
 *   client, cursorStore, cursorId: "evm:31337:escrow", address: escrow,
 *   events: escrowAbi.filter((x) => x.type === "event" && x.name === "Paid"),
 *   confirmations: 2, maxBlockRange: 1_000, startBlock: deployBlock,
 * });
 * const result = await watcher.poll(async (logs) => { for (const log of logs) await createJob(log); });
 * ```
 */
export class EvmLogWatcher<const TEvents extends readonly AbiEvent[]> {
  readonly #options: EvmLogWatcherOptions<TEvents>;
  readonly #checkpoints: number;

  constructor(options: EvmLogWatcherOptions<TEvents>) {
    if (!Number.isSafeInteger(options.maxBlockRange) || options.maxBlockRange < 1) {
      throw new EvmConfigError("maxBlockRange must be a positive integer.");
    }
    if (!Number.isSafeInteger(options.confirmations) || options.confirmations < 0) {
      throw new EvmConfigError("confirmations must be a non-negative integer.");
    }
    if (options.startBlock < 0n) throw new EvmConfigError("startBlock must not be negative.");
    if (options.events.length === 0) throw new EvmConfigError("events must list at least one event.");
    this.#options = options;
    this.#checkpoints = options.checkpoints ?? 16;
  }

  /**
   * Scans from the cursor to `head - confirmations` (see the class doc).
   *
   * @example const { status, logs, reorg } = await watcher.poll(handler, { onProgress: (p) => log(p.remaining) });
   */
  async poll(handler: LogHandler<TEvents>, options: PollOptions = {}): Promise<PollResult> {
    const { cursorStore, cursorId, startBlock } = this.#options;
    const stored = await cursorStore.get(cursorId);
    let position: StoredPosition = {
      state: stored === undefined ? undefined : cursorCheckpoints.decode(stored),
      version: stored?.version,
    };
    const head = await this.#rpc("eth_blockNumber", () => this.#options.client.getBlockNumber({ cacheTime: 0 }));
    const safeHead = head - BigInt(this.#options.confirmations);
    const result: PollResult = {
      status: "caught-up",
      ranges: 0,
      logs: 0,
      cursorBlock: position.state?.block,
      safeHead,
    };

    const reorg = await this.#findReorg(position.state);
    if (reorg) {
      result.reorg = reorg.event;
      options.onReorg?.(reorg.event);
      const rewound = await this.#write(reorg.state, position.version);
      if (rewound === undefined) return { ...result, status: "lost-race" };
      position = { state: reorg.state, version: rewound };
      result.cursorBlock = reorg.state.hash === "" ? undefined : reorg.state.block;
    }

    let from = position.state === undefined ? startBlock : position.state.block + 1n;
    const maxRange = BigInt(this.#options.maxBlockRange);
    while (from <= safeHead) {
      if (options.maxRanges !== undefined && result.ranges >= options.maxRanges)
        return { ...result, status: "partial" };
      const to = from + maxRange - 1n < safeHead ? from + maxRange - 1n : safeHead;
      const logs = await this.#logs(from, to);
      const toHash = await this.#blockHash(to);
      if (toHash === undefined || logs.some((log) => log.blockNumber === to && log.blockHash !== toHash)) {
        // The range changed under us: deliver nothing; the next poll's reorg check sorts it out.
        return { ...result, status: "partial" };
      }
      await handler(logs, { fromBlock: from, toBlock: to });
      const next = this.#nextState(position.state, to, toHash);
      const version = await this.#write(next, position.version);
      if (version === undefined) return { ...result, status: "lost-race" };
      position = { state: next, version };
      result.ranges++;
      result.logs += logs.length;
      result.cursorBlock = to;
      options.onProgress?.({
        range: { fromBlock: from, toBlock: to },
        logs: logs.length,
        safeHead,
        remaining: safeHead - to,
      });
      from = to + 1n;
    }
    return result;
  }

  /** The cursor after processing `block`: the old cursor becomes the newest checkpoint, the oldest ones drop out. */
  #nextState(previous: CheckpointedCursor | undefined, block: bigint, hash: string): CheckpointedCursor {
    if (previous === undefined || previous.hash === "") return { block, hash, checkpoints: [] };
    const checkpoints = [{ block: previous.block, hash: previous.hash }, ...previous.checkpoints];
    return { block, hash, checkpoints: checkpoints.slice(0, this.#checkpoints) };
  }

  /** Compares the cursor block, then each checkpoint newest first, with the chain; the first match is kept. */
  async #findReorg(
    state: CheckpointedCursor | undefined,
  ): Promise<{ event: ReorgEvent; state: CheckpointedCursor } | undefined> {
    if (state === undefined || state.hash === "") return undefined;
    if ((await this.#blockHash(state.block)) === state.hash) return undefined;
    let rewound: CheckpointedCursor | undefined;
    for (const [index, checkpoint] of state.checkpoints.entries()) {
      if ((await this.#blockHash(checkpoint.block)) === checkpoint.hash) {
        rewound = { ...checkpoint, checkpoints: state.checkpoints.slice(index + 1) };
        break;
      }
    }
    // Nothing matched: rescan from startBlock (a cursor just before it with no hash to check).
    rewound ??= { block: this.#options.startBlock - 1n, hash: "", checkpoints: [] };
    return {
      event: { type: "reorg", depth: state.block - rewound.block, cursorBlock: state.block, rewoundTo: rewound.block },
      state: rewound,
    };
  }

  /** Conditional cursor write; the new version, or undefined when another watcher moved the cursor first. */
  async #write(state: CheckpointedCursor, expectedVersion: number | undefined): Promise<number | undefined> {
    const version = (expectedVersion ?? 0) + 1;
    const ok = await this.#options.cursorStore.advance(
      { id: this.#options.cursorId, ...cursorCheckpoints.encode(state), version },
      expectedVersion,
    );
    return ok ? version : undefined;
  }

  async #logs(fromBlock: bigint, toBlock: bigint): Promise<WatchedLog<TEvents>[]> {
    const { client, address, events } = this.#options;
    const logs = await this.#rpc("eth_getLogs", () =>
      client.getLogs({
        address: typeof address === "string" ? address : [...address],
        events,
        fromBlock,
        toBlock,
        strict: true,
      }),
    );
    return [...logs].sort((a, b) =>
      a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
    ) as WatchedLog<TEvents>[];
  }

  /** The canonical hash at `block`, or undefined when the chain is shorter (a reorg to a shorter chain). */
  async #blockHash(block: bigint): Promise<string | undefined> {
    try {
      const found = await this.#options.client.getBlock({ blockNumber: block });
      return found.hash ?? undefined;
    } catch (error) {
      if (error instanceof BlockNotFoundError) return undefined;
      throw translateEvmError(error, this.#context("eth_getBlockByNumber"));
    }
  }

  async #rpc<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw translateEvmError(error, this.#context(operation));
    }
  }

  #context(operation: string) {
    const { client } = this.#options;
    const rpcUrl = rpcUrlOf(client);
    return {
      operation,
      ...(client.chain === undefined ? {} : { chainId: client.chain.id }),
      ...(rpcUrl === undefined ? {} : { rpcUrl }),
    };
  }
}
