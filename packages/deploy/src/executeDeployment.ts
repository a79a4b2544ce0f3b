import { slaReceiverAbi, slaReceiverFactoryAbi } from "@slabridge/contracts";
import {
  type Abi,
  type Address,
  type Chain,
  encodeDeployData,
  encodeFunctionData,
  erc20Abi,
  getAddress,
  type Hex,
  keccak256,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  zeroAddress,
} from "viem";
import { DeployError, reasonOf } from "./DeployError.ts";
import { DeployState } from "./DeployState.ts";
import {
  type AddressOf,
  type ApproveStep,
  type ContractName,
  type CreateReceiverStep,
  chainContractsOf,
  type DeploymentPlan,
  type DeployStep,
  modelIdOfReceiver,
  type PlanStep,
  type ReceiverInitParams,
  type SlabridgeChainContracts,
  type WireStep,
} from "./planDeployment.ts";

/**
 * A step's standing: `unknown` when the dry run could not ask the chain (no RPC given); `conflict` when the chain
 * holds another value than the plan's (a run refuses it unless told to replace it).
 */
export type StepStatus = "done" | "pending" | "unknown" | "conflict";

/** Options of {@link executeDeployment}. */
export interface ExecuteDeploymentOptions {
  plan: DeploymentPlan;
  /** The stage the state file belongs to. */
  stage: string;
  /** A public client per EVM chain id; a dry run marks a chain without one `unknown`. */
  clients: ReadonlyMap<number, PublicClient<Transport, Chain | undefined>>;
  /** Signs every transaction (a KMS account, or a private-key account in tests). A dry run needs none. */
  account?: LocalAccount | undefined;
  /**
   * Each EVM chain's netting vault key, by chain id: it signs the vault's own approvals of bond top-ups (the plan's
   * `approve` steps). A run refuses a plan with approvals on a chain without one; a dry run needs none.
   */
  vaultAccounts?: ReadonlyMap<number, LocalAccount> | undefined;
  /** The deployer's address when there is no account (dry run): the owner the state file must name. */
  deployer?: Address | undefined;
  /** The JSON state file; written after every step. Omitted: kept in memory. */
  statePath?: string | undefined;
  /** Prints the plan with each step's status and sends nothing. */
  dryRun?: boolean;
  /**
   * Replaces settings the chain holds with another value than the plan's (printing what each held) instead of
   * refusing them as `wiring-conflict`: for a deliberate change, such as a new facilitator key.
   */
  allowRewire?: boolean;
  /** One line per step. */
  onProgress?: (line: string) => void;
}

/** What a run did, or a dry run found. */
export interface DeploymentResult {
  /** Every step with its status (after a run: all `done`). */
  steps: ReadonlyArray<{ id: string; chainId: number; description: string; status: StepStatus }>;
  /** slabridge's contracts per EVM chain id (after a run; a dry run gives the chains whose messengers exist). */
  contracts: Map<number, SlabridgeChainContracts>;
  /** Transactions sent by this run (0 for a dry run or a run with nothing left to do). */
  sent: number;
  /** The plan's unknowns (a dry run's to list). */
  unknowns: readonly string[];
}

// Estimates are exact on an idle chain; the margin covers state that changes between estimate and inclusion.
const GAS_MARGIN_PERCENT = 20n;
const RECEIPT_TIMEOUT_MS = 300_000;

/**
 * Runs a deployment plan: for each chain in parallel, its steps in order on one nonce stream, each step skipped when
 * the chain shows it done (a deploy step: the recorded address has code; a wiring step: its read-back views show the
 * wanted value) and otherwise signed by `account` and sent. All chains' deploy steps run before any wiring (peers
 * need each other's addresses). The state file is written before each send (the signed hash and nonce) and after
 * each receipt, so a run killed at any point resumes: a step whose transaction was mined but not recorded is adopted
 * from its receipt, never sent twice. A dry run prints every step as done / pending / unknown and sends nothing.
 *
 * @throws {DeployError} `unknown-protocol-address` before any transaction when the plan has unknowns; `rpc-unreachable`;
 *   `state-out-of-date` for a recorded address without code; `transaction-reverted` with the step id and reason;
 *   `wiring-conflict` for a setting the chain holds with another value (unless `allowRewire`), or an SLA receiver
 *   whose fixed settings are not the plan's.
 * @example const { contracts } = await executeDeployment({ plan, stage: "devnet", clients, account, statePath });
 */
