import { hostBondAbi, modelRegistryAbi, slaOracleAbi } from "@slabridge/contracts";
import {
  type ChainStatusReader,
  type ConservationReport,
  type CursorStore,
  checkConservation,
  combineStablecoinLedgers,
  type EpochRelease,
  payoutDustIndex,
  planNetting,
  type SettlementPayee,
  SlabridgeError,
  SOLANA_CHAIN_ID,
  type StablecoinLedgerReader,
  topUpShares,
} from "@slabridge/core";
import { type DemoTraffic, type Devnet, devnetChainsOf } from "@slabridge/devnet";
import { readEscrowPayouts } from "@slabridge/evm";
import { readNetRoundOutcome } from "@slabridge/netting";
import { PublicKey } from "@solana/web3.js";
import { type Hex, type PublicClient, pad } from "viem";
import { publicKeyToAddress } from "viem/accounts";

/** Money of one (model, epoch) on one payment chain, in stablecoin base units. */
export interface ChainMoney {
  paid: bigint;
  refunded: bigint;
  /** The buyers' shares of the host's slashed bond paid so far, on top of `refunded`. */
  toppedUp: bigint;
  paidOut: bigint;
  /** Pay per call: the calls a gateway charged for it (undefined: paid by escrow or vault payments). */
  calls?: number;
}

/** The host bond side of a (model, epoch): what the home HostBond slashed and each payment chain's top-up. */
export interface EpochBond {
  /** The HostBond settled the epoch (slashed it, or found nothing to slash). */
  settled: boolean;
  slashed: bigint;
  topUps: Map<number, bigint>;
}

/** One row of the final table: the SLA figures and verdict of a (model, epoch), and its money per chain. */
export interface EpochRow {
  modelId: bigint;
  host: string;
  epoch: bigint;
  verdict?: { p95Ms: number; uptimeBps: number; refundBps: number; sampleCount: number };
  chains: Map<number, ChainMoney>;
  bond: EpochBond;
}

/**
 * One account's proof on one chain: the balance change its roles call for (buyer: −paid + refunds; payee: its split
 * shares paid on this chain; netting vault: the shares it holds for payees elsewhere) against the change on chain.
 */
export interface AccountProof {
  chainId: number;
  /** 32-byte hex (EVM addresses left-padded). */
  account: Hex;
  roles: string[];
  expected: bigint;
  actual: bigint;
  /** Of `actual`: deposits still in the buyer's x402 channels (pay per call). */
  inChannels?: bigint;
  holds: boolean;
}

/** Everything the main job prints at the end. */
export interface SettlementReport {
  chainNames: Map<number, string>;
  rows: EpochRow[];
  accounts: AccountProof[];
  /** Shares of payees whose payout chain differs from where the money was released: held by that chain's vault. */
  heldForNetting: bigint;
  /** What the netting rounds did, summed: vault payouts to payees, OFT transfers, balances left open with Solana. */
  netting: {
    rounds: number;
    paidToPayees: bigint;
    bridged: { from: number; to: number; amount: bigint; guid: string }[];
    open: { from: number; to: number; amount: bigint }[];
    solanaPayoutsOwed: bigint;
    solanaPaid: bigint;
  };
  conservation: ConservationReport;
  /** Each model's bond on the home chain at the end (what is left after slashes). */
  bonds: { modelId: bigint; host: string; amount: bigint }[];
}

/** The accounts the proofs are about, keyed `<chainId>:<32-byte hex>`, with their roles. */
export type AccountBook = Map<string, { chainId: number; account: Hex; roles: Set<string> }>;

