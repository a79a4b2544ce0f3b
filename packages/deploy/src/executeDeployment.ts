import {
  type Address,
  type Chain,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  type Hex,
  keccak256,
  type LocalAccount,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
} from "viem";
import { DeployError, reasonOf } from "./DeployError.ts";
import { DeployState } from "./DeployState.ts";
import {
  type AddressOf,
  type ContractName,
  chainContractsOf,
  type DeploymentPlan,
  type DeployStep,
  type PlanStep,
  type SlabridgeChainContracts,
  type WireStep,
} from "./planDeployment.ts";

/** A step's standing: `unknown` when the dry run could not ask the chain (no RPC given). */
export type StepStatus = "done" | "pending" | "unknown";

/** Options of {@link executeDeployment}. */
export interface ExecuteDeploymentOptions {
  plan: DeploymentPlan;
  /** The stage the state file belongs to. */
  stage: string;
  /** A public client per EVM chain id; a dry run marks a chain without one `unknown`. */
  clients: ReadonlyMap<number, PublicClient<Transport, Chain | undefined>>;
  /** Signs every transaction (a KMS account, or a private-key account in tests). A dry run needs none. */
  account?: LocalAccount | undefined;
  /** The deployer's address when there is no account (dry run): the owner the state file must name. */
  deployer?: Address | undefined;
  /** The JSON state file; written after every step. Omitted: kept in memory. */
  statePath?: string | undefined;
  /** Prints the plan with each step's status and sends nothing. */
  dryRun?: boolean;
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
 *   `state-out-of-date` for a recorded address without code; `transaction-reverted` with the step id and reason.
 * @example const { contracts } = await executeDeployment({ plan, stage: "devnet", clients, account, statePath });
 */
export async function executeDeployment(options: ExecuteDeploymentOptions): Promise<DeploymentResult> {
  const { plan, account } = options;
  const dryRun = options.dryRun ?? false;
  if (!dryRun && plan.unknowns.length > 0) {
    throw new DeployError("unknown-protocol-address", `cannot deploy: unknown ${plan.unknowns.join("; ")}`);
  }
  if (!dryRun && account === undefined) throw new DeployError("invalid-config", "a deployment needs a signing account");
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
    const address = state.addressOf(deployId(chainName.get(chainId), contract));
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
          : new ChainRunner(chain.name, chain.chainId, client, state, addressOf, account, line);
      return [chain.chainId, runner] as const;
    }),
  );
  const statuses = new Map<string, StepStatus>();

  if (dryRun) {
    for (const chain of plan.chains) {
      const runner = runners.get(chain.chainId);
      if (runner) await runner.checkReachable();
      for (const step of chain.steps) {
        const status = runner ? await runner.statusOf(step) : "unknown";
        statuses.set(step.id, status);
        line(step, status);
      }
    }
  } else {
    for (const chain of plan.chains) {
      if (!runners.get(chain.chainId)) {
        throw new DeployError("rpc-unreachable", `${chain.name}: no RPC client for chain ${chain.chainId}`);
      }
    }
    await Promise.all([...runners.values()].map((runner) => runner?.checkReachable()));
    // Deploy everywhere, then wire: peers and emitters name the other chains' contracts.
    for (const kind of ["deploy", "wire"] as const) {
      await Promise.all(
        plan.chains.map(async (chain) => {
          const runner = runners.get(chain.chainId);
          for (const step of chain.steps) {
            if (step.kind !== kind || !runner) continue;
            await runner.run(step);
            statuses.set(step.id, "done");
          }
        }),
      );
    }
  }

  const contracts = new Map<number, SlabridgeChainContracts>();
  for (const chain of plan.chains) {
    const lookUp = (contract: ContractName) => state.addressOf(deployId(chain.name, contract));
    if (lookUp("LayerZeroMessenger") && lookUp("WormholeMessenger"))
      contracts.set(chain.chainId, chainContractsOf(lookUp));
  }
  const sent = [...runners.values()].reduce((total, runner) => total + (runner?.sent ?? 0), 0);
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

function deployId(chainName: string | undefined, contract: ContractName): string {
  return `${chainName}:deploy:${contract}`;
}

function labelOf(step: PlanStep): string {
  return step.kind === "deploy" ? `deploy ${step.contract}` : step.id.slice(step.id.indexOf(":wire:") + 6);
}

/** One chain's steps on one nonce stream. */
class ChainRunner {
  sent = 0;
  private nonce: number | undefined;
  /** Contracts this run created: nothing can have set them up yet, so their wiring needs no read-back first. */
  private readonly created = new Set<ContractName>();
  private fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } | undefined;

  constructor(
    private readonly name: string,
    private readonly chainId: number,
    private readonly client: PublicClient<Transport, Chain | undefined>,
    private readonly state: DeployState,
    private readonly addressOf: AddressOf,
    private readonly account: LocalAccount | undefined,
    private readonly line: (step: PlanStep, text: string) => void,
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

  async statusOf(step: PlanStep): Promise<StepStatus> {
    return (await (step.kind === "deploy" ? this.deployed(step) : this.wired(step))) ? "done" : "pending";
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
    if (!this.created.has(step.contract) && (await this.wired(step))) return this.line(step, "done earlier");
    const to = this.addressOf(step.chainId, step.contract);
    const data = encodeFunctionData({
      abi: step.abi,
      functionName: step.functionName,
      args: step.args(this.addressOf),
    });
    const receipt = await this.send(step, { to, data });
    this.state.done(step.id, { tx: receipt.transactionHash, block: Number(receipt.blockNumber) });
    this.line(step, `tx ${receipt.transactionHash} (block ${receipt.blockNumber})`);
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

  /** Whether every read-back view shows the wanted value (false while the contract is not deployed). */
  private async wired(step: WireStep): Promise<boolean> {
    let address: Address;
    let reads: ReturnType<WireStep["readBack"]>;
    try {
      address = this.addressOf(step.chainId, step.contract);
      reads = step.readBack(this.addressOf);
    } catch (error) {
      if (error instanceof DeployError && error.code === "invalid-state") return false; // a contract it names is not deployed yet
      throw error;
    }
    for (const read of reads) {
      let value: unknown;
      try {
        value = await this.client.readContract({
          address,
          abi: step.abi,
          functionName: read.functionName,
          args: read.args,
        });
      } catch (error) {
        throw new DeployError(
          "rpc-unreachable",
          `${step.id}: reading ${read.functionName} failed: ${reasonOf(error)}`,
          {
            cause: error,
          },
        );
      }
      if (!sameValue(value, read.want)) return false;
    }
    return true;
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

  private async send(step: PlanStep, call: { to?: Address; data: Hex }): Promise<TransactionReceipt> {
    const account = this.signer();
    let gas: bigint;
    try {
      gas =
        call.to === undefined || step.kind === "deploy"
          ? await this.client.estimateGas({ account: account.address, data: call.data })
          : await this.client.estimateContractGas({
              account: account.address,
              address: call.to,
              abi: step.abi,
              functionName: step.functionName,
              args: step.args(this.addressOf),
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
      ...(call.to === undefined ? {} : { to: call.to }),
      data: call.data,
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
        .call({ account: account.address, ...call, blockNumber: receipt.blockNumber })
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