export async function executeDeployment(options: ExecuteDeploymentOptions): Promise<DeploymentResult> {
  const { plan, account } = options;
  const dryRun = options.dryRun ?? false;
  if (!dryRun && plan.unknowns.length > 0) {
    throw new DeployError("unknown-protocol-address", `cannot deploy: unknown ${plan.unknowns.join("; ")}`);
  }
  if (!dryRun && account === undefined) throw new DeployError("invalid-config", "a deployment needs a signing account");
  // Approvals are the vault's own transactions: refused before anything is sent when its key is missing or not it.
  for (const step of dryRun ? [] : plan.chains.flatMap((chain) => chain.steps)) {
    if (step.kind !== "approve") continue;
    const vault = options.vaultAccounts?.get(step.chainId);
    if (vault === undefined || getAddress(vault.address) !== getAddress(step.vault)) {
      throw new DeployError(
        "invalid-config",
        `${step.id}: the netting vault ${step.vault} signs its approvals: ${vault === undefined ? "no key for it" : `the key given is ${vault.address}`} (keys.nettingVaults)`,
      );
    }
  }
  const deployer = account?.address ?? options.deployer;
  const state = DeployState.open(options.statePath, {
    stage: options.stage,
    deployer,
    readOnly: dryRun,
  });
  const say = options.onProgress ?? (() => {});
  const all = plan.chains.flatMap((chain) => chain.steps);
  const numberOf = new Map(all.map((step, i) => [step.id, i + 1]));
  const chainName = new Map(plan.chains.map((chain) => [chain.chainId, chain.name]));
  const addressOf: AddressOf = (chainId, contract) => {
    const address = state.addressOf(stepIdOf(chainName.get(chainId), contract));
    if (address === undefined) {
      throw new DeployError("invalid-state", `${contract} on ${chainName.get(chainId) ?? chainId} is not deployed yet`);
    }
    return address;
  };
  const line = (step: PlanStep, text: string) =>
    say(`[${numberOf.get(step.id)}/${all.length}] ${chainName.get(step.chainId)}: ${labelOf(step)} ... ${text}`);

  const runners = new Map(
    plan.chains.map((chain) => {
      const client = options.clients.get(chain.chainId);
      const runner =
        client === undefined
          ? undefined
          : new ChainRunner(chain.name, chain.chainId, client, state, addressOf, account, line, {
              allowRewire: options.allowRewire ?? false,
            });
      return [chain.chainId, runner] as const;
    }),
  );
  // The vault's approvals go on the vault key's own nonce stream, beside the deployer's.
  const vaultRunners = new Map(
    plan.chains.flatMap((chain) => {
      const client = options.clients.get(chain.chainId);
      const vault = options.vaultAccounts?.get(chain.chainId);
      if (client === undefined || vault === undefined) return [];
      const runner = new ChainRunner(chain.name, chain.chainId, client, state, addressOf, vault, line, {
        allowRewire: false,
      });
      return [[chain.chainId, runner] as const];
    }),
  );
  // Checked above for every approval of the plan: its chain has the vault's key, so the deployer never signs one.
  const vaultRunnerOf = (chainId: number): ChainRunner => {
    const runner = vaultRunners.get(chainId);
    if (!runner) throw new DeployError("invalid-config", `chain ${chainId}: no netting vault key for its approvals`);
    return runner;
  };
  const statuses = new Map<string, StepStatus>();

  if (dryRun) {
    for (const chain of plan.chains) {
      const runner = runners.get(chain.chainId);
      if (runner) await runner.checkReachable();
      for (const step of chain.steps) {
        const found = runner ? await runner.statusOf(step) : { status: "unknown" as const };
        statuses.set(step.id, found.status);
        line(step, found.status === "conflict" ? `conflict: ${found.detail}` : found.status);
      }
    }
  } else {
    for (const chain of plan.chains) {
      if (!runners.get(chain.chainId)) {
        throw new DeployError("rpc-unreachable", `${chain.name}: no RPC client for chain ${chain.chainId}`);
      }
    }
    await Promise.all([...runners.values()].map((runner) => runner?.checkReachable()));
    // Deploy everywhere, then wire (and create receivers, in plan order): peers and emitters name the other
    // chains' contracts.
    for (const phase of ["deploy", "wire"] as const) {
      await Promise.all(
        plan.chains.map(async (chain) => {
          const runner = runners.get(chain.chainId);
          for (const step of chain.steps) {
            if ((step.kind === "deploy") !== (phase === "deploy") || !runner) continue;
            await (step.kind === "approve" ? vaultRunnerOf(chain.chainId) : runner).run(step);
            statuses.set(step.id, "done");
          }
        }),
      );
    }
  }

  const contracts = new Map<number, SlabridgeChainContracts>();
  for (const chain of plan.chains) {
    const lookUp = (contract: ContractName) => state.addressOf(stepIdOf(chain.name, contract));
    const modelIds = chain.steps.flatMap((step) => (step.kind === "create" ? [step.modelId] : []));
    const payPerCall = plan.x402Channels === undefined ? undefined : { modelIds, channels: plan.x402Channels };
    if (lookUp("LayerZeroMessenger") && lookUp("WormholeMessenger"))
      contracts.set(chain.chainId, chainContractsOf(lookUp, payPerCall));
  }
  const sent = [...runners.values(), ...vaultRunners.values()].reduce(
    (total, runner) => total + (runner?.sent ?? 0),
    0,
  );
  return {
    steps: all.map((step) => ({
      id: step.id,
      chainId: step.chainId,
      description: step.description,
      status: statuses.get(step.id) ?? "pending",
    })),
    contracts,
    sent,
    unknowns: plan.unknowns,
  };
}

