import { SlabridgeError } from "@slabridge/core";

/** One payment in a simulated escrow epoch. */
export interface SimPayment {
  buyer: string;
  amount: bigint;
}

/** A simulated escrow's record of one (model, epoch), with the rules of `contracts/src/Escrow.sol`. */
export interface SimEscrowEpoch {
  payments: SimPayment[];
  verdict: boolean;
  refundBps: number;
  /** Only moves forward: each payment is refunded at most once. */
  refundCursor: number;
  refunded: bigint;
  released: boolean;
  /** Payout index -> amount paid (the escrow's paid bits). */
  paidBits: Map<number, bigint>;
  paidOutBps: number;
  paidOut: bigint;
  /** The payout index that completed 10,000 bps (took the rounding dust). */
  dustIndex?: number;
}

/** A payout the home registry published (a PayoutPublished log and its message). */
export interface SimPublishedPayout {
  guid: string;
  chainId: number;
  epoch: bigint;
  index: number;
  tx: string;
}

/** An OFT packet sent by this chain's netting vault (burnt here, minted on delivery). */
export interface SimOftPacket {
  guid: string;
  to: number;
  recipient: string;
  amount: bigint;
  tx: string;
}

/** A netting vault transaction carrying its step id in its calldata. */
export interface SimVaultMark {
  stepId: string;
  to: string;
  amount: bigint;
  tx: string;
  block: number;
  guid?: string;
}

/** Everything on one simulated chain: token balances, escrow, home registry logs, vault marks, messages. */
export interface SimChainState {
  block: number;
  balances: Map<string, bigint>;
  escrow: Map<bigint, SimEscrowEpoch>;
  published: SimPublishedPayout[];
  packets: SimOftPacket[];
  /** Message guids executed on this chain (LayerZero's replay protection). */
  executed: Set<string>;
  marks: SimVaultMark[];
  /** Refunded(epoch, payment) logs. */
  refundLog: { epoch: bigint; payment: number }[];
  /** PaidOut(epoch, index) logs. */
  payoutLog: { epoch: bigint; index: number }[];
  /** VerdictApplied logs. */
  verdictLog: { epoch: bigint; tx: string; block: number }[];
}

/** Who sends a transaction: the netting vault's key pins its nonce (it waits for its own pending transactions). */
export type SimSender = "bot" | "vault" | "home" | "executor";

/** A transaction: applied to a copy of the state; throwing {@link SimRevertError} reverts it. */
export interface SimTx {
  hash: string;
  from: SimSender;
  apply(state: SimChainState): void;
}

/** A contract revert (not retryable, like `@slabridge/evm`'s `ContractRevertedError`). */
export class SimRevertError extends SlabridgeError {
  override readonly name = "SimRevertError" as const;
  constructor(reason: string) {
    super(`execution reverted: ${reason}`, { retryable: false });
  }
}

/**
 * A chain with finality: transactions land in unfinal blocks (reads see them at once), `finalize` makes them final
 * (watchers and bridges only trust final blocks), `reorg` rolls the state back to the last final block and puts the
 * dropped transactions back in the mempool, from which they land again (re-executed on the state then current) before
 * the next transaction or at `mine`; `evict` drops the mempool for good.
 *
 * @example
 * const chain = new SimChain(31_337, emptyChainState());
 * chain.land({ hash: "0x1", from: "bot", apply: (s) => { s.block += 0; } });
 * chain.reorg(); chain.mine(); chain.finalize();
 */
export class SimChain {
  state: SimChainState;
  final: SimChainState;
  pending: SimTx[] = [];
  mempool: SimTx[] = [];
  reorgs = 0;

  constructor(
    readonly chainId: number,
    genesis: SimChainState,
  ) {
    this.state = structuredClone(genesis);
    this.final = structuredClone(genesis);
  }

  /** Lands `tx` in a new unfinal block (after re-including the mempool); throws {@link SimRevertError} on revert. */
  land(tx: SimTx): void {
    this.mine();
    this.#apply(tx);
  }

  /** Re-includes the mempool in order; a transaction that now reverts is dropped. */
  mine(): void {
    const waiting = this.mempool;
    this.mempool = [];
    for (const tx of waiting) {
      try {
        this.#apply(tx);
      } catch (error) {
        if (!(error instanceof SimRevertError)) throw error;
      }
    }
  }

  finalize(): void {
    this.mine();
    this.final = structuredClone(this.state);
    this.pending = [];
  }

  /** Drops every unfinal block; its transactions go back to the mempool. */
  reorg(): void {
    if (this.pending.length === 0) return;
    this.reorgs++;
    this.state = structuredClone(this.final);
    this.mempool = [...this.mempool, ...this.pending];
    this.pending = [];
  }

  /** The mempool is dropped for good (replaced or expired transactions). */
  evict(): void {
    this.mempool = [];
  }

  /** Whether a transaction of `from` waits in the mempool (a nonce-pinned sender must wait for it). */
  busy(from: SimSender): boolean {
    return this.mempool.some((tx) => tx.from === from);
  }

  #apply(tx: SimTx): void {
    const next = structuredClone(this.state);
    next.block++;
    tx.apply(next);
    this.state = next;
    this.pending.push(tx);
  }
}

/**
 * A chain state with no blocks, balances or records.
 *
 * @example const state = emptyChainState(); state.balances.set("buyer-0", 10n);
 */
export function emptyChainState(): SimChainState {
  return {
    block: 0,
    balances: new Map(),
    escrow: new Map(),
    published: [],
    packets: [],
    executed: new Set(),
    marks: [],
    refundLog: [],
    payoutLog: [],
    verdictLog: [],
  };
}

/**
 * Moves `amount` between two accounts of one chain state; reverts on an insufficient balance.
 *
 * @example transfer(state, "escrow", "buyer-0", 25n);
 */
export function transfer(state: SimChainState, from: string, to: string, amount: bigint): void {
  const held = state.balances.get(from) ?? 0n;
  if (held < amount) throw new SimRevertError(`${from} holds ${held}, cannot send ${amount}`);
  state.balances.set(from, held - amount);
  state.balances.set(to, (state.balances.get(to) ?? 0n) + amount);
}