/** What {@link collectSettlementReport} reads. */
export interface SettlementReportInput {
  devnet: Devnet;
  /** Read-only clients; the home chain's gives the verdicts and split tables. */
  clients: ReadonlyMap<number, PublicClient>;
  traffic: DemoTraffic;
  planned: ReadonlyArray<{ modelId: bigint; epoch: bigint }>;
  /** Balances before the traffic (see {@link snapshotAccounts}). */
  before: Map<string, bigint>;
  accounts: AccountBook;
  /** The status read model's chains: each payment chain's money of an epoch, and the chains' names. */
  chains: readonly ChainStatusReader[];
  /** Every chain's stablecoin: the proofs' balances and the conservation check. */
  ledgers: readonly StablecoinLedgerReader[];
  /** Where the netting rounds record their outcome. */
  cursors: CursorStore;
  /**
   * Pay per call: what each buyer still holds in its x402 channels (deposited, not claimed), by chain and account.
   * It is the buyer's money, outside its wallet: the proof counts it with the wallet's change.
   */
  unspentDeposits?: ReadonlyMap<number, ReadonlyMap<string, bigint>>;
  /** Pay per call: every call the demo buyers and the probers made through a gateway (the table counts the charged ones). */
  calls?: ReadonlyArray<{ chainId: number; modelId?: bigint | undefined; epoch?: bigint | undefined; charged: bigint }>;
}

/** The main job found the devnet without what it reads (a home chain's registry or oracle, a chain's ledger). */
export class MainJobShapeError extends SlabridgeError {
  override name = "MainJobShapeError";
}

const BPS = 10_000n;
/** Accounts are keyed as 32-byte hex: EVM addresses (20 bytes) are left-padded, as in the split table. */
const key = (chainId: number, account: string) =>
  `${chainId}:${(account.length === 42 ? pad(account as Hex) : account).toLowerCase()}`;

/**
 * The devnet's home chain with a client: its registry, oracle and revenue ledger (the report and the settlement
 * checks read them).
 *
 * @example const { client, slaOracle } = homeOf(devnet, clients);
 */
export function homeOf(devnet: Devnet, clients: ReadonlyMap<number, PublicClient>) {
  const { manifest } = devnet;
  const home = devnetChainsOf(manifest).evm.find((chain) => chain.chainId === manifest.homeChainId);
  const client = clients.get(manifest.homeChainId);
  const { modelRegistry, slaOracle, revenueLedger, hostBond } = home?.contracts ?? {};
  if (!modelRegistry || !slaOracle || !revenueLedger || !client) throw new MainJobShapeError("no home chain");
  return { client, modelRegistry, slaOracle, revenueLedger, hostBond };
}

/**
 * The home HostBond's view of a (model, epoch): whether it settled the epoch, what it slashed, and the top-up it
 * assigned to each of `chainIds` (all zero when the deployment has no HostBond).
 *
 * @example const bond = await epochBond(devnet, clients, 2n, 14n, [31337, 31338]);
 */
export async function epochBond(
  devnet: Devnet,
  clients: ReadonlyMap<number, PublicClient>,
  modelId: bigint,
  epoch: bigint,
  chainIds: readonly number[],
): Promise<EpochBond> {
  const home = homeOf(devnet, clients);
  const topUps = new Map(chainIds.map((chainId) => [chainId, 0n]));
  if (!home.hostBond) return { settled: false, slashed: 0n, topUps };
  const bond = { address: home.hostBond, abi: hostBondAbi } as const;
  const [settled, slashed] = await home.client.readContract({
    ...bond,
    functionName: "slashOf",
    args: [modelId, epoch],
  });
  for (const chainId of chainIds) {
    topUps.set(
      chainId,
      await home.client.readContract({ ...bond, functionName: "topUpOf", args: [modelId, epoch, chainId] }),
    );
  }
  return { settled, slashed, topUps };
}

/**
 * The split table of a (model, epoch) from the home registry, in table order (accounts lower-case 32-byte hex).
 *
 * @example const payees = await epochPayees(devnet, clients, 2n, 14n);
 */
export async function epochPayees(
  devnet: Devnet,
  clients: ReadonlyMap<number, PublicClient>,
  modelId: bigint,
  epoch: bigint,
): Promise<(SettlementPayee & { account: Hex })[]> {
  const home = homeOf(devnet, clients);
  const payees = await home.client.readContract({
    address: home.modelRegistry,
    abi: modelRegistryAbi,
    functionName: "payees",
    args: [modelId, epoch],
  });
  return payees.map((p) => ({
    chain: p.chain,
    account: p.account.toLowerCase() as Hex,
    shareBps: p.shareBps,
    role: p.role,
  }));
}