/** The id of the step that brings a contract into being: its deployment, or a receiver's creation. */
function stepIdOf(chainName: string | undefined, contract: ContractName): string {
  return `${chainName}:${modelIdOfReceiver(contract) === undefined ? "deploy" : "create"}:${contract}`;
}

function labelOf(step: PlanStep): string {
  if (step.kind === "deploy") return `deploy ${step.contract}`;
  if (step.kind === "create") return `SlaReceiverFactory.create(${step.modelId})`;
  if (step.kind === "approve") return `NettingVault.approve(${step.spender})`;
  return step.id.slice(step.id.indexOf(":wire:") + 6);
}

/** What a step's check found on chain. */
type Found = { status: "done" | "pending" } | { status: "conflict"; detail: string };

/** One chain's steps on one nonce stream. */
class ChainRunner {
  sent = 0;
  private nonce: number | undefined;
  private fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | undefined;

  constructor(
    private readonly name: string,
    private readonly chainId: number,
    private readonly client: PublicClient<Transport, Chain | undefined>,
    private readonly state: DeployState,
    private readonly addressOf: AddressOf,
    private readonly account: LocalAccount | undefined,
    private readonly line: (step: PlanStep, text: string) => void,
    private readonly policy: { allowRewire: boolean },
  ) {}

  async checkReachable(): Promise<void> {
    let chainId: number;
    try {
      chainId = await this.client.getChainId();
    } catch (error) {
      throw new DeployError("rpc-unreachable", `${this.name}: the RPC does not answer`, { cause: error });
    }
    if (chainId !== this.chainId) {
      throw new DeployError("rpc-unreachable", `${this.name}: the RPC serves chain ${chainId}, not ${this.chainId}`);
    }
  }

  async statusOf(step: PlanStep): Promise<Found> {
    if (step.kind === "deploy") return { status: (await this.deployed(step)) ? "done" : "pending" };
    if (step.kind === "create") {
      const receiver = await this.receiverOf(step);
      if (receiver === undefined) return { status: "pending" };
      const detail = await this.receiverMismatch(step, receiver);
      return detail === undefined ? { status: "done" } : { status: "conflict", detail };
    }
    if (step.kind === "approve") return await this.allowance(step);
    return await this.wiring(step);
  }

