import fc from "fast-check";
import { CHAIN_A, CHAIN_B, EPOCHS, HOME, type SimWorld } from "./SimWorld.ts";

/** What fast-check's model tracks: nothing beyond the world itself (every step is legal at any time). */
export type FaultModel = Record<string, never>;

/** One step of a fault schedule. */
export type FaultCommand = fc.AsyncCommand<FaultModel, SimWorld>;

const CHAINS = [CHAIN_A, CHAIN_B, HOME] as const;
/** Clock skews around the 60 s payout claim: past it, a skewed worker takes a live claim for expired. */
const SKEWS = [0, 0, -90_000, -30_000, 30_000, 90_000] as const;
/** Clock steps around the retry tiers, the payout claim and the stuck-job sweep. */
const TICKS = [1_000, 5_001, 30_001, 61_000, 300_001, 3_600_000] as const;

abstract class Step implements FaultCommand {
  check(): boolean {
    return true;
  }
  /** Runs the step, then checks what must hold after every step (nothing paid twice, value conserved). */
  async run(_model: FaultModel, world: SimWorld): Promise<void> {
    await this.step(world);
    const violations = world.stepViolations();
    if (violations.length > 0) throw new Error(`after ${this.toString()}: ${violations.join("; ")}`);
  }
  abstract step(world: SimWorld): Promise<void>;
  abstract toString(): string;
}

class Watch extends Step {
  constructor(
    readonly chainId: number,
    readonly stopAfter: number | undefined,
    readonly skewMs: number,
  ) {
    super();
  }
  async step(w: SimWorld) {
    await w.scheduled(this.skewMs, (proc) => w.watch(proc, this.chainId, this.stopAfter));
  }
  toString() {
    return `watch(${this.chainId}${this.stopAfter === undefined ? "" : `, killed after ${this.stopAfter} jobs`})`;
  }
}

class Deliver extends Step {
  constructor(
    readonly pick: number,
    readonly duplicate: boolean,
    readonly lose: boolean,
    readonly skewMs: number,
    readonly seed: number,
  ) {
    super();
  }
  async step(w: SimWorld) {
    await w.deliver(this.pick, { duplicate: this.duplicate, lose: this.lose, skewMs: this.skewMs, seed: this.seed });
  }
  toString() {
    const flags = [this.duplicate && "duplicate", this.lose && "lost on crash"].filter(Boolean).join(", ");
    return `deliver(#${this.pick}${flags ? `, ${flags}` : ""}, skew ${this.skewMs})`;
  }
}

class Race extends Step {
  constructor(
    readonly pick: number,
    readonly skewA: number,
    readonly skewB: number,
    readonly seed: number,
  ) {
    super();
  }
  async step(w: SimWorld) {
    await w.race(this.pick, this.skewA, this.skewB, this.seed);
  }
  toString() {
    return `race(#${this.pick}, skews ${this.skewA}/${this.skewB}, seed ${this.seed})`;
  }
}

class Tick extends Step {
  constructor(readonly ms: number) {
    super();
  }
  async step(w: SimWorld) {
    w.tick(this.ms);
  }
  toString() {
    return `tick(${this.ms})`;
  }
}

class RetryDue extends Step {
  constructor(readonly skewMs: number) {
    super();
  }
  async step(w: SimWorld) {
    await w.retryDue(this.skewMs);
  }
  toString() {
    return `retryDue(skew ${this.skewMs})`;
  }
}

class Sweep extends Step {
  constructor(
    readonly kind: "refund" | "settle",
    readonly skewMs: number,
  ) {
    super();
  }
  async step(w: SimWorld) {
    await w.scheduled(this.skewMs, (proc) => w.sweep(proc, this.kind));
  }
  toString() {
    return `sweep(${this.kind})`;
  }
}

class Net extends Step {
  async step(w: SimWorld) {
    await w.scheduled(0, (proc) => w.net(proc));
  }
  toString() {
    return "net()";
  }
}

class Finalize extends Step {
  constructor(readonly chainId: number) {
    super();
  }
  async step(w: SimWorld) {
    w.chain(this.chainId).finalize();
  }
  toString() {
    return `finalize(${this.chainId})`;
  }
}

class Reorg extends Step {
  constructor(readonly chainId: number) {
    super();
  }
  async step(w: SimWorld) {
    const chain = w.chain(this.chainId);
    if (chain.pending.length > 0) w.stats.reorgs++;
    chain.reorg();
  }
  toString() {
    return `reorg(${this.chainId})`;
  }
}