/**
 * Every account the story touches, with its roles: the demo buyers (and the probers' payers) on every payment chain, each model's payees (its
 * split table, on their payout chains) and each chain's netting vault.
 *
 * @example const accounts = await accountBook(devnet, clients, traffic);
 */
export async function accountBook(
  devnet: Devnet,
  clients: ReadonlyMap<number, PublicClient>,
  traffic: DemoTraffic,
): Promise<AccountBook> {
  const book: AccountBook = new Map();
  const add = (chainId: number, account: string, role: string) => {
    const entry = book.get(key(chainId, account)) ?? {
      chainId,
      account: accountHex(account),
      roles: new Set(),
    };
    entry.roles.add(role);
    book.set(key(chainId, account), entry);
  };
  for (const chainId of traffic.paymentChains()) {
    for (const buyer of traffic.buyerAccounts(chainId)) add(chainId, buyer, "buyer");
  }
  const { manifest } = devnet;
  // The probers' payers buy probe calls through the gateways like any buyer: their payments are booked, refunded and
  // proven the same way (on the EVM chains, where they pay).
  const evmChains = new Set(devnetChainsOf(manifest).evm.map((chain) => chain.chainId));
  for (const chainId of traffic.paymentChains().filter((id) => evmChains.has(id))) {
    for (const ref of manifest.keys.proberPayers ?? []) {
      if (ref.kind === "anvil-dev-account") add(chainId, ref.address, "prober payer");
      if (ref.kind === "kms") add(chainId, publicKeyToAddress(ref.publicKey as Hex), "prober payer");
    }
  }
  const home = homeOf(devnet, clients);
  const roleNames = ["creator", "data contributor", "validator", "host", "protocol fee", "parent creator"];
  for (const model of manifest.models) {
    const modelId = BigInt(model.modelId);
    const epoch = await home.client.readContract({
      address: home.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "currentEpoch",
      args: [modelId],
    });
    for (const payee of await epochPayees(devnet, clients, modelId, epoch))
      add(payee.chain, payee.account, (payee.role === undefined ? undefined : roleNames[payee.role]) ?? "payee");
  }
  for (const vault of manifest.keys.nettingVaults ?? []) add(vault.chainId, vault.account, "netting vault");
  return book;
}

/**
 * Reads the balance of every account of the book now, each through its chain's ledger (the main job calls it before
 * the traffic and at the end).
 *
 * @example const before = await snapshotAccounts(ledgers, accounts);
 */
export async function snapshotAccounts(
  ledgers: readonly StablecoinLedgerReader[],
  accounts: AccountBook,
): Promise<Map<string, bigint>> {
  const balances = new Map<string, bigint>();
  for (const ledger of ledgers) {
    const entries = [...accounts].filter(([, entry]) => entry.chainId === ledger.chainId);
    const amounts = await ledger.balances(entries.map(([, entry]) => entry.account));
    for (const [i, [k]] of entries.entries()) balances.set(k, amounts[i] ?? 0n);
  }
  const missing = [...accounts.values()].find((entry) => !ledgers.some((ledger) => ledger.chainId === entry.chainId));
  if (missing) throw new MainJobShapeError(`no stablecoin ledger for chain ${missing.chainId}`);
  return balances;
}

/**
 * Collects the final table from the chains: verdict figures from the home SlaOracle's `VerdictRecorded` events,
 * money per payment chain from the status read model's chain readers (`epochMoney`); then every account's balance
 * change checked against what its roles call for (core's netting plan gives each payee's share per source chain, and
 * whether it is paid directly or held by that chain's vault), and the conservation of the stablecoin over all chains
 * (core's `checkConservation` on every chain's ledger).
 *
 * @example const report = await collectSettlementReport({ devnet, clients, traffic, planned, before, accounts, chains, ledgers, cursors });
 */