  async run(step: PlanStep): Promise<void> {
    if (step.kind === "deploy") {
      const address = await this.deployed(step);
      if (address) return this.line(step, `done earlier: ${address}`);
      const account = this.signer();
      const { abi, bytecode, args } = step.creation(this.addressOf, account.address);
      const receipt = await this.send(step, { data: encodeDeployData({ abi, bytecode, args }) });
      const created = receipt.contractAddress ? getAddress(receipt.contractAddress) : undefined;
      if (!created)
        throw new DeployError("transaction-reverted", `${step.id}: no contract in ${receipt.transactionHash}`);
      this.state.done(step.id, { tx: receipt.transactionHash, block: Number(receipt.blockNumber), address: created });
      return this.line(step, `${created} (block ${receipt.blockNumber})`);
    }
    if (step.kind === "create") return await this.createReceiver(step);
    if (step.kind === "approve") return await this.approve(step);
    const found = await this.wiring(step);
    if (found.status === "done") return this.line(step, "done earlier");
    if (found.status === "conflict" && !this.policy.allowRewire) {
      throw new DeployError(
        "wiring-conflict",
        `${step.id}: ${found.detail}; nothing was changed: fix the stage's deploy config if the chain is right, or re-run with --allow-rewire to replace it`,
      );
    }
    const to = this.addressOf(step.chainId, step.contract);
    const args = step.args(this.addressOf);
    const receipt = await this.send(step, {
      to,
      data: encodeFunctionData({ abi: step.abi, functionName: step.functionName, args }),
      call: { abi: step.abi, functionName: step.functionName, args },
    });
    this.state.done(step.id, { tx: receipt.transactionHash, block: Number(receipt.blockNumber) });
    const replaced = found.status === "conflict" ? `; replaced ${found.detail}` : "";
    this.line(step, `tx ${receipt.transactionHash} (block ${receipt.blockNumber})${replaced}`);
  }

  /** Done while the vault's allowance to the spender is at least half the planned amount (top-ups use it up). */
  private async allowance(step: ApproveStep): Promise<Found> {
    let spender: Address;
    try {
      spender = this.addressOf(step.chainId, step.spender);
    } catch (error) {
      if (error instanceof DeployError && error.code === "invalid-state") return { status: "pending" };
      throw error;
    }
    const allowed = (await this.read(step, step.token, erc20Abi, "allowance", [step.vault, spender])) as bigint;
    return { status: allowed * 2n >= step.amount ? "done" : "pending" };
  }

