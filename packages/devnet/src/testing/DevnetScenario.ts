import {
  escrowAbi,
  layerZeroMessengerAbi,
  modelRegistryAbi,
  revenueLedgerAbi,
  slaOracleAbi,
  wormholeMessengerAbi,
} from "@slabridge/contracts";
import {
  type DeploymentManifest,
  type EvmChainManifest,
  encodeMessage,
  type KeyReference,
  manifestRpcUrlOf,
  manifestWsUrlOf,
  pickRefundBps,
  type SlaReport,
  type SolanaChainManifest,
  type StageConfig,
  type TransportName,
} from "@slabridge/core";
import { buildSubmitReportTx, kmsEvmAccount, signSlaReport, walletClientSigner } from "@slabridge/evm";
import { Connection, type Keypair, PublicKey } from "@solana/web3.js";
import {
  type Account,
  type Address,
  type Chain,
  createTestClient,
  type GetContractEventsReturnType,
  getAddress,
  type Hash,
  type Hex,
  http,
  pad,
  parseEventLogs,
  slice,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { devnetChainsOf } from "../devnetChainsOf.ts";
import { devnetStablecoinAbi, wormholeCoreAbi } from "../evm/abis.ts";
import { submitTransaction } from "../evm/submitTransaction.ts";
import { localKmsClient } from "../kms/createDevnetKmsKeys.ts";
import type { Devnet } from "../startDevnet.ts";
import { type DemoPayment, DemoTraffic } from "../traffic/DemoTraffic.ts";
import { DevnetShapeError } from "../traffic/DevnetShapeError.ts";
import { type DevnetStageOptions, devnetStageConfig } from "./devnetStageConfig.ts";

/** One model's epoch on one payment chain: what a refund, a release or a payout is about. */
export interface EpochOnChain {
  chainId: number;
  model: bigint;
  epoch: bigint;
}

/** What the probers measured of a host over an epoch (the report without its ids, root and refund). */
export type SlaMeasurement = Pick<SlaReport, "p50Ms" | "p95Ms" | "p99Ms" | "uptimeBps" | "sampleCount">;

/** Measurements of the demo hosts the tests sign verdicts for. */
export const demoMeasurements = {
  /** The slowP95 host: always up, p95 900 ms against a 500 ms SLA (a latency breach). */
  breachingP95: { p50Ms: 60, p95Ms: 900, p99Ms: 950, uptimeBps: 10_000, sampleCount: 300 },
  /** The healthy host: well inside every term. */
  healthy: { p50Ms: 40, p95Ms: 90, p99Ms: 120, uptimeBps: 10_000, sampleCount: 300 },
} as const satisfies Record<string, SlaMeasurement>;

/** A verdict the home SlaOracle recorded. */
export interface RecordedVerdict {
  report: SlaReport;
  refundBps: number;
  /** The oracle's hash of the report (what a published verdict carries). */
  reportHash: Hex;
  /** The `submitReport` transaction on the home chain. */
  transaction: Hash;
  /** The probers that signed it, in the order they were asked. */
  probers: Address[];
}

/** A message the home chain published (a verdict or a payout). */
export interface PublishedMessage {
  receipt: TransactionReceipt;
  transport: TransportName;
  /** The messenger's message id (LayerZero: the GUID). */
  messageId: Hex;
  /** `chain/emitter/sequence` of the VAA when it went over Wormhole. */
  vaaId?: string;
}

type EscrowEventName = "Refunded" | "Released" | "PaidOut" | "VerdictApplied";
type OracleEventName = "VerdictRecorded" | "VerdictPublished";
type OracleLogs<E extends OracleEventName> = GetContractEventsReturnType<typeof slaOracleAbi, E, undefined, bigint>;
type EscrowLogs<E extends EscrowEventName> = GetContractEventsReturnType<typeof escrowAbi, E, undefined, bigint>;

/**
 * A running devnet seen from a test, with no bot code: the manifest's chains, contracts and keys, the demo buyers
 * (through {@link DemoTraffic}, the main job's payment path), the chains' clocks, verdicts signed by the manifest's
 * probers, payouts published by hand, and readers for balances, payee tables, escrow records and logs. Tests read
 * the manifest only through it, so a change of the manifest's shape is one edit here.
 *
 * @example
 * const scenario = new DevnetScenario(await startDevnet({ epochSeconds: 3, hosts: ["healthy", "slowP95"] }));
 * const payment = await scenario.pay(31337, 2n, 0, 3n);
 * await scenario.passEpochs([{ chainId: 31337, model: 2n, epoch: payment.epoch }]);
 * await scenario.recordVerdict(2n, payment.epoch, { measured: demoMeasurements.breachingP95 });
 * await scenario.publishVerdict(2n, payment.epoch, 31337);
 */
export class DevnetScenario {
  readonly devnet: Devnet;
  readonly manifest: DeploymentManifest;
  /** The demo buyers; every payment made through this scenario is in `traffic.payments`. */
  readonly traffic: DemoTraffic;
  readonly #testClients = new Map<number, ReturnType<typeof anvilTestClient>>();
  #connection: Connection | undefined;

  constructor(devnet: Devnet) {
    this.devnet = devnet;
    this.manifest = devnet.manifest;
    this.traffic = new DemoTraffic(devnet);
  }

  // ------------------------------------------------------------------ chains

  /** The home chain's id (registry, oracle, ledger). */
  get homeChainId(): number {
    return this.manifest.homeChainId;
  }

  /** The home chain's manifest entry. */
  home(): EvmChainManifest {
    return this.chain(this.homeChainId);
  }

  /** Every EVM chain of the devnet. */
  evmChains(): readonly EvmChainManifest[] {
    return devnetChainsOf(this.manifest).evm;
  }

  /** One EVM chain's manifest entry. */
  chain(chainId: number): EvmChainManifest {
    const chain = devnetChainsOf(this.manifest).evm.find((c) => c.chainId === chainId);
    if (!chain) throw new DevnetShapeError(`the devnet has no EVM chain ${chainId}`);
    return chain;
  }

  /** The escrow of an EVM payment chain. */
  escrowOf(chainId: number): Address {
    const escrow = this.chain(chainId).contracts.escrow;
    if (!escrow) throw new DevnetShapeError(`chain ${chainId} has no escrow`);
    return escrow;
  }

  /** A home-chain contract (registry, oracle, ledger). */
  homeContract(name: "modelRegistry" | "slaOracle" | "revenueLedger"): Address {
    const address = this.home().contracts[name];
    if (!address) throw new DevnetShapeError(`the home chain has no ${name}`);
    return address;
  }

  /** The Solana cluster of the devnet. */
  get solana(): SolanaChainManifest {
    const { solana } = devnetChainsOf(this.manifest);
    if (!solana) throw new DevnetShapeError("the devnet has no Solana");
    return solana;
  }

  /** The Solana cluster's chain id, or undefined when the devnet has none. */
  get solanaChainId(): number | undefined {
    return devnetChainsOf(this.manifest).solana?.chainId;
  }

  /** A confirmed-commitment connection to the devnet's Solana RPC. */
  get connection(): Connection {
    this.#connection ??= new Connection(manifestRpcUrlOf(this.solana), {
      commitment: "confirmed",
      wsEndpoint: manifestWsUrlOf(this.solana),
    });
    return this.#connection;
  }

  /** The RPC URL of any chain of the devnet, EVM or Solana. */
  rpcUrl(chainId: number): string {
    const evm = devnetChainsOf(this.manifest).evm.find((c) => c.chainId === chainId);
    if (evm) return manifestRpcUrlOf(evm);
    const { solana } = devnetChainsOf(this.manifest);
    if (solana?.chainId === chainId) return manifestRpcUrlOf(solana);
    throw new DevnetShapeError(`the devnet has no chain ${chainId}`);
  }

  /** The viem public client of an EVM chain. */
  client(chainId: number) {
    return this.devnet.evm.clients(chainId).publicClient;
  }

  /** A stage config over this devnet's chains (see {@link devnetStageConfig}). */
  stageConfig(options: DevnetStageOptions): StageConfig {
    return devnetStageConfig(this.manifest, options);
  }

  // ------------------------------------------------------------------ keys

  /** EVM demo buyer `index` (an anvil dev account). */
  buyer(index: number): Address {
    const buyer = this.traffic.evmBuyers()[index];
    if (!buyer) throw new DevnetShapeError(`no EVM demo buyer ${index}`);
    return buyer;
  }

  /** Solana demo buyer `index` (a key file the devnet wrote). */
  solanaBuyer(index: number): Keypair {
    const buyer = this.traffic.solanaBuyers()[index];
    if (!buyer) throw new DevnetShapeError(`no Solana demo buyer ${index}`);
    return buyer;
  }

  /** The deployer (owner of the registry and the stablecoins). */
  deployer(): Address {
    return roleAddress(this.manifest.keys.deployer);
  }

  /** The netting vault an EVM chain's escrow pays the shares owed elsewhere to. */
  nettingVault(chainId: number): Address {
    const vault = this.nettingVaults().get(chainId);
    if (!vault) throw new DevnetShapeError(`no netting vault on ${chainId}`);
    return vault;
  }

  /** The netting vault of every EVM chain. */
  nettingVaults(): Map<number, Address> {
    const evm = new Set(devnetChainsOf(this.manifest).evm.map((c) => c.chainId));
    return new Map(
      (this.manifest.keys.nettingVaults ?? [])
        .filter((v) => evm.has(v.chainId))
        .map((v) => [v.chainId, getAddress(slice(v.account, 12))]),
    );
  }

  /** The first `count` probers of the manifest (the oracle takes 2 of 3). */
  probers(count = 2): Address[] {
    return this.manifest.keys.probers.slice(0, count).map(roleAddress);
  }

  /** The first `count` probers' report signers: through the devnet's KMS for kms keys, else the node's accounts. */
  #proberSigners(count = 2) {
    const clients = this.devnet.evm.clients(this.homeChainId);
    const kms = this.devnet.kms === undefined ? undefined : localKmsClient(this.devnet.kms.endpoint);
    return this.manifest.keys.probers.slice(0, count).map((ref) => {
      if (ref.kind !== "kms") return walletClientSigner(clients.wallet(anvilAccount(ref)), anvilAccount(ref));
      if (!kms) throw new DevnetShapeError("a kms prober key on a devnet without its KMS");
      const account = kmsEvmAccount({ kms, keyId: ref.keyId, publicKey: ref.publicKey as Hex });
      return { address: account.address, signTypedData: account.signTypedData };
    });
  }

  // ------------------------------------------------------------------ clocks

  /** Mines one block on each EVM chain (anvils mine only on transactions; confirmations count blocks). */
  async mine(chainIds: readonly number[] = devnetChainsOf(this.manifest).evm.map((c) => c.chainId)): Promise<void> {
    for (const chainId of chainIds) await this.#testClient(chainId).mine({ blocks: 1 });
  }

  /** Moves a chain's clock past `endSeconds` and mines (each anvil has its own clock). */
  async passTime(chainId: number, endSeconds: bigint): Promise<void> {
    const now = (await this.client(chainId).getBlock({ blockTag: "latest" })).timestamp;
    const delta = endSeconds > now ? Number(endSeconds - now) + 1 : 1;
    const test = this.#testClient(chainId);
    await test.increaseTime({ seconds: delta });
    await test.mine({ blocks: 1 });
  }

  /** Ends every given epoch on its payment chain (the escrow's clock) and on the home chain (the registry's). */
  async passEpochs(epochs: readonly EpochOnChain[]): Promise<void> {
    const ends = new Map<number, bigint>();
    const later = (chainId: number, end: bigint) => ends.set(chainId, max(ends.get(chainId) ?? 0n, end));
    for (const e of epochs) {
      later(e.chainId, await this.escrowEpochEnd(e));
      later(this.homeChainId, await this.registryEpochEnd(e.model, e.epoch));
    }
    for (const [chainId, end] of ends) await this.passTime(chainId, end);
  }

  /** Sets both anvils' clocks to the later of the two, so a model's payments on either fall in the same epoch. */
  async alignClocks(): Promise<void> {
    const chains = devnetChainsOf(this.manifest).evm.map((c) => c.chainId);
    const now = await Promise.all(chains.map(async (c) => (await this.client(c).getBlock()).timestamp));
    const latest = now.reduce(max, 0n);
    for (const [i, chainId] of chains.entries()) if ((now[i] ?? 0n) < latest) await this.passTime(chainId, latest);
  }

  /** Gives an account native gas on an EVM chain. */
  async fund(chainId: number, address: Address, wei = 10n ** 18n): Promise<void> {
    await this.#testClient(chainId).setBalance({ address, value: wei });
  }

  // ------------------------------------------------------------------ money in

  /** EVM demo buyer `buyerIndex` approves and pays `requests` requests of `model` into `chainId`'s escrow. */
  pay(chainId: number, model: bigint, buyerIndex: number, requests: bigint): Promise<DemoPayment> {
    return this.traffic.payEvm(chainId, buyerIndex, model, requests);
  }

  /** EVM demo buyer `i` pays `requests[i]` requests of `model` on `chainId`, one after the other. */
  async payEach(chainId: number, model: bigint, requests: readonly bigint[]): Promise<DemoPayment[]> {
    const payments: DemoPayment[] = [];
    for (const [i, n] of requests.entries()) payments.push(await this.pay(chainId, model, i, n));
    return payments;
  }

  /** Solana demo buyer `buyerIndex` pays `amount` for `model` into the vault with a payment memo. */
  paySolana(buyerIndex: number, model: bigint, amount: bigint): Promise<DemoPayment> {
    return this.traffic.paySolanaAmount(buyerIndex, model, amount);
  }

  // ------------------------------------------------------------------ verdicts and payouts

  /**
   * Signs the (model, epoch) report with the manifest's first two probers and submits it to the home SlaOracle.
   * The refund is what the registry's terms make of the measurement.
   */
  async recordVerdict(
    model: bigint,
    epoch: bigint,
    options: { measured?: SlaMeasurement; samplesRoot?: Hex } = {},
  ): Promise<RecordedVerdict> {
    const measured = options.measured ?? demoMeasurements.breachingP95;
    const home = this.homeChainId;
    const client = this.client(home);
    const clients = this.devnet.evm.clients(home);
    const oracle = this.homeContract("slaOracle");
    const terms = await client.readContract({
      address: this.homeContract("modelRegistry"),
      abi: modelRegistryAbi,
      functionName: "slaTermsAt",
      args: [model, epoch],
    });
    const report: SlaReport = {
      modelId: model,
      epoch,
      ...measured,
      samplesRoot: options.samplesRoot ?? `0x${"5a".repeat(32)}`,
      receiptCount: 0,
      receiptsRoot: `0x${"00".repeat(32)}`,
      refundBps: pickRefundBps(terms, measured),
    };
    const probers = this.probers();
    const signers = this.#proberSigners();
    const { signatures } = await signSlaReport(report, { chainId: home, oracle }, signers);
    const submit = buildSubmitReportTx({ oracle, report, signatures });
    const submitter = await this.#operator(home);
    const receipt = await submitTransaction(client, "submitReport", () =>
      clients.wallet(submitter).sendTransaction({ to: oracle, data: submit.data }),
    );
    const verdict = await this.verdictOf(model, epoch);
    return {
      report,
      refundBps: report.refundBps,
      reportHash: verdict.reportHash,
      transaction: receipt.transactionHash,
      probers,
    };
  }

  /** The home SlaOracle's verdict of (model, epoch). */
  verdictOf(model: bigint, epoch: bigint) {
    return this.client(this.homeChainId).readContract({
      address: this.homeContract("slaOracle"),
      abi: slaOracleAbi,
      functionName: "verdictOf",
      args: [model, epoch],
    });
  }

  /**
   * Publishes the recorded verdict of (model, epoch) to a payment chain, paying the messenger's quote. The transport
   * defaults to the devnet's wiring: LayerZero to another chain with a LayerZero endpoint, Wormhole otherwise (the
   * home chain's own escrow, Solana).
   */
  async publishVerdict(
    model: bigint,
    epoch: bigint,
    chainId: number,
    options: { transport?: TransportName } = {},
  ): Promise<PublishedMessage> {
    const transport = options.transport ?? this.defaultTransport(chainId);
    const verdict = await this.verdictOf(model, epoch);
    const message = encodeMessage({
      kind: "Verdict",
      modelId: model,
      epoch,
      refundBps: verdict.refundBps,
      reportHash: verdict.reportHash,
      // only for the quote: the oracle fills in the bond top-up, and a message has the same length whatever it is
      topUp: 0n,
    });
    const messenger = this.#messenger(transport);
    const value = await this.#quote(transport, chainId, message);
    const receipt = await this.#sendHome("publishVerdict", (wallet) =>
      wallet.writeContract({
        address: this.homeContract("slaOracle"),
        abi: slaOracleAbi,
        functionName: "publishVerdict",
        args: [model, epoch, chainId, messenger],
        value,
      }),
    );
    const [event] = parseEventLogs({ abi: slaOracleAbi, eventName: "VerdictPublished", logs: receipt.logs });
    if (!event) throw new DevnetShapeError("publishVerdict emitted no VerdictPublished");
    return this.#published(receipt, transport, event.args.messageId);
  }

  /** Publishes payout `payoutIndex` of a released (model, epoch) to `chainId`, paying the messenger's quote. */
  async publishPayout(
    model: bigint,
    epoch: bigint,
    chainId: number,
    payoutIndex: number,
    options: { transport?: TransportName } = {},
  ): Promise<PublishedMessage> {
    const transport = options.transport ?? this.defaultTransport(chainId);
    const entry = (await this.payeesOf(model, epoch))[payoutIndex];
    if (!entry) throw new DevnetShapeError(`model ${model} has no payee ${payoutIndex} in epoch ${epoch}`);
    const message = encodeMessage({
      kind: "Payout",
      modelId: model,
      epoch,
      payoutIndex,
      payee: entry.account,
      shareBps: entry.shareBps,
    });
    const messenger = this.#messenger(transport);
    const value = await this.#quote(transport, chainId, message);
    const receipt = await this.#sendHome(`publishPayout ${payoutIndex}`, (wallet) =>
      wallet.writeContract({
        address: this.homeContract("modelRegistry"),
        abi: modelRegistryAbi,
        functionName: "publishPayout",
        args: [model, epoch, chainId, payoutIndex, messenger],
        value,
      }),
    );
    const [event] = parseEventLogs({ abi: modelRegistryAbi, eventName: "PayoutPublished", logs: receipt.logs });
    if (!event) throw new DevnetShapeError("publishPayout emitted no PayoutPublished");
    return this.#published(receipt, transport, event.args.messageId);
  }

  /** Releases a settled epoch on its escrow by hand (anyone may, once the refunds are done). */
  async release(e: EpochOnChain): Promise<TransactionReceipt> {
    const clients = this.devnet.evm.clients(e.chainId);
    const sender = await this.#operator(e.chainId);
    return submitTransaction(clients.publicClient, "release", () =>
      clients.wallet(sender).writeContract({
        address: this.escrowOf(e.chainId),
        abi: escrowAbi,
        functionName: "release",
        args: [e.model, e.epoch],
      }),
    );
  }

  /** The transport the devnet wires from the home chain to `chainId`. */
  defaultTransport(chainId: number): TransportName {
    const lz = chainId !== this.homeChainId && devnetChainsOf(this.manifest).evm.some((c) => c.chainId === chainId);
    return lz ? "layerzero" : "wormhole";
  }

  // ------------------------------------------------------------------ readers

  /** The devnet stablecoin balance of an account on an EVM chain. */
  balanceOf(chainId: number, account: Address): Promise<bigint> {
    return this.client(chainId).readContract({
      address: this.chain(chainId).stablecoin.address,
      abi: devnetStablecoinAbi,
      functionName: "balanceOf",
      args: [account],
    });
  }

  /** Balances of many accounts, keyed `chainId:account`. */
  async balances(accounts: ReadonlyMap<number, Iterable<Address>>): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    for (const [chainId, list] of accounts) {
      for (const account of list) out.set(`${chainId}:${account}`, await this.balanceOf(chainId, account));
    }
    return out;
  }

  /** An EVM account's transaction count (how many transactions it sent). */
  nonceOf(chainId: number, address: Address): Promise<number> {
    return this.client(chainId).getTransactionCount({ address });
  }

  /** The first token account of the devnet mint a Solana owner holds. */
  async solanaTokenAccount(owner: PublicKey): Promise<PublicKey> {
    const { value } = await this.connection.getTokenAccountsByOwner(owner, { mint: new PublicKey(this.solana.mint) });
    const account = value[0]?.pubkey;
    if (!account) throw new DevnetShapeError(`${owner.toBase58()} has no token account`);
    return account;
  }

  /** The balance of a Solana token account (0 when it does not exist yet). */
  async solanaBalanceOf(tokenAccount: PublicKey): Promise<bigint> {
    const info = await this.connection.getTokenAccountBalance(tokenAccount).catch(() => undefined);
    return BigInt(info?.value.amount ?? "0");
  }

  /** The registry's payee table of (model, epoch). */
  payeesOf(model: bigint, epoch: bigint) {
    return this.client(this.homeChainId).readContract({
      address: this.homeContract("modelRegistry"),
      abi: modelRegistryAbi,
      functionName: "payees",
      args: [model, epoch],
    });
  }

  /** The escrow's record of an epoch (count, refunds, status: 0 open, 1 settled, 2 released). */
  epochRecord(e: EpochOnChain) {
    return this.client(e.chainId).readContract({
      address: this.escrowOf(e.chainId),
      abi: escrowAbi,
      functionName: "epochRecord",
      args: [e.model, e.epoch],
    });
  }

  /** When an epoch ends on its payment chain's escrow (unix seconds). */
  escrowEpochEnd(e: EpochOnChain): Promise<bigint> {
    return this.client(e.chainId).readContract({
      address: this.escrowOf(e.chainId),
      abi: escrowAbi,
      functionName: "epochEnd",
      args: [e.model, e.epoch],
    });
  }

  /** When an epoch ends on the home registry (unix seconds). */
  registryEpochEnd(model: bigint, epoch: bigint): Promise<bigint> {
    return this.client(this.homeChainId).readContract({
      address: this.homeContract("modelRegistry"),
      abi: modelRegistryAbi,
      functionName: "epochEnd",
      args: [model, epoch],
    });
  }

  /** The home registry's current epoch of a model. */
  registryEpoch(model: bigint): Promise<bigint> {
    return this.client(this.homeChainId).readContract({
      address: this.homeContract("modelRegistry"),
      abi: modelRegistryAbi,
      functionName: "currentEpoch",
      args: [model],
    });
  }

  /** The escrow's logs of one kind for an epoch (PaidOut: one per payout index it paid). */
  escrowEvents<E extends EscrowEventName>(e: EpochOnChain, eventName: E): Promise<EscrowLogs<E>>;
  escrowEvents(e: EpochOnChain, eventName: EscrowEventName): Promise<EscrowLogs<EscrowEventName>> {
    return this.client(e.chainId).getContractEvents({
      address: this.escrowOf(e.chainId),
      abi: escrowAbi,
      eventName,
      args: { modelId: e.model, epoch: e.epoch },
      fromBlock: 0n,
    });
  }

  /** The escrow's PaidOut logs of an epoch (one per payout index it paid). */
  paidOutLogs(e: EpochOnChain) {
    return this.escrowEvents(e, "PaidOut");
  }

  /** The registry's PayoutPublished logs of an epoch towards its payment chain. */
  payoutsPublished(e: EpochOnChain) {
    return this.client(this.homeChainId).getContractEvents({
      address: this.homeContract("modelRegistry"),
      abi: modelRegistryAbi,
      eventName: "PayoutPublished",
      args: { modelId: e.model, epoch: e.epoch, dstChain: e.chainId },
      fromBlock: 0n,
    });
  }

  /** The home oracle's VerdictRecorded or VerdictPublished logs. */
  oracleEvents<E extends OracleEventName>(eventName: E): Promise<OracleLogs<E>>;
  oracleEvents(eventName: OracleEventName): Promise<OracleLogs<OracleEventName>> {
    return this.client(this.homeChainId).getContractEvents({
      address: this.homeContract("slaOracle"),
      abi: slaOracleAbi,
      eventName,
      fromBlock: 0n,
    });
  }

  /** What the home RevenueLedger recorded of (model, epoch) from a source chain. */
  revenue(model: bigint, epoch: bigint, sourceChainId: number) {
    return this.client(this.homeChainId).readContract({
      address: this.homeContract("revenueLedger"),
      abi: revenueLedgerAbi,
      functionName: "revenue",
      args: [model, epoch, sourceChainId],
    });
  }

  // ------------------------------------------------------------------ internals

  #testClient(chainId: number) {
    let test = this.#testClients.get(chainId);
    if (!test) {
      test = anvilTestClient(this.devnet, chainId);
      this.#testClients.set(chainId, test);
    }
    return test;
  }

  /** The first dev account: sends the operator's transactions (reports, publications, releases). */
  async #operator(chainId: number): Promise<Address> {
    const [account] = await this.devnet.evm.clients(chainId).accounts();
    if (!account) throw new DevnetShapeError(`chain ${chainId} has no dev account`);
    return account;
  }

  async #sendHome(
    label: string,
    send: (wallet: WalletClient<Transport, Chain, Account>) => Promise<Hash>,
  ): Promise<TransactionReceipt> {
    const clients = this.devnet.evm.clients(this.homeChainId);
    const wallet = clients.wallet(await this.#operator(this.homeChainId));
    return submitTransaction(clients.publicClient, label, () => send(wallet));
  }

  #messenger(transport: TransportName): Address {
    const { contracts } = this.home();
    return transport === "wormhole" ? contracts.wormholeMessenger : contracts.layerZeroMessenger;
  }

  #quote(transport: TransportName, chainId: number, message: Hex): Promise<bigint> {
    const client = this.client(this.homeChainId);
    const address = this.#messenger(transport);
    // Both messengers quote with the same signature; each is read with its own ABI.
    return transport === "wormhole"
      ? client.readContract({ address, abi: wormholeMessengerAbi, functionName: "quote", args: [chainId, message] })
      : client.readContract({ address, abi: layerZeroMessengerAbi, functionName: "quote", args: [chainId, message] });
  }

  #published(receipt: TransactionReceipt, transport: TransportName, messageId: Hex): PublishedMessage {
    if (transport !== "wormhole") return { receipt, transport, messageId };
    const { wormhole } = this.home();
    const [log] = parseEventLogs({ abi: wormholeCoreAbi, eventName: "LogMessagePublished", logs: receipt.logs }).filter(
      (l) => l.address.toLowerCase() === wormhole.core.toLowerCase(),
    );
    if (!log) throw new DevnetShapeError("a Wormhole publication emitted no LogMessagePublished");
    const emitter = pad(log.args.sender).slice(2).toLowerCase();
    return { receipt, transport, messageId, vaaId: `${wormhole.chainId}/${emitter}/${log.args.sequence}` };
  }
}

