import { escrowAbi, modelRegistryAbi, slaOracleAbi } from "@slabridge/contracts";
import {
  type ConservationReport,
  type CursorStore,
  checkConservation,
  type EpochRelease,
  planNetting,
  type SettlementPayee,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import { type DemoTraffic, type Devnet, devnetChainsOf, devnetStablecoinAbi } from "@slabridge/devnet";
import { readStablecoinLedger } from "@slabridge/evm";
import { readNetRoundOutcome } from "@slabridge/netting";
import { readSolanaStablecoinSupply } from "@slabridge/solana";
import { Connection, PublicKey } from "@solana/web3.js";
import { type Address, getAddress, type Hex, hexToBytes, type PublicClient, pad } from "viem";
import type { SolanaSettlementTarget } from "../context/SolanaSettlementTarget.ts";

/** Money of one (model, epoch) on one payment chain, in stablecoin base units. */
export interface ChainMoney {
  paid: bigint;
  refunded: bigint;
  paidOut: bigint;
}

/** One row of the final table: the SLA figures and verdict of a (model, epoch), and its money per chain. */
export interface EpochRow {
  modelId: bigint;
  host: string;
  epoch: bigint;
  verdict?: { p95Ms: number; uptimeBps: number; refundBps: number; sampleCount: number };
  chains: Map<number, ChainMoney>;
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
}

/** The accounts the proofs are about, keyed `<chainId>:<32-byte hex>`, with their roles. */
export type AccountBook = Map<string, { chainId: number; account: Hex; roles: Set<string> }>;

/** What {@link collectSettlementReport} reads. */
export interface SettlementReportInput {
  devnet: Devnet;
  clients: ReadonlyMap<number, PublicClient>;
  traffic: DemoTraffic;
  planned: ReadonlyArray<{ modelId: bigint; epoch: bigint }>;
  /** Balances before the traffic (see {@link snapshotAccounts}). */
  before: Map<string, bigint>;
  accounts: AccountBook;
  solanaSettlement?: SolanaSettlementTarget | undefined;
  /** Where the netting rounds record their outcome. */
  cursors: CursorStore;
}

const BPS = 10_000n;
const RELEASED = 2;
/** Accounts are keyed as 32-byte hex: EVM addresses (20 bytes) are left-padded, as in the split table. */
const key = (chainId: number, account: string) =>
  `${chainId}:${(account.length === 42 ? pad(account as Hex) : account).toLowerCase()}`;
const evmWord = (address: string) => pad(address as Hex).toLowerCase() as Hex;

/**
 * Every account the story touches, with its roles: the demo buyers on every payment chain, each model's payees (its
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
  const add = (chainId: number, account: Hex, role: string) => {
    const entry = book.get(key(chainId, account)) ?? {
      chainId,
      account: account.toLowerCase() as Hex,
      roles: new Set(),
    };
    entry.roles.add(role);
    book.set(key(chainId, account), entry);
  };
  for (const chainId of traffic.paymentChains()) {
    if (chainId === SOLANA_CHAIN_ID) {
      for (const buyer of traffic.solanaBuyers())
        add(chainId, `0x${Buffer.from(buyer.publicKey.toBytes()).toString("hex")}`, "buyer");
    } else {
      for (const buyer of traffic.evmBuyers()) add(chainId, evmWord(buyer), "buyer");
    }
  }
  const { manifest } = devnet;
  const home = devnetChainsOf(manifest).evm.find((chain) => chain.chainId === manifest.homeChainId);
  const homeClient = clients.get(manifest.homeChainId);
  if (!home?.contracts.modelRegistry || !homeClient) throw new Error("no home registry");
  const roleNames = ["creator", "data contributor", "validator", "host", "protocol fee", "parent creator"];
  for (const model of manifest.models) {
    const modelId = BigInt(model.modelId);
    const epoch = await homeClient.readContract({
      address: home.contracts.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "currentEpoch",
      args: [modelId],
    });
    const payees = await homeClient.readContract({
      address: home.contracts.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "payees",
      args: [modelId, epoch],
    });
    for (const payee of payees) add(payee.chain, payee.account, roleNames[payee.role] ?? "payee");
  }
  for (const vault of manifest.keys.nettingVaults ?? []) add(vault.chainId, vault.account as Hex, "netting vault");
  return book;
}

/**
 * Reads the balance of every account of the book now (the main job calls it before the traffic and at the end).
 *
 * @example const before = await snapshotAccounts(devnet, clients, traffic, accounts);
 */
export async function snapshotAccounts(
  devnet: Devnet,
  clients: ReadonlyMap<number, PublicClient>,
  traffic: DemoTraffic,
  accounts: AccountBook,
): Promise<Map<string, bigint>> {
  const balances = new Map<string, bigint>();
  for (const [k, entry] of accounts)
    balances.set(k, await balanceOf(devnet, clients, traffic, entry.chainId, entry.account));
  return balances;
}

async function balanceOf(
  devnet: Devnet,
  clients: ReadonlyMap<number, PublicClient>,
  traffic: DemoTraffic,
  chainId: number,
  account: Hex,
): Promise<bigint> {
  if (chainId === SOLANA_CHAIN_ID) {
    const solana = devnetChainsOf(devnet.manifest).solana;
    const key32 = new PublicKey(hexToBytes(account));
    // The vault is a token account itself; every other Solana account is an owner of token accounts.
    if (solana && key32.toBase58() === solana.vault) {
      const connection = new Connection(solana.rpcUrl, "confirmed");
      return BigInt((await connection.getTokenAccountBalance(key32)).value.amount);
    }
    return traffic.solanaTokenBalance(key32);
  }
  const chain = devnetChainsOf(devnet.manifest).evm.find((c) => c.chainId === chainId);
  const client = clients.get(chainId);
  if (!chain || !client) throw new Error(`no chain ${chainId}`);
  return client.readContract({
    address: chain.stablecoin.address as Address,
    abi: devnetStablecoinAbi,
    functionName: "balanceOf",
    args: [getAddress(`0x${account.slice(-40)}`)],
  });
}

/**
 * Collects the final table from the chains: verdict figures from the home SlaOracle's `VerdictRecorded` events,
 * money per EVM chain from each escrow's epoch record and per Solana from the vault's settlement; then every
 * account's balance change checked against what its roles call for (core's netting plan gives each payee's share
 * per source chain, and whether it is paid directly or held by that chain's vault), and the conservation of the
 * stablecoin over all chains (core's `checkConservation` on every EVM token and the Solana mint).
 *
 * @example const report = await collectSettlementReport({ devnet, clients, traffic, planned, before, accounts });
 */
export async function collectSettlementReport(input: SettlementReportInput): Promise<SettlementReport> {
  const { manifest } = input.devnet;
  const chainNames = new Map(devnetChainsOf(manifest).evm.map((chain) => [chain.chainId, chain.name]));
  if (devnetChainsOf(manifest).solana) chainNames.set(SOLANA_CHAIN_ID, "solana");
  const home = devnetChainsOf(manifest).evm.find((chain) => chain.chainId === manifest.homeChainId);
  const homeClient = input.clients.get(manifest.homeChainId);
  if (!home?.contracts.slaOracle || !home.contracts.modelRegistry || !homeClient) throw new Error("no home chain");
  const verdictLogs = await homeClient.getContractEvents({
    address: home.contracts.slaOracle,
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
    const row: EpochRow = { modelId, host: model?.hostName ?? "?", epoch, chains: new Map() };
    if (verdict) row.verdict = verdict;
    const released = new Map<number, bigint>();
    for (const chain of devnetChainsOf(manifest).evm) {
      const client = input.clients.get(chain.chainId);
      if (!chain.contracts.escrow || !client) continue;
      const record = await client.readContract({
        address: chain.contracts.escrow,
        abi: escrowAbi,
        functionName: "epochRecord",
        args: [modelId, epoch],
      });
      row.chains.set(chain.chainId, { paid: record.paid, refunded: record.refunded, paidOut: record.paidOut });
      if (record.status === RELEASED && record.paidOutBps === Number(BPS)) {
        released.set(chain.chainId, record.paid - record.refunded);
      }
    }
    if (devnetChainsOf(manifest).solana) {
      const paid = input.traffic.payments
        .filter((p) => p.chainId === SOLANA_CHAIN_ID && p.modelId === modelId && p.epoch === epoch)
        .reduce((sum, p) => sum + p.amount, 0n);
      const position = verdict ? await input.solanaSettlement?.nettingPosition(modelId, epoch) : undefined;
      row.chains.set(SOLANA_CHAIN_ID, {
        paid,
        refunded: position?.refundsDone ? position.refunded : 0n,
        paidOut: position?.payoutsDone ? position.paidLocally : 0n,
      });
      if (position?.payoutsDone) released.set(SOLANA_CHAIN_ID, position.released);
    }
    rows.push(row);
    const payees = await homeClient.readContract({
      address: home.contracts.modelRegistry,
      abi: modelRegistryAbi,
      functionName: "payees",
      args: [modelId, epoch],
    });
    releases.push({
      modelId,
      epoch,
      released,
      payees: payees.map(
        (p): SettlementPayee => ({
          chain: p.chain,
          account: p.account.toLowerCase(),
          shareBps: p.shareBps,
          role: p.role,
        }),
      ),
    });
  }

  // What every account should have gained or lost, by role.
  const expected = new Map<string, bigint>();
  const credit = (chainId: number, account: string, amount: bigint) =>
    expected.set(key(chainId, account), (expected.get(key(chainId, account)) ?? 0n) + amount);
  for (const payment of input.traffic.payments) {
    const bps = BigInt(verdicts.get(`${payment.modelId}:${payment.epoch}`)?.refundBps ?? 0);
    const account = payment.chainId === SOLANA_CHAIN_ID ? payment.buyer : evmWord(payment.buyer);
    credit(payment.chainId, account, (payment.amount * bps) / BPS - payment.amount);
  }
  const vaultOf = new Map((manifest.keys.nettingVaults ?? []).map((v) => [v.chainId, v.account.toLowerCase()]));
  let heldForNetting = 0n;
  const plan = planNetting(releases.filter((r) => r.released.size > 0));
  for (const share of plan.shares) {
    if (share.via === "direct") {
      credit(share.sourceChain, share.payee.account, share.amount);
    } else {
      heldForNetting += share.amount;
      // The Solana vault is the chain's netting vault: the share simply stays in it.
      const vault = vaultOf.get(share.sourceChain);
      if (vault && share.sourceChain !== SOLANA_CHAIN_ID) credit(share.sourceChain, vault, share.amount);
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
    // The Solana vault pays Solana payees their netted shares itself (the vault is not in the proofs).
    for (const paid of outcome.solanaPaid ?? []) {
      credit(SOLANA_CHAIN_ID, solanaAccountHex(paid.account), BigInt(paid.amount));
      netting.solanaPaid += BigInt(paid.amount);
    }
  }

  const accounts: AccountProof[] = [];
  for (const [k, entry] of input.accounts) {
    if (entry.chainId === SOLANA_CHAIN_ID && devnetChainsOf(manifest).solana && entry.roles.has("netting vault"))
      continue;
    const now = await balanceOf(input.devnet, input.clients, input.traffic, entry.chainId, entry.account);
    const actual = now - (input.before.get(k) ?? 0n);
    const want = expected.get(k) ?? 0n;
    if (actual === 0n && want === 0n) continue;
    accounts.push({ ...entry, roles: [...entry.roles], expected: want, actual, holds: actual === want });
  }

  const conservation = checkConservation(await readLedger(input));
  return { chainNames, rows, accounts, heldForNetting, netting, conservation };
}

async function readLedger(input: SettlementReportInput) {
  const { manifest } = input.devnet;
  const chains = devnetChainsOf(manifest).evm.flatMap((chain) => {
    const client = input.clients.get(chain.chainId);
    return client
      ? [{ chainId: chain.chainId, client, token: chain.stablecoin.address as Address, eid: chain.layerZero.eid }]
      : [];
  });
  const solana = devnetChainsOf(manifest).solana;
  const solanaSupply = solana
    ? await readSolanaStablecoinSupply(
        new Connection(solana.rpcUrl, "confirmed"),
        SOLANA_CHAIN_ID,
        solana.mint,
        new Map([[solana.vault, "vault"]]),
      )
    : undefined;
  return readStablecoinLedger(chains, solanaSupply ? { solana: solanaSupply } : {});
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
    ...chainIds.map((id) => `${report.chainNames.get(id)}: paid / refunded / paid out`),
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
      return money ? `${units(money.paid)} / ${units(money.refunded)} / ${units(money.paidOut)}` : "–";
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
        units(a.actual),
        a.holds ? "yes" : "NO",
      ]),
    ]),
  );
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

/** A Solana account as the proofs key it: 32-byte hex (base58 in the netting outcome). */
function solanaAccountHex(account: string): Hex {
  if (account.startsWith("0x")) return account.toLowerCase() as Hex;
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

function shortAccount(proof: AccountProof): string {
  const hex = proof.chainId === SOLANA_CHAIN_ID ? proof.account : `0x${proof.account.slice(-40)}`;
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