export async function collectSettlementReport(input: SettlementReportInput): Promise<SettlementReport> {
  const { manifest } = input.devnet;
  const chainNames = new Map(input.chains.map((chain) => [chain.chainId, chain.name]));
  const home = homeOf(input.devnet, input.clients);
  const verdictLogs = await home.client.getContractEvents({
    address: home.slaOracle,
    abi: slaOracleAbi,
    eventName: "VerdictRecorded",
    fromBlock: 0n,
  });
  const verdicts = new Map(
    verdictLogs.map((log) => [
      `${log.args.modelId}:${log.args.epoch}`,
      {
        p95Ms: Number(log.args.p95Ms),
        uptimeBps: Number(log.args.uptimeBps),
        refundBps: Number(log.args.refundBps),
        sampleCount: Number(log.args.sampleCount),
      },
    ]),
  );

  const rows: EpochRow[] = [];
  const releases: EpochRelease[] = [];
  for (const { modelId, epoch } of input.planned) {
    const model = manifest.models.find((m) => BigInt(m.modelId) === modelId);
    const verdict = verdicts.get(`${modelId}:${epoch}`);
    const bond = await epochBond(
      input.devnet,
      input.clients,
      modelId,
      epoch,
      input.chains.map((chain) => chain.chainId),
    );
    const row: EpochRow = { modelId, host: model?.hostName ?? "?", epoch, chains: new Map(), bond };
    if (verdict) row.verdict = verdict;
    const payees = await epochPayees(input.devnet, input.clients, modelId, epoch);
    const released = new Map<number, bigint>();
    for (const chain of input.chains) {
      const topUp = bond.topUps.get(chain.chainId) ?? 0n;
      const money = await chain.settlement?.epochMoney({
        modelId,
        epoch,
        refundBps: verdict?.refundBps,
        payees,
        ...(topUp > 0n ? { topUp } : {}),
      });
      if (!money) continue;
      const calls = input.calls?.filter(
        (call) =>
          call.chainId === chain.chainId && call.modelId === modelId && call.epoch === epoch && call.charged > 0n,
      ).length;
      row.chains.set(chain.chainId, {
        paid: money.paid,
        refunded: money.refunded,
        toppedUp: money.topUpPaid ?? 0n,
        paidOut: money.paidOut,
        ...(calls ? { calls } : {}),
      });
      if (money.released !== undefined) released.set(chain.chainId, money.released);
    }
    rows.push(row);
    releases.push({ modelId, epoch, released, payees, dustIndex: await payoutDust(input, modelId, epoch, payees) });
  }

  // What every account should have gained or lost, by role.
  const expected = new Map<string, bigint>();
  const credit = (chainId: number, account: string, amount: bigint) =>
    expected.set(key(chainId, account), (expected.get(key(chainId, account)) ?? 0n) + amount);
  for (const payment of input.traffic.payments) {
    const bps = BigInt(verdicts.get(`${payment.modelId}:${payment.epoch}`)?.refundBps ?? 0);
    credit(payment.chainId, payment.buyer, (payment.amount * bps) / BPS - payment.amount);
  }
  const vaultOf = new Map((manifest.keys.nettingVaults ?? []).map((v) => [v.chainId, v.account.toLowerCase()]));
  // Host bonds: the slash went into the home chain's netting vault; each chain's vault advanced that chain's
  // top-up to its escrow (the Solana vault pays it itself), which shares it over the epoch's payments.
  for (const row of rows) {
    const homeVault = vaultOf.get(manifest.homeChainId);
    if (homeVault && row.bond.slashed > 0n) credit(manifest.homeChainId, homeVault, row.bond.slashed);
    for (const [chainId, topUp] of row.bond.topUps) {
      if (topUp === 0n) continue;
      const vault = vaultOf.get(chainId);
      if (vault) credit(chainId, vault, -topUp);
      const payments = input.traffic.payments
        .filter((p) => p.chainId === chainId && p.modelId === row.modelId && p.epoch === row.epoch)
        .sort(canonicalPaymentOrder);
      const shares = topUpShares(
        topUp,
        payments.map((p) => p.amount),
      );
      for (const [i, payment] of payments.entries()) credit(chainId, payment.buyer, shares[i] ?? 0n);
    }
  }
  // A netting vault that takes the payments itself (a vault, not a separate account) holds netted shares in place.
  const custodians = new Set(input.ledgers.flatMap((ledger) => ledger.custodians.map((c) => key(ledger.chainId, c))));
  const holdsInPlace = (chainId: number, account: string) => custodians.has(key(chainId, account));
  let heldForNetting = 0n;
  const plan = planNetting(releases.filter((r) => r.released.size > 0));
  for (const share of plan.shares) {
    if (share.via === "direct") {
      credit(share.sourceChain, share.payee.account, share.amount);
    } else {
      heldForNetting += share.amount;
      const vault = vaultOf.get(share.sourceChain);
      if (vault && !holdsInPlace(share.sourceChain, vault)) credit(share.sourceChain, vault, share.amount);
    }
  }

  // What the netting rounds did: each vault paid payees on its chain, OFT sends moved the net between EVM vaults.
  const netting: SettlementReport["netting"] = {
    rounds: 0,
    paidToPayees: 0n,
    bridged: [],
    open: [],
    solanaPayoutsOwed: 0n,
    solanaPaid: 0n,
  };
  for (const { modelId, epoch } of input.planned) {
    const outcome = await readNetRoundOutcome(input.cursors, modelId, epoch);
    if (outcome?.status !== "netted") continue;
    netting.rounds++;
    for (const payout of outcome.paid) {
      const vault = vaultOf.get(payout.chain);
      credit(payout.chain, payout.account, BigInt(payout.amount));
      if (vault) credit(payout.chain, vault, -BigInt(payout.amount));
      netting.paidToPayees += BigInt(payout.amount);
    }
    for (const transfer of outcome.bridged) {
      const from = vaultOf.get(transfer.from);
      const to = vaultOf.get(transfer.to);
      if (from) credit(transfer.from, from, -BigInt(transfer.amount));
      if (to) credit(transfer.to, to, BigInt(transfer.amount));
      netting.bridged.push({ ...transfer, amount: BigInt(transfer.amount) });
    }
    for (const open of outcome.openBalances) netting.open.push({ ...open, amount: BigInt(open.amount) });
    for (const owed of outcome.solanaPayouts) netting.solanaPayoutsOwed += BigInt(owed.amount);
    // The vault that owed these payouts pays them itself (the vault is not in the proofs); each on the owed chain.
    for (const paid of outcome.solanaPaid ?? []) {
      const owed = outcome.solanaPayouts.find((p) => accountHex(p.account) === accountHex(paid.account));
      if (owed) credit(owed.chain, accountHex(paid.account), BigInt(paid.amount));
      netting.solanaPaid += BigInt(paid.amount);
    }
  }

  const ledgerOf = new Map(input.ledgers.map((ledger) => [ledger.chainId, ledger]));
  const accounts: AccountProof[] = [];
  for (const [k, entry] of input.accounts) {
    // Payments and settlements flow through a vault that holds shares in place: no role explains its change alone.
    if (entry.roles.has("netting vault") && holdsInPlace(entry.chainId, entry.account)) continue;
    const ledger = ledgerOf.get(entry.chainId);
    if (!ledger) throw new MainJobShapeError(`no stablecoin ledger for chain ${entry.chainId}`);
    const [now = 0n] = await ledger.balances([entry.account]);
    const inChannels = unspentOf(input.unspentDeposits, entry.chainId, entry.account);
    const actual = now - (input.before.get(k) ?? 0n) + inChannels;
    const want = expected.get(k) ?? 0n;
    if (actual === 0n && want === 0n) continue;
    accounts.push({
      ...entry,
      roles: [...entry.roles],
      expected: want,
      actual,
      ...(inChannels === 0n ? {} : { inChannels }),
      holds: actual === want,
    });
  }

  const ledgers = await Promise.all(input.ledgers.map((ledger) => ledger.ledger()));
  const conservation = checkConservation(combineStablecoinLedgers(ledgers));
  const bonds: SettlementReport["bonds"] = [];
  if (home.hostBond) {
    for (const model of manifest.models) {
      const bond = await home.client.readContract({
        address: home.hostBond,
        abi: hostBondAbi,
        functionName: "bondOf",
        args: [BigInt(model.modelId)],
      });
      bonds.push({ modelId: BigInt(model.modelId), host: model.hostName, amount: bond.amount });
    }
  }
  return { chainNames, rows, accounts, heldForNetting, netting, conservation, bonds };
}

