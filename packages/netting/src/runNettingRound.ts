import {
  type EpochRelease,
  type Hex,
  InvalidNettingRoundError,
  type MessageRef,
  type NettingPlan,
  type NettingVault,
  NettingVaultNotReadyError,
  planNetting,
  type Transport,
  type VaultHooks,
  type VaultPayout,
  type VaultTransfer,
} from "@slabridge/core";
import { nettingStepId } from "./nettingStepId.ts";

/** Input of {@link runNettingRound}. */
export interface NettingRoundInput {
  /** The round's id (e.g. the settlement window); with the step, it makes every transfer's and payout's id. */
  roundId: string;
  /** The (model, epoch)s of the round: payee tables and what each payment chain released. */
  releases: readonly EpochRelease[];
  /** The netting vault of every EVM chain of the round (`@slabridge/evm`'s `EvmNettingVault`). */
  vaults: ReadonlyMap<number, NettingVault>;
  /**
   * The chains of the round whose vault this executor does not drive (the Solana vault): transfers to or from them
   * are left open and their payees' payouts are listed in `solanaPayouts` for that vault's own payer. Every other
   * chain of the plan must have a vault.
   */
  openChains: ReadonlySet<number>;
  /** LayerZero endpoint id of every EVM chain (where OFT sends go). */
  eids: ReadonlyMap<number, number>;
  /** Delivers OFT packets (the LayerZeroTransport, with the stablecoins among the chains' OApps). */
  transport: Pick<Transport, "messagesIn" | "deliver">;
  /**
   * What the escrows paid each chain's vault for the round's (model, epoch)s (core's `releaseFromPayouts` over
   * `@slabridge/evm`'s `readEscrowPayouts`). When given, every listed chain's planned holdings must equal it, or nothing is sent.
   */
  vaultReceived?: ReadonlyMap<number, bigint>;
  hooks?: VaultHooks;
  /**
   * Runs a vault's balance check and the sends it covers with no other round's sends of that vault in between (rounds
   * run side by side share the vaults): see `createVaultLocks`. Absent: the round runs them as they come.
   */
  exclusive?: VaultLocks;
}

/** Serialises work on one chain's vault across concurrent rounds (`createVaultLocks`). */
export type VaultLocks = <T>(chainId: number, work: () => Promise<T>) => Promise<T>;

/**
 * In-process locks, one per chain's vault: work on a vault waits for the work queued on it before (FIFO). A round's
 * "held >= owed" check stays true through its sends only if no other round spends from that vault in between; two
 * processes can still interleave, which the steps' ids keep safe (a short vault then fails the round retryably).
 *
 * @example
 * const exclusive = createVaultLocks();
 * await Promise.all(rounds.map((releases) => runNettingRound({ ...input, releases, exclusive })));
 */
export function createVaultLocks(): VaultLocks {
  const tails = new Map<number, Promise<unknown>>();
  return async <T>(chainId: number, work: () => Promise<T>): Promise<T> => {
    const done = (tails.get(chainId) ?? Promise.resolve()).then(work);
    const tail = done.catch(() => undefined);
    tails.set(chainId, tail);
    try {
      return await done;
    } finally {
      if (tails.get(chainId) === tail) tails.delete(chainId);
    }
  };
}

/** A net transfer between two EVM vaults, sent over the OFT. */
export interface BridgedTransfer extends VaultTransfer {
  stepId: Hex;
  sourceTransaction: Hex;
  guid: Hex;
  /** False when an earlier run had already sent it. */
  sent: boolean;
  /** Transactions this run sent to deliver the packet (verify, commit, lzReceive); empty if already delivered. */
  deliveryTransactions: string[];
}

/** A payout a vault made on its own chain. */
export interface PaidPayout extends VaultPayout {
  stepId: Hex;
  transactionHash: Hex;
  sent: boolean;
}

/** A transfer to or from the Solana vault: not bridged by this executor, left open between the two vaults. */
export interface OpenVaultBalance extends VaultTransfer {
  reason: string;
}

/** What a netting round did: the plan, and per step what the chains show. */
export interface NettingRecord {
  roundId: string;
  plan: NettingPlan;
  bridged: BridgedTransfer[];
  paid: PaidPayout[];
  /** Inter-vault balances to rebalance over Wormhole Token Bridge / NTT in production (Solana legs). */
  openBalances: OpenVaultBalance[];
  /** Payouts the Solana vault owes Solana payees: its multisig pays them; this executor does not sign Solana. */
  solanaPayouts: VaultPayout[];
}

const SOLANA_LEG =
  "Solana leg: no Wormhole/LayerZero Solana programs run here; in production the vaults rebalance over Wormhole " +
  "Token Bridge/NTT. The EVM vault pays its payees from its own inventory meanwhile.";

