import { SolanaSender, type SolanaTransactionSigner } from "@slabridge/solana";
import {
  ACCOUNT_SIZE,
  createInitializeAccount3Instruction,
  createInitializeMultisigInstruction,
  MULTISIG_SIZE,
  TOKEN_PROGRAM_ID,
  unpackAccount,
  unpackMultisig,
} from "@solana/spl-token";
import {
  type AccountInfo,
  type Connection,
  PublicKey,
  SystemProgram,
  type TransactionInstruction,
} from "@solana/web3.js";
import { DeployError, reasonOf } from "./DeployError.ts";
import type { DeployState } from "./DeployState.ts";
import type { StepStatus } from "./executeDeployment.ts";

/** An SPL Token multisig holds at most 11 signers. */
export const MAX_MULTISIG_SIGNERS = 11;
/** `createAccountWithSeed` takes seeds of at most 32 bytes. */
const MAX_SEED_BYTES = 32;

/** The vault of one Solana cluster of a stage: its mint and its M-of-N operator multisig. */
export interface SolanaVaultPlan {
  /** The chain's name in the stage (`solana`): its steps' ids and its accounts' seeds. */
  name: string;
  chainId: number;
  /** The stablecoin the vault holds (the devnet's mint; on a public cluster Circle's USDC from the address book). */
  mint: PublicKey;
  /** The multisig's signers (the operators' Ed25519 keys); empty when the stage names none yet (a dry run lists it). */
  operators: readonly PublicKey[];
  threshold: number;
}

/** The vault's accounts: both derived from the Solana deployer's key, so they are known before any transaction. */
export interface SolanaVaultAccounts {
  multisig: PublicKey;
  /** The vault token account (mint's tokens, owned by the multisig). */
  vault: PublicKey;
}

/** Options of {@link deploySolanaVault}. */
export interface DeploySolanaVaultOptions {
  plan: SolanaVaultPlan;
  /** The cluster's RPC; none: a dry run marks the steps unknown. */
  connection?: Connection | undefined;
  /** Pays rent and fees and is the base of the seeded accounts (a KMS Ed25519 key in production). A dry run needs none. */
  payer?: SolanaTransactionSigner | undefined;
  /** The deploy state: remembers the Solana deployer (its accounts derive from it) and each step's signature. */
  state: DeployState;
  dryRun?: boolean;
  onProgress?: (line: string) => void;
  /** How long one transaction may take to confirm. Default 90 s. */
  confirmTimeoutMs?: number;
  /** How often the sender polls for its transaction. Default 400 ms. */
  pollIntervalMs?: number;
}

/** What {@link deploySolanaVault} did, or a dry run found. */
export interface SolanaVaultResult {
  chainId: number;
  /** Undefined when the deployer is unknown (a dry run without a key or a state naming one). */
  accounts: SolanaVaultAccounts | undefined;
  steps: ReadonlyArray<{ id: string; chainId: number; description: string; status: StepStatus }>;
  /** Transactions sent by this run. */
  sent: number;
}

/**
 * The Solana vault's accounts of a chain, derived with `createAccountWithSeed` from the Solana deployer's key: the
 * same deployer always finds the same accounts, so a re-run (or a run resumed after a crash) checks them on chain
 * instead of creating new ones, and the multisig's address (slabridge's Solana emitter) is known before it exists.
 *
 * @example const { multisig, vault } = await solanaVaultAccounts(deployer, "solana");
 */
export async function solanaVaultAccounts(deployer: PublicKey, name: string): Promise<SolanaVaultAccounts> {
  const [multisig, vault] = await Promise.all(
    [seedOf(name, "multisig"), seedOf(name, "vault")].map((seed) =>
      PublicKey.createWithSeed(deployer, seed, TOKEN_PROGRAM_ID),
    ),
  );
  if (!multisig || !vault) throw new Error("unreachable: two seeds give two accounts");
  return { multisig, vault };
}

function seedOf(name: string, account: "multisig" | "vault"): string {
  const seed = `slabridge-${name}-${account}`;
  if (Buffer.byteLength(seed) > MAX_SEED_BYTES) {
    throw new DeployError("invalid-config", `Solana chain name "${name}" is too long for an account seed (${seed})`);
  }
  return seed;
}

/**
 * Sets up a Solana cluster's vault: (1) the SPL Token multisig, `threshold` of the operators' keys; (2) the vault
 * token account for the mint, owned by that multisig. Each is one transaction (`createAccountWithSeed` + its
 * initialize instruction, so an account is never left half made), paid by the Solana deployer. Each step is done when
 * the account is on chain as planned; an account there that differs (other signers or threshold, another mint or
 * owner, not a token account) is refused, never reused. A dry run prints each step as done / pending / unknown.
 *
 * @throws {DeployError} `solana-account-mismatch`, `invalid-config` (bad operators or threshold, no payer),
 *   `invalid-state` (the state names another Solana deployer), `rpc-unreachable`, `transaction-reverted`.
 * @example const { accounts } = await deploySolanaVault({ plan, connection, payer, state });
 */