/**
 * The order a chain shares a top-up in: the escrow's payment index on EVM, the payment id on Solana (the vault's
 * refund pass order).
 */
function canonicalPaymentOrder(a: { chainId: number; paymentId: string }, b: { chainId: number; paymentId: string }) {
  if (a.chainId === SOLANA_CHAIN_ID) {
    const [x, y] = [a.paymentId.toLowerCase(), b.paymentId.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return Number(BigInt(a.paymentId) - BigInt(b.paymentId));
}

const units = (amount: bigint) => {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const text = `${abs / 1_000_000n}.${(abs % 1_000_000n).toString().padStart(6, "0")}`;
  return negative ? `−${text}` : text;
};

/**
 * The final table as lines: per model and epoch the SLA figures, the verdict and the money per chain; then each
 * account's balance proof and the conservation verdict.
 *
 * @example for (const line of formatSettlementReport(report)) console.log(line);
 */
export function formatSettlementReport(report: SettlementReport): string[] {
  const chainIds = [...report.chainNames.keys()];
  const header = [
    "model",
    "host",
    "epoch",
    "p95 ms",
    "uptime",
    "verdict",
    ...chainIds.map((id) => `${report.chainNames.get(id)}: paid [calls] / refunded (+ bond) / paid out`),
  ];
  const body = report.rows.map((row) => [
    `${row.modelId}`,
    row.host,
    `${row.epoch}`,
    row.verdict ? `${row.verdict.p95Ms}` : "–",
    row.verdict ? `${(row.verdict.uptimeBps / 100).toFixed(2)}%` : "–",
    row.verdict ? (row.verdict.refundBps === 0 ? "SLA met" : `refund ${row.verdict.refundBps / 100}%`) : "pending",
    ...chainIds.map((id) => {
      const money = row.chains.get(id);
      const bond = money && money.toppedUp > 0n ? ` (+${units(money.toppedUp)})` : "";
      const calls = money?.calls === undefined ? "" : ` [${money.calls}]`;
      return money ? `${units(money.paid)}${calls} / ${units(money.refunded)}${bond} / ${units(money.paidOut)}` : "–";
    }),
  ]);
  const lines = ["", "Settlement per model and epoch (stablecoin, 6 decimals)", ...table([header, ...body])];
  lines.push(
    "",
    "On-chain balance changes: what each account's roles call for vs what the chain shows",
    ...table([
      ["chain", "account", "roles", "expected", "on chain", "ok"],
      ...report.accounts.map((a) => [
        report.chainNames.get(a.chainId) ?? `${a.chainId}`,
        shortAccount(a),
        a.roles.join(", "),
        units(a.expected),
        a.inChannels === undefined ? units(a.actual) : `${units(a.actual)} (${units(a.inChannels)} in x402 channels)`,
        a.holds ? "yes" : "NO",
      ]),
    ]),
  );
  const slashes = report.rows.filter((row) => row.bond.slashed > 0n);
  if (report.bonds.length > 0) {
    lines.push(
      "",
      `Host bonds (home chain): ${report.bonds.map((b) => `model ${b.modelId} (${b.host}) ${units(b.amount)} left`).join(" · ")}`,
      ...slashes.map(
        (row) =>
          `  model ${row.modelId} epoch ${row.epoch}: slashed ${units(row.bond.slashed)} → buyers' top-ups ${[
            ...row.bond.topUps,
          ]
            .filter(([, amount]) => amount > 0n)
            .map(([chainId, amount]) => `${report.chainNames.get(chainId) ?? chainId} ${units(amount)}`)
            .join(", ")}`,
      ),
      ...(slashes.length === 0 ? ["  no epoch was slashed"] : []),
    );
  }
  const c = report.conservation;
  const n = report.netting;
  const name = (id: number) => report.chainNames.get(id) ?? `${id}`;
  lines.push(
    "",
    `Netting (${n.rounds} rounds): shares for payees on other chains ${units(report.heldForNetting)}; vaults paid payees on their chains ${units(n.paidToPayees)}`,
    ...n.bridged.map(
      (t) =>
        `  bridged ${units(t.amount)} ${name(t.from)} → ${name(t.to)} over LayerZero OFT (guid ${t.guid.slice(0, 10)}…)`,
    ),
    ...summarizeOpen(n.open).map(
      (o) =>
        `  open ${units(o.amount)} ${name(o.from)} → ${name(o.to)} (Solana<->EVM: Wormhole Token Bridge/NTT in production, not runnable here)`,
    ),
    ...(n.solanaPayoutsOwed > 0n
      ? [
          `  Solana payees' shares of EVM revenue ${units(n.solanaPayoutsOwed)}: paid from the Solana vault ${units(n.solanaPaid)}`,
        ]
      : []),
    `Conservation: ${c.holds ? "holds" : "FAILS"} · supply over all chains ${units(c.totalSupply)} = balances ${units(c.totalBalances)} + in flight ${units(c.inFlight)}`,
    ...c.violations.map((v) => `  ${v}`),
  );
  return lines;
}

/**
 * An account as the proofs key it: 32-byte hex, lower case. EVM addresses are left-padded; accounts the netting
 * outcome names in base58 (public keys) become their bytes.
 */
/**
 * Which payout took the rounding dust on each EVM chain (the one completing 10,000 bps, in whatever order the payouts
 * arrived), read from the model's book's `PaidOut` events, so the expected splits are the ones the chain made.
 */
async function payoutDust(
  input: SettlementReportInput,
  modelId: bigint,
  epoch: bigint,
  payees: readonly SettlementPayee[],
): Promise<Map<number, number>> {
  const dust = new Map<number, number>();
  for (const chain of devnetChainsOf(input.devnet.manifest).evm) {
    const client = input.clients.get(chain.chainId);
    const book = chain.contracts.slaReceivers?.[modelId.toString()] ?? chain.contracts.escrow;
    if (!client || !book) continue;
    const events = await readEscrowPayouts({ chainId: chain.chainId, client, escrow: book, modelId, epoch });
    if (events.length === 0) continue;
    const total = events.reduce((sum, event) => sum + event.amount, 0n);
    const paid = new Map(events.map((event) => [event.payoutIndex, event.amount]));
    const index = payoutDustIndex(total, payees, paid, `payouts(${modelId}, ${epoch}) on ${chain.name}`);
    if (index !== undefined) dust.set(chain.chainId, index);
  }
  return dust;
}

function unspentOf(unspent: SettlementReportInput["unspentDeposits"], chainId: number, account: string): bigint {
  for (const [holder, amount] of unspent?.get(chainId) ?? [])
    if (key(chainId, holder) === key(chainId, account)) return amount;
  return 0n;
}

function accountHex(account: string): Hex {
  if (account.startsWith("0x")) return pad(account.toLowerCase() as Hex);
  return `0x${Buffer.from(new PublicKey(account).toBytes()).toString("hex")}`;
}

function summarizeOpen(open: readonly { from: number; to: number; amount: bigint }[]) {
  const sums = new Map<string, { from: number; to: number; amount: bigint }>();
  for (const o of open) {
    const k = `${o.from}>${o.to}`;
    const entry = sums.get(k) ?? { from: o.from, to: o.to, amount: 0n };
    entry.amount += o.amount;
    sums.set(k, entry);
  }
  return [...sums.values()];
}

/** A left-padded EVM address (12 zero bytes, then 20) prints as the address; any other account as its 32 bytes. */
function shortAccount(proof: AccountProof): string {
  const padded = proof.account.startsWith("0x000000000000000000000000");
  const hex = padded ? `0x${proof.account.slice(-40)}` : proof.account;
  return `${hex.slice(0, 8)}…${hex.slice(-4)}`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  const line = (row: string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  const [head, ...rest] = rows;
  return head ? [line(head), widths.map((w) => "─".repeat(w)).join("  "), ...rest.map(line)] : [];
}