/**
 * Settles what the netting vaults owe after the escrows paid out a round of (model, epoch)s: plans the round with
 * core's `planNetting`, sends every EVM -> EVM net transfer once as an OFT `send` from the surplus vault and
 * delivers it through the LayerZero transport (slabridge plays DVN and executor), then has each EVM vault pay each
 * of its payees their summed shares (ERC-20 transfers).
 *
 * Idempotent: every step has a deterministic id (round, kind, chains / payee) carried in its transaction's calldata,
 * and each vault looks for that id on chain before sending (see core's `NettingVault`); the OFT packet is found
 * again from the source transaction by its GUID and delivered only if the destination has not executed it. Running a
 * round again, after a crash at any point or concurrently, sends nothing that was already sent.
 *
 * Solana legs are not bridged here (no Wormhole/LayerZero Solana programs can run in reach): a transfer to or from
 * the Solana vault is recorded in `openBalances`, to be rebalanced over Wormhole Token Bridge/NTT in production, and
 * EVM vaults pay their payees from their own inventory (the devnet funds each EVM vault with some). Payouts of Solana
 * payees are listed in `solanaPayouts` for the Solana vault's multisig.
 *
 * Throws {@link InvalidNettingRoundError} (nothing sent) when a chain of the plan has no vault or eid, and
 * {@link NettingVaultNotReadyError} (retryable) when a vault holds less than it must pay now.
 *
 * @example
 * ```ts
 * const record = await runNettingRound({ roundId: "2026-11-27T20", releases, vaults, openChains, eids, transport });
 * record.bridged; // [{ from: 31337, to: 31338, amount: 400_000n, guid: "0x…", sent: true, ... }]
 * ```
 */
export async function runNettingRound(input: NettingRoundInput): Promise<NettingRecord> {
  const plan = planNetting(input.releases);
  const evm = (chain: number) => !input.openChains.has(chain);
  for (const [chain, received] of input.vaultReceived ?? []) {
    const holdings = plan.positions.find((p) => p.chain === chain)?.holdings ?? 0n;
    if (holdings !== received) {
      throw new InvalidNettingRoundError(`the vault on chain ${chain} received ${received}, the plan says ${holdings}`);
    }
  }
  for (const position of plan.positions) {
    if (!evm(position.chain)) continue;
    if (!input.vaults.has(position.chain)) {
      throw new InvalidNettingRoundError(`chain ${position.chain} is in the plan but has no netting vault`);
    }
  }
  for (const payout of plan.payouts) {
    if (evm(payout.chain) && !vaultOf(input, payout.chain).isAccount(payout.account)) {
      throw new InvalidNettingRoundError(`payee ${payout.account} on chain ${payout.chain} is not an EVM address`);
    }
  }
  const bridges = plan.transfers.filter((t) => evm(t.from) && evm(t.to));
  for (const transfer of bridges) {
    if (!input.eids.has(transfer.to)) throw new InvalidNettingRoundError(`chain ${transfer.to} has no LayerZero eid`);
  }

  const exclusive: VaultLocks = input.exclusive ?? ((_chain, work) => work());
  const bridged: BridgedTransfer[] = [];
  for (const transfer of bridges) {
    const source = vaultOf(input, transfer.from);
    const destination = vaultOf(input, transfer.to);
    const stepId = nettingStepId(input.roundId, "bridge", [transfer.from, transfer.to]);
    const eid = input.eids.get(transfer.to) ?? 0;
    const sent = await exclusive(transfer.from, () =>
      source.bridge(stepId, eid, destination.address, transfer.amount, input.hooks),
    );
    const refs = await input.transport.messagesIn(transfer.from, sent.transactionHash);
    const ref = refs.find((r: MessageRef) => r.messageId.toLowerCase() === sent.guid.toLowerCase());
    if (!ref)
      throw new NettingVaultNotReadyError(transfer.from, `OFT packet ${sent.guid} not found in its transaction`);
    const delivery = await input.transport.deliver(ref, transfer.to);
    if (delivery.status !== "delivered") {
      throw new NettingVaultNotReadyError(transfer.to, `OFT packet ${sent.guid} is ${delivery.status}`);
    }
    bridged.push({
      ...transfer,
      stepId,
      sourceTransaction: sent.transactionHash,
      guid: sent.guid,
      sent: sent.sent,
      deliveryTransactions: delivery.transactions,
    });
  }

  const paid: PaidPayout[] = [];
  for (const chain of [...new Set(plan.payouts.map((p) => p.chain))].filter(evm)) {
    paid.push(...(await exclusive(chain, () => payChainPayees(input, chain, plan.payouts))));
  }

  return {
    roundId: input.roundId,
    plan,
    bridged,
    paid,
    openBalances: plan.transfers.filter((t) => !evm(t.from) || !evm(t.to)).map((t) => ({ ...t, reason: SOLANA_LEG })),
    solanaPayouts: plan.payouts.filter((p) => !evm(p.chain)),
  };
}

/** Pays every payee of `chain` its netted share, unless paid; refuses to start when the vault cannot pay them all. */
async function payChainPayees(
  input: NettingRoundInput,
  chain: number,
  payouts: readonly VaultPayout[],
): Promise<PaidPayout[]> {
  const vault = vaultOf(input, chain);
  const steps = payouts
    .filter((p) => p.chain === chain)
    .map((payout) => ({
      payout,
      to: payout.account,
      stepId: nettingStepId(input.roundId, "payout", [chain, payout.account.toLowerCase()]),
    }));
  // What is still unpaid must be covered before the first transfer, so a short vault pays no one rather than some.
  let owed = 0n;
  for (const step of steps) if (!(await vault.findPayout(step.stepId, step.to))) owed += step.payout.amount;
  const held = await vault.balance();
  if (held < owed) throw new NettingVaultNotReadyError(chain, `it holds ${held} but owes ${owed} to its payees`);
  const paid: PaidPayout[] = [];
  for (const step of steps) {
    const result = await vault.pay(step.stepId, step.to, step.payout.amount, input.hooks);
    paid.push({ ...step.payout, stepId: step.stepId, ...result });
  }
  return paid;
}

function vaultOf(input: NettingRoundInput, chain: number): NettingVault {
  const vault = input.vaults.get(chain);
  if (!vault) throw new InvalidNettingRoundError(`chain ${chain} has no netting vault`);
  return vault;
}