  private async approve(step: ApproveStep): Promise<void> {
    if ((await this.allowance(step)).status === "done") return this.line(step, "done earlier");
    const args = [this.addressOf(step.chainId, step.spender), step.amount] as const;
    const receipt = await this.send(step, {
      to: step.token,
      data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args }),
      call: { abi: erc20Abi, functionName: "approve", args },
    });
    this.state.done(step.id, { tx: receipt.transactionHash, block: Number(receipt.blockNumber) });
    this.line(step, `tx ${receipt.transactionHash} (block ${receipt.blockNumber})`);
  }

  /** The model's receiver if the factory has made it (the chain is the truth, whatever the state file says). */
  private async receiverOf(step: CreateReceiverStep): Promise<Address | undefined> {
    let factory: Address;
    try {
      factory = this.addressOf(step.chainId, "SlaReceiverFactory");
    } catch (error) {
      if (error instanceof DeployError && error.code === "invalid-state") return undefined; // no factory yet
      throw error;
    }
    const receiver = (await this.read(step, factory, slaReceiverFactoryAbi, "receiverOf", [step.modelId])) as Address;
    return receiver === zeroAddress ? undefined : getAddress(receiver);
  }

  /**
   * How an existing receiver's fixed settings differ from the plan's (undefined: they do not). The operator is
   * settable (a wiring step of its own) and the verdict grace is the listing's at creation, so neither is compared.
   */
  private async receiverMismatch(step: CreateReceiverStep, receiver: Address): Promise<string | undefined> {
    const planned = step.params(this.owner());
    // Each field has a view of the same name on the receiver.
    const fixed: Array<keyof ReceiverInitParams> = [
      "owner",
      "modelId",
      "token",
      "channels",
      "thisChain",
      "homeChain",
      "genesis",
      "epochSeconds",
    ];
    const differences: string[] = [];
    for (const field of fixed) {
      const actual = await this.read(step, receiver, slaReceiverAbi, field, []);
      if (!sameValue(actual, planned[field])) {
        differences.push(`${field} ${formatValue(actual)}, planned ${formatValue(planned[field])}`);
      }
    }
    return differences.length === 0 ? undefined : `${receiver} has ${differences.join(", ")}`;
  }

  private async createReceiver(step: CreateReceiverStep): Promise<void> {
    const existing = await this.receiverOf(step);
    if (existing !== undefined) {
      const mismatch = await this.receiverMismatch(step, existing);
      if (mismatch !== undefined) {
        throw new DeployError(
          "wiring-conflict",
          `${step.id}: ${mismatch}; a receiver's fixed settings cannot be changed (the factory makes one per model)`,
        );
      }
      if (this.state.addressOf(step.id) === undefined) this.state.done(step.id, { address: existing });
      return this.line(step, `done earlier: ${existing}`);
    }
    const factory = this.addressOf(step.chainId, "SlaReceiverFactory");
    const args = [step.params(this.signer().address)] as const;
    const receipt = await this.send(step, {
      to: factory,
      data: encodeFunctionData({ abi: slaReceiverFactoryAbi, functionName: "create", args }),
      call: { abi: slaReceiverFactoryAbi, functionName: "create", args },
    });
    const created = await this.receiverOf(step);
    if (created === undefined) {
      throw new DeployError("transaction-reverted", `${step.id}: no receiver after ${receipt.transactionHash}`);
    }
    this.state.done(step.id, { tx: receipt.transactionHash, block: Number(receipt.blockNumber), address: created });
    this.line(step, `${created} (block ${receipt.blockNumber})`);
  }

  /** The receivers' owner: the signing account, or in a dry run the deployer the state names. */
  private owner(): Address {
    return this.account?.address ?? getAddress(this.state.deployer);
  }

  private async read(
    step: PlanStep,
    address: Address,
    abi: Abi,
    functionName: string,
    args: readonly unknown[],
  ): Promise<unknown> {
    try {
      return await this.client.readContract({ address, abi, functionName, args });
    } catch (error) {
      throw new DeployError("rpc-unreachable", `${step.id}: reading ${functionName} failed: ${reasonOf(error)}`, {
        cause: error,
      });
    }
  }

  /** The step's contract when it is deployed: recorded with code, or created by a mined but unrecorded send. */
  private async deployed(step: DeployStep): Promise<Address | undefined> {
    const recorded = this.state.addressOf(step.id);
    if (recorded) {
      const code = await this.client.getCode({ address: recorded });
      if (code === undefined || code === "0x") {
        throw new DeployError(
          "state-out-of-date",
          `${step.id}: the state records ${recorded}, which has no code on ${this.name}: the state file belongs to other (or reset) chains; move it away to deploy afresh`,
        );
      }
      return recorded;
    }
    const receipt = await this.minedUnrecorded(step);
    if (receipt?.contractAddress) {
      const address = getAddress(receipt.contractAddress);
      this.state.done(step.id, { tx: receipt.transactionHash, block: Number(receipt.blockNumber), address });
      return address;
    }
    return undefined;
  }

  /**
   * Whether every read-back view shows the wanted value (pending while a contract it names is not deployed); a view
   * that shows another value than its unset one is a conflict: someone set it otherwise.
   */
  private async wiring(step: WireStep): Promise<Found> {
    let address: Address;
    let reads: ReturnType<WireStep["readBack"]>;
    try {
      address = this.addressOf(step.chainId, step.contract);
      reads = step.readBack(this.addressOf);
    } catch (error) {
      if (error instanceof DeployError && error.code === "invalid-state") return { status: "pending" }; // a contract it names is not deployed yet
      throw error;
    }
    let status: Found["status"] = "done";
    const conflicts: string[] = [];
    for (const read of reads) {
      const value = await this.read(step, address, step.abi, read.functionName, read.args);
      if (sameValue(value, read.want)) continue;
      if (isUnset(value)) {
        if (status === "done") status = "pending";
        continue;
      }
      status = "conflict";
      conflicts.push(`${read.functionName} is ${formatValue(value)} on chain, planned ${formatValue(read.want)}`);
    }
    return status === "conflict" ? { status, detail: conflicts.join("; ") } : { status };
  }

  /** The receipt of a step's transaction that was signed and sent but whose result never reached the state file. */
  private async minedUnrecorded(step: PlanStep): Promise<TransactionReceipt | undefined> {
    const sending = this.state.record(step.id)?.sending;
    if (!sending) return undefined;
    const receipt = await this.client.getTransactionReceipt({ hash: sending.tx as Hex }).catch(() => undefined);
    return receipt?.status === "success" ? receipt : undefined;
  }

  private signer(): LocalAccount {
    if (!this.account) throw new DeployError("invalid-config", "a deployment needs a signing account");
    return this.account;
  }

  private async send(
    step: PlanStep,
    tx: { to?: Address; data: Hex; call?: { abi: Abi; functionName: string; args: readonly unknown[] } },
  ): Promise<TransactionReceipt> {
    const account = this.signer();
    const { call, ...request } = tx;
    let gas: bigint;
    try {
      // A contract call is estimated with its ABI, so a revert comes back decoded.
      gas =
        call === undefined || request.to === undefined
          ? await this.client.estimateGas({ account: account.address, data: request.data })
          : await this.client.estimateContractGas({
              account: account.address,
              address: request.to,
              abi: call.abi,
              functionName: call.functionName,
              args: call.args,
            });
    } catch (error) {
      throw new DeployError("transaction-reverted", `${step.id} would revert: ${reasonOf(error)}`, { cause: error });
    }
    this.nonce ??= await this.client.getTransactionCount({ address: account.address, blockTag: "pending" });
    this.fees ??= await this.client.estimateFeesPerGas();
    const nonce = this.nonce;
    const raw = await account.signTransaction({
      chainId: this.chainId,
      type: "eip1559",
      ...(request.to === undefined ? {} : { to: request.to }),
      data: request.data,
      gas: gas + (gas * GAS_MARGIN_PERCENT) / 100n,
      nonce,
      ...this.fees,
    });
    const hash = keccak256(raw);
    // Before sending: if the process dies after the node took the transaction, the resumed run finds its receipt.
    this.state.sending(step.id, hash, nonce);
    try {
      await this.client.sendRawTransaction({ serializedTransaction: raw });
    } catch (error) {
      throw new DeployError("rpc-unreachable", `${step.id}: sending failed: ${reasonOf(error)}`, { cause: error });
    }
    this.nonce = nonce + 1;
    this.sent++;
    const receipt = await this.receiptOf(step, hash);
    if (receipt.status !== "success") {
      const reason = await this.client
        .call({ account: account.address, ...request, blockNumber: receipt.blockNumber })
        .then(() => "no reason")
        .catch(reasonOf);
      throw new DeployError("transaction-reverted", `${step.id}: reverted in ${hash}: ${reason}`);
    }
    return receipt;
  }

  private async receiptOf(step: PlanStep, hash: Hex): Promise<TransactionReceipt> {
    // Automine has the receipt as soon as the send returns; a real chain needs the wait.
    const mined = await this.client.getTransactionReceipt({ hash }).catch(() => undefined);
    if (mined) return mined;
    try {
      return await this.client.waitForTransactionReceipt({ hash, timeout: RECEIPT_TIMEOUT_MS });
    } catch (error) {
      throw new DeployError("rpc-unreachable", `${step.id}: no receipt for ${hash}: ${reasonOf(error)}`, {
        cause: error,
      });
    }
  }
}

/** Whether a view shows a setting's unset value (false, zero, the zero address or bytes, empty). */
function isUnset(value: unknown): boolean {
  if (value === false || value === 0 || value === 0n) return true;
  if (typeof value === "string") return /^0x0*$/i.test(value);
  return Array.isArray(value) && value.length === 0;
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(", ")}]`;
  return String(value);
}

/** Compares a view's result with the wanted value: addresses and bytes case-insensitively, numbers across types. */
function sameValue(actual: unknown, want: unknown): boolean {
  if (Array.isArray(want)) {
    return Array.isArray(actual) && actual.length === want.length && want.every((w, i) => sameValue(actual[i], w));
  }
  if (typeof want === "string") return typeof actual === "string" && actual.toLowerCase() === want.toLowerCase();
  if (typeof want === "number" || typeof want === "bigint") {
    return (typeof actual === "number" || typeof actual === "bigint") && BigInt(actual) === BigInt(want);
  }
  return actual === want;
}
