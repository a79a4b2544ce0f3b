import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { PublicKey } from "@solana/web3.js";
import { type Address, getAddress, type Hex } from "viem";
import { z } from "zod";
import { DeployError } from "./DeployError.ts";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/);
const hash = z.string().regex(/^0x[0-9a-fA-F]{64}$/);

const stepRecordSchema = z.object({
  /** A deploy step's contract. */
  address: address.optional(),
  /** The mined transaction that did the step. */
  tx: hash.optional(),
  block: z.number().int().min(0).optional(),
  /**
   * Signed and about to be sent: on resume, a receipt for this hash means the step's transaction was mined though
   * its result was never recorded (a crash between send and write), so it is adopted instead of sent again.
   */
  sending: z.object({ tx: hash, nonce: z.number().int().min(0) }).optional(),
});
export type StepRecord = z.infer<typeof stepRecordSchema>;

const base58 = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
const signature = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);

/** A Solana step: its account (a fixed, seeded address) and the transaction that created it. */
const solanaStepSchema = z.object({
  account: base58.optional(),
  signature: signature.optional(),
  slot: z.number().int().min(0).optional(),
  /** Signed and about to be broadcast (informative: the account's address is what a re-run checks). */
  sending: signature.optional(),
});

const stateSchema = z.object({
  version: z.literal(1),
  stage: z.string().min(1),
  /** The account that deployed and owns the contracts. */
  deployer: address,
  steps: z.record(z.string(), stepRecordSchema).describe("by step id"),
  /** Per Solana chain id, the key that pays for and is the base of the vault's seeded accounts. */
  solanaDeployers: z.record(z.string().regex(/^\d+$/), base58).optional(),
  solanaSteps: z.record(z.string(), solanaStepSchema).optional().describe("by step id"),
});
type StateFile = z.infer<typeof stateSchema>;

/**
 * The deployment state file: what each step did, by step id. Written after every change with tmp + rename, so a
 * crash leaves either the old file or the new one, never half of one. The file is a cache of what is on chain: the
 * executor checks every recorded address for code before it trusts it.
 *
 * @example const state = DeployState.open("deployments/testnet.json", { stage: "testnet", deployer });
 */
export class DeployState {
  private constructor(
    private readonly path: string | undefined,
    private readonly file: StateFile,
  ) {}

  /** Dry runs read the file and never write it. */
  private readOnly = false;

  /**
   * Opens (or starts) the state of `stage` deployed by `deployer`; no path keeps it in memory (dry runs, tests).
   * Refuses a file written for another stage or deployer (its contracts would not be this deployer's to wire).
   */
  static open(
    path: string | undefined,
    expected: { stage: string; deployer?: Address | undefined; readOnly?: boolean },
  ): DeployState {
    const state = DeployState.load(path, expected);
    state.readOnly = expected.readOnly ?? false;
    return state;
  }

  private static load(
    path: string | undefined,
    expected: { stage: string; deployer?: Address | undefined },
  ): DeployState {
    if (path === undefined || !existsSync(path)) {
      // A dry run without a key has no deployer to name yet; nothing is written then.
      const deployer = expected.deployer ?? "0x0000000000000000000000000000000000000000";
      return new DeployState(path, { version: 1, stage: expected.stage, deployer, steps: {} });
    }
    let parsed: StateFile;
    try {
      parsed = stateSchema.parse(JSON.parse(readFileSync(path, "utf8")));
    } catch (error) {
      throw new DeployError("invalid-state", `the deployment state ${path} is not a valid state file`, {
        cause: error,
      });
    }
    if (parsed.stage !== expected.stage) {
      throw new DeployError(
        "invalid-state",
        `the deployment state ${path} is stage ${parsed.stage}'s, not ${expected.stage}'s`,
      );
    }
    if (expected.deployer !== undefined && getAddress(parsed.deployer) !== getAddress(expected.deployer)) {
      throw new DeployError(
        "invalid-state",
        `the deployment state ${path} was deployed by ${parsed.deployer}, not by ${expected.deployer}: its contracts are owned by that account`,
      );
    }
    return new DeployState(path, parsed);
  }

  record(id: string): Readonly<StepRecord> | undefined {
    return this.file.steps[id];
  }

  addressOf(id: string): Address | undefined {
    const recorded = this.file.steps[id]?.address;
    return recorded === undefined ? undefined : getAddress(recorded);
  }

  /** Records that a step's signed transaction is about to be sent (before sending it). */
  sending(id: string, tx: Hex, nonce: number): void {
    this.file.steps[id] = { ...this.file.steps[id], sending: { tx, nonce } };
    this.save();
  }

  /**
   * Records a step as done by its mined transaction (and the contract it created); a contract found on chain with no
   * transaction of this run's (an SLA receiver the factory already names) is recorded by its address alone.
   */
  done(id: string, result: { tx: Hex; block: number; address?: Address } | { address: Address }): void {
    this.file.steps[id] = {
      ...("tx" in result ? { tx: result.tx, block: result.block } : {}),
      ...(result.address ? { address: result.address } : {}),
    };
    this.save();
  }

  /** The account the state says deployed (and owns) the contracts. */
  get deployer(): Address {
    return getAddress(this.file.deployer);
  }

  /** The Solana deployer the state names for a chain: the vault's accounts derive from its key. */
  solanaDeployer(chainId: number): PublicKey | undefined {
    const recorded = this.file.solanaDeployers?.[String(chainId)];
    return recorded === undefined ? undefined : new PublicKey(recorded);
  }

  /** Refuses a Solana deployer other than the one the state names (its vault accounts are elsewhere). */
  checkSolanaDeployer(chainId: number, deployer: PublicKey): void {
    const recorded = this.solanaDeployer(chainId);
    if (recorded !== undefined && !recorded.equals(deployer)) {
      throw new DeployError(
        "invalid-state",
        `the deployment state ${this.path ?? "(in memory)"} set up chain ${chainId}'s Solana vault with ${recorded.toBase58()}, not ${deployer.toBase58()}: its accounts derive from that key`,
      );
    }
  }

  /** Names the Solana deployer of a chain in the state (refused when it names another). */
  bindSolanaDeployer(chainId: number, deployer: PublicKey): void {
    this.checkSolanaDeployer(chainId, deployer);
    if (this.solanaDeployer(chainId) !== undefined) return;
    this.file.solanaDeployers = { ...this.file.solanaDeployers, [String(chainId)]: deployer.toBase58() };
    this.save();
  }

  /** Records a Solana step's signed transaction before it is broadcast. */
  solanaSending(id: string, signature: string): void {
    this.file.solanaSteps = { ...this.file.solanaSteps, [id]: { ...this.file.solanaSteps?.[id], sending: signature } };
    this.save();
  }

  /** Records a Solana step as done by its transaction and the account it created. */
  solanaDone(id: string, result: { signature: string; slot: number; account: string }): void {
    this.file.solanaSteps = { ...this.file.solanaSteps, [id]: result };
    this.save();
  }

  private save(): void {
    if (this.path === undefined || this.readOnly) return;
    const tmp = `${this.path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(this.file, null, 2)}\n`);
    renameSync(tmp, this.path);
  }
}