export async function deploySolanaVault(options: DeploySolanaVaultOptions): Promise<SolanaVaultResult> {
  const { plan, connection, state } = options;
  const dryRun = options.dryRun ?? false;
  const say = options.onProgress ?? (() => {});
  const operatorsKnown = plan.operators.length > 0;
  if (operatorsKnown) checkSigners(plan);
  const threshold = operatorsKnown ? `${plan.threshold}-of-${plan.operators.length}` : "M-of-N";
  const steps = [
    {
      id: `${plan.name}:vault:multisig`,
      description: `create the vault's ${threshold} SPL multisig of the operators`,
    },
    {
      id: `${plan.name}:vault:token-account`,
      description: `create the vault token account for mint ${plan.mint.toBase58()}, owned by the multisig`,
    },
  ];
  const line = (i: number, text: string) =>
    say(`[${i + 1}/${steps.length}] ${plan.name}: ${steps[i]?.description} ... ${text}`);

  if (!dryRun && !operatorsKnown) throw new DeployError("invalid-config", `${plan.name}: the vault has no operators`);
  // Without a key, the state's Solana deployer still names the accounts: a re-run can check them, not create them.
  const deployer = options.payer?.publicKey ?? state.solanaDeployer(plan.chainId);
  if (!dryRun && deployer === undefined) {
    throw new DeployError("invalid-config", `${plan.name}: a Solana deployer key is needed (--solana-kms-key)`);
  }
  if (options.payer && !dryRun) state.bindSolanaDeployer(plan.chainId, options.payer.publicKey);
  else if (options.payer) state.checkSolanaDeployer(plan.chainId, options.payer.publicKey);
  const accounts = deployer === undefined ? undefined : await solanaVaultAccounts(deployer, plan.name);

  if (dryRun) {
    if (connection && accounts) await checkReachable(connection, plan.name);
    const statuses: StepStatus[] = [];
    for (const [i, check] of [() => multisigStatus(), () => vaultStatus()].entries()) {
      const status: StepStatus = connection && accounts && operatorsKnown ? await check() : "unknown";
      statuses.push(status);
      line(i, status);
    }
    return {
      chainId: plan.chainId,
      accounts,
      steps: steps.map((step, i) => ({ ...step, chainId: plan.chainId, status: statuses[i] ?? "unknown" })),
      sent: 0,
    };
  }

  if (!connection) throw new DeployError("rpc-unreachable", `${plan.name}: no RPC for the cluster`);
  if (!accounts) throw new Error("unreachable: a run has a deployer");
  await checkReachable(connection, plan.name);
  let sent = 0;
  const create = async (
    i: number,
    account: PublicKey,
    space: number,
    initialize: TransactionInstruction,
  ): Promise<void> => {
    const step = steps[i];
    if (!step) throw new Error("unreachable: a step of the list");
    const payer = options.payer;
    if (!payer) {
      throw new DeployError(
        "invalid-config",
        `${step.id}: creating ${account.toBase58()} needs the Solana deployer key`,
      );
    }
    const sender = new SolanaSender({
      connection,
      payer,
      priorityFee: { microLamports: 1_000, bumpFactor: 2, max: 100_000 },
      confirmTimeoutMs: options.confirmTimeoutMs ?? 90_000,
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    });
    const seed = seedOf(plan.name, i === 0 ? "multisig" : "vault");
    const lamports = await rpc(plan.name, "getMinimumBalanceForRentExemption", () =>
      connection.getMinimumBalanceForRentExemption(space),
    );
    const instructions = [
      SystemProgram.createAccountWithSeed({
        fromPubkey: payer.publicKey,
        newAccountPubkey: account,
        basePubkey: payer.publicKey,
        seed,
        lamports,
        space,
        programId: TOKEN_PROGRAM_ID,
      }),
      initialize,
    ];
    try {
      const { signature, slot } = await sender.send(instructions, [], {
        // Recorded before it is broadcast: the account's address is fixed, so a crash leaves nothing to adopt but it.
        onSubmitted: (tx) => state.solanaSending(step.id, tx),
      });
      sent++;
      state.solanaDone(step.id, { signature, slot, account: account.toBase58() });
      line(i, `${account.toBase58()} (tx ${signature})`);
    } catch (error) {
      throw new DeployError("transaction-reverted", `${step.id} failed: ${reasonOf(error)}`, { cause: error });
    }
  };

  if ((await multisigStatus()) === "done") line(0, `done earlier: ${accounts.multisig.toBase58()}`);
  else
    await create(
      0,
      accounts.multisig,
      MULTISIG_SIZE,
      createInitializeMultisigInstruction(accounts.multisig, [...plan.operators], plan.threshold, TOKEN_PROGRAM_ID),
    );
  if ((await vaultStatus()) === "done") line(1, `done earlier: ${accounts.vault.toBase58()}`);
  else
    await create(
      1,
      accounts.vault,
      ACCOUNT_SIZE,
      createInitializeAccount3Instruction(accounts.vault, plan.mint, accounts.multisig, TOKEN_PROGRAM_ID),
    );
  return {
    chainId: plan.chainId,
    accounts,
    steps: steps.map((step) => ({ ...step, chainId: plan.chainId, status: "done" as const })),
    sent,
  };

  async function multisigStatus(): Promise<StepStatus> {
    if (!accounts || !connection) return "unknown";
    const info = await accountInfo(connection, plan.name, accounts.multisig);
    if (info === null) return "pending";
    const where = `${plan.name}: the account ${accounts.multisig.toBase58()} (the vault multisig's address)`;
    let multisig: ReturnType<typeof unpackMultisig>;
    try {
      multisig = unpackMultisig(accounts.multisig, info, TOKEN_PROGRAM_ID);
    } catch (error) {
      throw new DeployError("solana-account-mismatch", `${where} is not an SPL Token multisig`, { cause: error });
    }
    const signers = [
      multisig.signer1,
      multisig.signer2,
      multisig.signer3,
      multisig.signer4,
      multisig.signer5,
      multisig.signer6,
      multisig.signer7,
      multisig.signer8,
      multisig.signer9,
      multisig.signer10,
      multisig.signer11,
    ]
      .slice(0, multisig.n)
      .map((key) => key.toBase58());
    const want = plan.operators.map((key) => key.toBase58());
    const sameSigners = signers.length === want.length && want.every((key) => signers.includes(key));
    if (!multisig.isInitialized || multisig.m !== plan.threshold || !sameSigners) {
      throw new DeployError(
        "solana-account-mismatch",
        `${where} is a ${multisig.m}-of-${multisig.n} multisig of ${signers.join(", ")}, not the ${plan.threshold}-of-${want.length} of ${want.join(", ")}: refusing to use it (set up the vault with another Solana deployer key)`,
      );
    }
    return "done";
  }

  async function vaultStatus(): Promise<StepStatus> {
    if (!accounts || !connection) return "unknown";
    const info = await accountInfo(connection, plan.name, accounts.vault);
    if (info === null) return "pending";
    const where = `${plan.name}: the account ${accounts.vault.toBase58()} (the vault token account's address)`;
    let account: ReturnType<typeof unpackAccount>;
    try {
      account = unpackAccount(accounts.vault, info, TOKEN_PROGRAM_ID);
    } catch (error) {
      throw new DeployError("solana-account-mismatch", `${where} is not an SPL token account`, { cause: error });
    }
    if (!account.mint.equals(plan.mint) || !account.owner.equals(accounts.multisig)) {
      throw new DeployError(
        "solana-account-mismatch",
        `${where} holds mint ${account.mint.toBase58()} for ${account.owner.toBase58()}, not mint ${plan.mint.toBase58()} for the multisig ${accounts.multisig.toBase58()}`,
      );
    }
    return "done";
  }
}

/** The multisig's M and N as the SPL Token program accepts them (it would refuse them only once rent is spent). */
function checkSigners(plan: SolanaVaultPlan): void {
  const n = plan.operators.length;
  const distinct = new Set(plan.operators.map((key) => key.toBase58())).size;
  if (n > MAX_MULTISIG_SIGNERS || distinct !== n || plan.threshold < 1 || plan.threshold > n) {
    throw new DeployError(
      "invalid-config",
      `${plan.name}: a vault multisig needs 1..${MAX_MULTISIG_SIGNERS} distinct operators and a threshold within 1..${n} (got ${plan.threshold} of ${n}, ${distinct} distinct)`,
    );
  }
}

async function checkReachable(connection: Connection, name: string): Promise<void> {
  await rpc(name, "getVersion", () => connection.getVersion());
}

async function accountInfo(connection: Connection, name: string, address: PublicKey) {
  return await rpc(
    name,
    "getAccountInfo",
    (): Promise<AccountInfo<Buffer> | null> => connection.getAccountInfo(address),
  );
}

async function rpc<T>(name: string, method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new DeployError("rpc-unreachable", `${name}: ${method} failed: ${reasonOf(error)}`, { cause: error });
  }
}