/**
 * The distinct (chain, model, epoch)s some payments fell in, in the order first paid.
 *
 * @example const [e] = epochsOf(await scenario.payEach(31337, 2n, [3n, 2n, 1n]));
 */
export function epochsOf(payments: readonly Pick<DemoPayment, "chainId" | "modelId" | "epoch">[]): EpochOnChain[] {
  const out = new Map<string, EpochOnChain>();
  for (const p of payments) {
    const key = `${p.chainId}:${p.modelId}:${p.epoch}`;
    if (!out.has(key)) out.set(key, { chainId: p.chainId, model: p.modelId, epoch: p.epoch });
  }
  return [...out.values()];
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);

/** The address a role's key signs for: an anvil dev account's, or a kms key's (from its public key). */
function roleAddress(ref: KeyReference | undefined): Address {
  return ref?.kind === "kms" ? publicKeyToAddress(ref.publicKey as Hex) : anvilAccount(ref);
}

function anvilAccount(ref: KeyReference | undefined): Address {
  if (ref?.kind !== "anvil-dev-account") throw new DevnetShapeError(`expected an anvil dev account, not ${ref?.kind}`);
  return ref.address;
}

function anvilTestClient(devnet: Devnet, chainId: number) {
  const { chain } = devnet.evm.clients(chainId);
  const url = devnetChainsOf(devnet.manifest).evm.find((c) => c.chainId === chainId)?.rpcUrl;
  if (!url) throw new DevnetShapeError(`the devnet has no EVM chain ${chainId}`);
  return createTestClient({ chain, mode: "anvil", transport: http(url, { retryCount: 0 }) });
}