class Evict extends Step {
  constructor(readonly chainId: number) {
    super();
  }
  async step(w: SimWorld) {
    w.chain(this.chainId).evict();
  }
  toString() {
    return `evict(${this.chainId})`;
  }
}

class Mine extends Step {
  constructor(readonly chainId: number) {
    super();
  }
  async step(w: SimWorld) {
    w.chain(this.chainId).mine();
  }
  toString() {
    return `mine(${this.chainId})`;
  }
}

class ApplyVerdict extends Step {
  constructor(
    readonly chainId: number,
    readonly epoch: bigint,
  ) {
    super();
  }
  async step(w: SimWorld) {
    w.applyVerdict(this.chainId, this.epoch);
  }
  toString() {
    return `verdictArrives(${this.chainId}, epoch ${this.epoch})`;
  }
}

class ArmChainFault extends Step {
  constructor(
    readonly kind: "rpc-error" | "timeout" | "crash" | "read-error",
    readonly chainId: number,
    readonly skip: number,
  ) {
    super();
  }
  async step(w: SimWorld) {
    w.chainFaults.push({ kind: this.kind, chainId: this.chainId, skip: this.skip });
  }
  toString() {
    return `arm(${this.kind} on ${this.chainId}, after ${this.skip})`;
  }
}

class ArmStoreFault extends Step {
  constructor(
    readonly kind: "crash-before" | "crash-after",
    readonly skip: number,
  ) {
    super();
  }
  async step(w: SimWorld) {
    w.storeFaults.push({ kind: this.kind, skip: this.skip });
  }
  toString() {
    return `arm(job store ${this.kind}, after ${this.skip})`;
  }
}

const chainId = fc.constantFrom(...CHAINS);
const paymentChain = fc.constantFrom(CHAIN_A, CHAIN_B);
const skew = fc.constantFrom(...SKEWS);
const pick = fc.nat({ max: 15 });
const seed = fc.integer({ min: 1, max: 0x7fff_ffff });

/** Which faults a schedule may draw beyond the default mix. */
export interface FaultMix {
  /** Reorged transactions may be dropped from the mempool for good instead of landing again. */
  evictions?: boolean;
}

/**
 * The steps a fault schedule is drawn from, weighted so queue deliveries dominate and faults are frequent.
 *
 * @example fc.commands(faultCommands(), { maxCommands: 60 })
 */
export function faultCommands(mix: FaultMix = {}): fc.Arbitrary<FaultCommand>[] {
  const weighted = <T extends FaultCommand>(weight: number, arbitrary: fc.Arbitrary<T>) =>
    Array.from({ length: weight }, () => arbitrary);
  return [
    ...weighted(
      6,
      fc
        .tuple(pick, fc.boolean(), fc.boolean(), skew, seed)
        .map(([p, duplicate, lose, s, r]) => new Deliver(p, duplicate, lose, s, r)),
    ),
    ...weighted(
      2,
      fc.tuple(pick, skew, skew, seed).map(([p, a, b, r]) => new Race(p, a, b, r)),
    ),
    ...weighted(
      2,
      fc
        .tuple(chainId, fc.option(fc.nat({ max: 3 }), { nil: undefined }), skew)
        .map(([c, stop, s]) => new Watch(c, stop, s)),
    ),
    ...weighted(
      2,
      fc.constantFrom(...TICKS).map((ms) => new Tick(ms)),
    ),
    fc.constant(new RetryDue(0)),
    skew.map((s) => new RetryDue(s)),
    fc.tuple(fc.constantFrom("refund" as const, "settle" as const), skew).map(([k, s]) => new Sweep(k, s)),
    fc.constant(new Net()),
    ...weighted(
      2,
      chainId.map((c) => new Finalize(c)),
    ),
    chainId.map((c) => new Reorg(c)),
    chainId.map((c) => new Mine(c)),
    ...(mix.evictions
      ? weighted(
          2,
          chainId.map((c) => new Evict(c)),
        )
      : []),
    fc.tuple(paymentChain, fc.constantFrom(...EPOCHS)).map(([c, e]) => new ApplyVerdict(c, e)),
    ...weighted(
      3,
      fc
        .tuple(
          fc.constantFrom("rpc-error" as const, "timeout" as const, "crash" as const, "read-error" as const),
          chainId,
          fc.nat({ max: 3 }),
        )
        .map(([k, c, s]) => new ArmChainFault(k, c, s)),
    ),
    fc
      .tuple(fc.constantFrom("crash-before" as const, "crash-after" as const), fc.nat({ max: 4 }))
      .map(([k, s]) => new ArmStoreFault(k, s)),
  ];
}
