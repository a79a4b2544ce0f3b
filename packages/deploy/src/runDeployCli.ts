import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { GetPublicKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { type DeploymentManifest, parseDeploymentManifest } from "@slabridge/core";
import { anvilDevAccount, kmsEvmAccount, secp256k1PointOfSpki } from "@slabridge/evm";
import { LAYERZERO_ADDRESS_BOOK, LAYERZERO_ADDRESS_BOOK_INSTALL } from "@slabridge/layerzero";
import { kmsSolanaSignerOfKeyId, type SolanaTransactionSigner } from "@slabridge/solana";
import { getMint } from "@solana/spl-token";
import { Connection, Keypair } from "@solana/web3.js";
import { bytesToHex, type Hex, type LocalAccount } from "viem";
import { privateKeyToAccount, publicKeyToAddress } from "viem/accounts";
import { DeployError, reasonOf } from "./DeployError.ts";
import { DeployState } from "./DeployState.ts";
import { deploySlabridge } from "./deploySlabridge.ts";
import { deploySolanaVault, type SolanaVaultAccounts, type SolanaVaultResult } from "./deploySolanaVault.ts";
import {
  publicStageManifest,
  readPublicStageKeys,
  requirePublicManifestFile,
  writeManifestIfChanged,
} from "./publicStageManifest.ts";
import { publicClientOf, type SolanaVaultInputs, stageDeployInputs } from "./stageDeployInputs.ts";

const HELP = `slabridge deploy: sets up slabridge on every chain of a stage: the Solana vault (its operators' SPL
multisig and token account), then the EVM contracts, deployed and wired.

Usage:
  npm run deploy -- --stage <name> [options]

Reads config/<stage>.json (refused if it fails validation) and config/<stage>.deploy.json (deploy parameters).
Every step is checked on chain first: a re-run sends nothing for what is in place, and a run stopped at any point
resumes from the state file.

Options:
  --stage <name>            the stage (devnet, testnet, ...)
  --dry-run                 print every step as done / pending / unknown; send nothing (no key needed)
  --state <file>            the deployment state file (default: next to the devnet's manifest, else
                            deployments/<stage>.state.json)
  --manifest <out>          where the functions' manifest goes: a public stage writes config/<stage>.manifest.json
                            by default (its keys, guardian and awsRegion in the deploy file); the devnet writes
                            one only when given <out>
  --devnet-manifest <file>  devnet: the running devnet's manifest (default: .devnet/manifest.json)
  --kms-key <id|alias>      sign with this AWS KMS key (ECC_SECG_P256K1); AWS_REGION, and AWS_ENDPOINT_URL_KMS for
                            a KMS on loopback
  --private-key-env <VAR>   sign with the private key in environment variable VAR (tests, the devnet)
  --solana-kms-key <id|alias>
                            pay for the Solana vault's accounts with this AWS KMS key (ECC_NIST_EDWARDS25519); the
                            accounts' addresses derive from it, so every run of a stage uses the same key
  --solana-key-file <file>  pay with a Solana CLI keypair file instead (tests, the devnet without KMS)
  --allow-rewire            replace settings the chain holds with another value than the plan's (say a new
                            facilitator key as the receivers' authorizer), printing what each held; without it such
                            a setting is refused (wiring-conflict) and nothing is changed
  -h, --help                show this help

RPC URLs: inline loopback URLs, the devnet manifest's, or for { "secret": "Name" } the environment variable
SLABRIDGE_SECRET_<Name> (in AWS, the SST secret Name holds it).
`;

/** Where the CLI writes; the caller binds them to stdout and stderr. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** The repository root (config/ lives there). */
  cwd: string;
}

/**
 * `npm run deploy`: parses the arguments, resolves the stage's inputs and runs {@link deploySlabridge}. Returns the
 * exit code (0 done, 1 deployment error, 2 usage). Keys are never printed; errors are scrubbed of RPC URLs.
 *
 * @example process.exitCode = await runDeployCli(process.argv.slice(2), { out, err, env: process.env, cwd: process.cwd() });
 */
export async function runDeployCli(argv: readonly string[], io: CliIo): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (error) {
    io.err(
      `deploy: ${error instanceof Error ? error.message : String(error)}\n\nRun "npm run deploy -- --help" for usage.\n`,
    );
    return 2;
  }
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (values.stage === undefined) {
    io.err('deploy: --stage is required\n\nRun "npm run deploy -- --help" for usage.\n');
    return 2;
  }
  try {
    await deployStage(values, values.stage, io);
    return 0;
  } catch (error) {
    if (error instanceof DeployError) {
      io.err(`deploy: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      stage: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      state: { type: "string" },
      manifest: { type: "string" },
      "devnet-manifest": { type: "string" },
      "kms-key": { type: "string" },
      "private-key-env": { type: "string" },
      "solana-kms-key": { type: "string" },
      "solana-key-file": { type: "string" },
      "allow-rewire": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
}

async function deployStage(values: ReturnType<typeof parse>, stage: string, io: CliIo): Promise<void> {
  const dryRun = values["dry-run"] ?? false;
  const inputs = stageDeployInputs({
    stage,
    configDir: path.join(io.cwd, "config"),
    env: io.env,
    devnetManifestPath: values["devnet-manifest"] ? path.resolve(io.cwd, values["devnet-manifest"]) : undefined,
  });
  // A public stage's functions ship config/<stage>.manifest.json: the run writes it unless told where else.
  const publicManifest =
    inputs.publicManifestFile === undefined
      ? undefined
      : {
          file: inputs.publicManifestFile,
          out: path.resolve(io.cwd, values.manifest ?? path.join("config", `${stage}.manifest.json`)),
        };
  const account = dryRun && !values["kms-key"] && !values["private-key-env"] ? undefined : await accountOf(values, io);
  if (!dryRun && account === undefined) {
    throw new DeployError(
      "invalid-config",
      "a deployment needs a key: --kms-key <id|alias> or --private-key-env <VAR>",
    );
  }
  const deployer = account?.address ?? devnetDeployer(inputs.devnetManifest);
  // The fee recipient defaults to the deployer (the devnet names its own); a public stage's file may name another.
  let parameters =
    deployer !== undefined && /^0x0{40}$/.test(inputs.parameters.protocolFee.recipient)
      ? { ...inputs.parameters, protocolFee: { ...inputs.parameters.protocolFee, recipient: deployer } }
      : inputs.parameters;
  const clients = new Map(
    inputs.chains.flatMap((chain) => {
      const url = inputs.rpcUrls.get(chain.chainId);
      return url === undefined ? [] : [[chain.chainId, publicClientOf(url, chain.chainId, chain.name)] as const];
    }),
  );
  const statePath = path.resolve(io.cwd, values.state ?? inputs.defaultStatePath);
  if (!dryRun) mkdirSync(path.dirname(statePath), { recursive: true });
  io.out(
    `deploy: stage ${stage}${dryRun ? " (dry run: nothing is sent)" : ""}; state ${path.relative(io.cwd, statePath)}\n`,
  );
  const solanaPayer =
    inputs.solanaVaults.length === 0 || (dryRun && !values["solana-kms-key"] && !values["solana-key-file"])
      ? undefined
      : await solanaPayerOf(values, io);
  const unknowns = [...inputs.unknowns];
  const state = () => DeployState.open(statePath, { stage, deployer, readOnly: dryRun });
  const solanaDeployerKnown = inputs.solanaVaults.every((vault) => state().solanaDeployer(vault.plan.chainId));
  if (inputs.solanaVaults.length > 0 && solanaPayer === undefined && !solanaDeployerKnown) {
    unknowns.push(
      "the Solana deployer key (--solana-kms-key): the vault's accounts, and so slabridge's Solana emitter, derive from it",
    );
  }
  if (!dryRun && unknowns.length > 0) {
    throw new DeployError("unknown-protocol-address", `cannot deploy: unknown ${unknowns.join("; ")}`);
  }
  // Refused before anything is sent: a public stage's run ends with its functions' manifest.
  if (publicManifest && !dryRun) requirePublicManifestFile(publicManifest.file, stage);
  // The Solana vault first: its multisig is the Solana emitter the home chain's Wormhole messenger trusts, and its
  // token account the Solana netting vault the registry names.
  const solana: Array<SolanaVaultInputs & { result: SolanaVaultResult }> = [];
  for (const vault of inputs.solanaVaults) {
    const url = inputs.rpcUrls.get(vault.plan.chainId);
    const result = await deploySolanaVault({
      plan: vault.plan,
      connection: url === undefined ? undefined : solanaConnectionOf(url, vault.plan.name),
      payer: solanaPayer,
      state: state(),
      dryRun,
      onProgress: (line) => io.out(`${line}\n`),
    });
    solana.push({ ...vault, result });
  }
  if (solana.length > 0 && dryRun && solana.every((vault) => vault.result.accounts === undefined)) {
    io.out(
      "deploy: the EVM plan below leaves out the Solana emitter and netting vault until their accounts are known\n",
    );
  }
  for (const { plan, result } of solana) {
    if (!result.accounts) continue;
    parameters = {
      ...parameters,
      solanaEmitter: bytesToHex(result.accounts.multisig.toBytes()),
      // Payouts netted to Solana stay in the vault: the Solana payout code pays out of it.
      nettingVaults: new Map([
        ...parameters.nettingVaults,
        [plan.chainId, bytesToHex(result.accounts.vault.toBytes())],
      ]),
    };
  }
  let result: Awaited<ReturnType<typeof deploySlabridge>>;
  try {
    result = await deploySlabridge({
      stage,
      chains: inputs.chains,
      parameters,
      payPerCall: inputs.payPerCall,
      clients,
      account,
      vaultAccounts: dryRun ? undefined : await vaultAccountsOf(inputs, io),
      deployer,
      statePath,
      dryRun,
      allowRewire: values["allow-rewire"] ?? false,
      onProgress: (line) => io.out(`${line}\n`),
    });
  } catch (error) {
    if (
      error instanceof DeployError &&
      error.code === "unknown-protocol-address" &&
      error.shortMessage.includes("LayerZero EndpointV2")
    ) {
      throw new DeployError(
        "unknown-protocol-address",
        `${error.shortMessage}. LayerZero's EndpointV2 addresses are in its address book, ${LAYERZERO_ADDRESS_BOOK} (about 240 MB, not a dependency): run "${LAYERZERO_ADDRESS_BOOK_INSTALL}" first, or deploy onto the devnet`,
      );
    }
    throw error;
  }
  const steps = [...solana.flatMap((vault) => vault.result.steps), ...result.steps];
  const sent = result.sent + solana.reduce((total, vault) => total + vault.result.sent, 0);
  const count = (status: string) => steps.filter((step) => step.status === status).length;
  const allUnknowns = [...unknowns, ...result.unknowns];
  const conflicts = count("conflict");
  io.out(
    `deploy: ${steps.length} steps: ${count("done")} done, ${count("pending")} pending, ${count("unknown")} unknown${conflicts > 0 ? `, ${conflicts} in conflict (a run refuses them without --allow-rewire)` : ""}; ${sent} transactions sent\n`,
  );
  if (inputs.payPerCall !== undefined || dryRun) {
    const receivers = result.steps.filter((step) => step.id.includes(":create:SlaReceiver(")).length;
    io.out(
      `deploy: SLA receivers: ${receivers} planned (one per model listed on a chain's escrow, read from the chains${clients.size === 0 ? ": no RPC to read them from" : ""})\n`,
    );
  }
  for (const unknown of allUnknowns) io.out(`deploy: unknown: ${unknown}\n`);
  if (dryRun && allUnknowns.some((u) => u.includes("LayerZero EndpointV2"))) {
    io.out(
      `deploy: LayerZero EndpointV2 addresses: run "${LAYERZERO_ADDRESS_BOOK_INSTALL}" (its deployments list them)\n`,
    );
  }
  for (const { plan, result: vault } of solana) {
    if (!vault.accounts) continue;
    const { multisig, vault: account } = vault.accounts;
    io.out(`deploy: chain ${plan.chainId}: {"multisig":"${multisig.toBase58()}","vault":"${account.toBase58()}"}\n`);
  }
  for (const [chainId, contracts] of result.contracts) {
    io.out(`deploy: chain ${chainId}: ${JSON.stringify(contracts)}\n`);
  }
  if (publicManifest && inputs.config.network !== undefined) {
    const ready = steps.every((step) => step.status === "done") && allUnknowns.length === 0;
    if (!ready) {
      io.out(`deploy: manifest ${path.relative(io.cwd, publicManifest.out)}: written once every step is done\n`);
      return;
    }
    const kms = kmsClientOf(io);
    const deployedVaults = await Promise.all(
      solana.map(async (vault) => {
        if (!vault.result.accounts) throw new DeployError("invalid-state", `${vault.plan.name}: no vault accounts`);
        const url = inputs.rpcUrls.get(vault.plan.chainId);
        const decimals =
          vault.decimals ??
          (url === undefined ? undefined : await mintDecimalsOf(solanaConnectionOf(url, vault.plan.name), vault));
        if (decimals === undefined) throw new DeployError("invalid-state", `${vault.plan.name}: mint decimals unknown`);
        return { ...vault, accounts: vault.result.accounts, decimals };
      }),
    );
    const manifest = publicStageManifest({
      config: { ...inputs.config, network: inputs.config.network },
      chains: inputs.chains,
      deployer,
      parameters,
      authorizer: inputs.payPerCall?.authorizer,
      contracts: result.contracts,
      solana: deployedVaults,
      file: publicManifest.file,
      keys: await readPublicStageKeys({
        file: publicManifest.file,
        solanaOperators: solana.flatMap((vault) => vault.operatorRefs),
        evmChainIds: inputs.chains.map((chain) => chain.chainId),
        kms,
        stage,
        gatewayFacilitator: inputs.config.gateway?.facilitatorKey,
      }),
      createdAt: new Date(),
    });
    const out = path.relative(io.cwd, publicManifest.out);
    if (dryRun) {
      io.out(`deploy: manifest ${out} (dry run: not written):\n${JSON.stringify(manifest, null, 2)}\n`);
      return;
    }
    mkdirSync(path.dirname(publicManifest.out), { recursive: true });
    const outcome = writeManifestIfChanged(publicManifest.out, manifest);
    io.out(outcome === "unchanged" ? `deploy: manifest ${out} unchanged\n` : `deploy: manifest written to ${out}\n`);
    return;
  }
  if (values.manifest !== undefined && inputs.devnetManifest !== undefined && !dryRun) {
    const base = inputs.devnetManifest;
    const manifest = parseDeploymentManifest({
      ...base,
      createdAt: new Date().toISOString(),
      chains: base.chains.map((chain) => {
        if (chain.family === "solana") {
          const vault = solana.find((v) => v.plan.chainId === chain.chainId);
          return vault?.result.accounts ? { ...chain, ...solanaManifestOf(vault, vault.result.accounts) } : chain;
        }
        const contracts = chain.family === "evm" ? result.contracts.get(chain.chainId) : undefined;
        if (!contracts || chain.family !== "evm") return chain;
        // The receivers and their channel contract are this deployment's too (a fresh set has its own, or none).
        const { slaReceivers: _receivers, x402Channels: _channels, ...kept } = chain.contracts;
        return { ...chain, contracts: { ...kept, ...contracts } };
      }),
    });
    const out = path.resolve(io.cwd, values.manifest);
    // A re-run that changes nothing leaves the file as it is (its createdAt too): an unchanged deployment is an
    // unchanged manifest, byte for byte.
    const outcome = writeManifestIfChanged(out, manifest);
    io.out(
      outcome === "unchanged"
        ? `deploy: manifest ${path.relative(io.cwd, out)} unchanged\n`
        : `deploy: manifest written to ${path.relative(io.cwd, out)}\n`,
    );
  }
}

/** What the deploy sets of a Solana chain's manifest entry: the vault, its multisig and operators, the emitter. */
function solanaManifestOf(vault: SolanaVaultInputs, accounts: SolanaVaultAccounts) {
  return {
    vault: accounts.vault.toBase58(),
    multisig: accounts.multisig.toBase58(),
    threshold: vault.plan.threshold,
    operators: vault.operatorRefs,
    wormholeEmitter: bytesToHex(accounts.multisig.toBytes()),
  };
}

function solanaConnectionOf(url: string, name: string): Connection {
  try {
    return new Connection(url, { commitment: "confirmed", disableRetryOnRateLimit: true });
  } catch (error) {
    throw new DeployError("invalid-config", `${name}: bad RPC URL`, { cause: error });
  }
}

/** The Solana deployer: a KMS Ed25519 key (production) or a keypair file (tests); its secret is never printed. */
async function solanaPayerOf(
  values: ReturnType<typeof parse>,
  io: CliIo,
): Promise<SolanaTransactionSigner | undefined> {
  const kmsKey = values["solana-kms-key"];
  const file = values["solana-key-file"];
  if (kmsKey !== undefined && file !== undefined) {
    throw new DeployError("invalid-config", "give one Solana key: --solana-kms-key or --solana-key-file, not both");
  }
  if (file !== undefined) {
    try {
      const bytes = JSON.parse(readFileSync(path.resolve(io.cwd, file), "utf8")) as number[];
      return Keypair.fromSecretKey(Uint8Array.from(bytes));
    } catch (error) {
      throw new DeployError("invalid-config", `${file} holds no Solana keypair`, { details: reasonOf(error) });
    }
  }
  if (kmsKey === undefined) return undefined;
  try {
    return await kmsSolanaSignerOfKeyId({ kms: kmsClientOf(io), keyId: kmsKey });
  } catch (error) {
    throw new DeployError("invalid-config", `KMS key ${kmsKey}: cannot read its Ed25519 public key`, { cause: error });
  }
}

function devnetDeployer(manifest: DeploymentManifest | undefined): Hex | undefined {
  const ref = manifest?.keys.deployer;
  if (ref?.kind === "kms") return publicKeyToAddress(ref.publicKey as Hex);
  return ref && "address" in ref ? (ref.address as Hex) : undefined;
}

/** The decimals of a configured Solana mint, read from the cluster. */
async function mintDecimalsOf(connection: Connection, vault: SolanaVaultInputs): Promise<number> {
  try {
    return (await getMint(connection, vault.plan.mint)).decimals;
  } catch (error) {
    throw new DeployError("rpc-unreachable", `${vault.plan.name}: cannot read mint ${vault.plan.mint.toBase58()}`, {
      cause: error,
    });
  }
}

/**
 * Each EVM chain's netting vault key, which signs the vault's approvals of bond top-ups: a public stage's from its
 * deploy file (`keys.nettingVaults`, KMS), the devnet's from its manifest. A chain without one is left out; the run
 * then refuses its approvals before sending anything.
 */
async function vaultAccountsOf(
  inputs: ReturnType<typeof stageDeployInputs>,
  io: CliIo,
): Promise<Map<number, LocalAccount>> {
  const kms = kmsClientOf(io);
  const accounts = new Map<number, LocalAccount>();
  const fromFile = inputs.publicManifestFile?.keys?.nettingVaults ?? {};
  const fromManifest = inputs.devnetManifest?.keys.nettingVaults ?? [];
  for (const chain of inputs.chains) {
    const keyId = fromFile[String(chain.chainId)];
    const ref = fromManifest.find((vault) => vault.chainId === chain.chainId)?.key;
    if (keyId !== undefined)
      accounts.set(chain.chainId, await kmsAccountOf(kms, keyId, `keys.nettingVaults.${chain.chainId}`));
    else if (ref?.kind === "kms")
      accounts.set(chain.chainId, kmsEvmAccount({ kms, keyId: ref.keyId, publicKey: ref.publicKey as Hex }));
    else if (ref?.kind === "anvil-dev-account") accounts.set(chain.chainId, anvilDevAccount(ref.index));
  }
  return accounts;
}

/** A KMS secp256k1 key as a signing account (its public key read once). */
async function kmsAccountOf(kms: KMSClient, keyId: string, role: string): Promise<LocalAccount> {
  let publicKey: Hex;
  try {
    const answer = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    if (!answer.PublicKey) throw new Error("no public key in the answer");
    publicKey = bytesToHex(secp256k1PointOfSpki(answer.PublicKey));
  } catch (error) {
    throw new DeployError("invalid-config", `${role}: KMS key ${keyId}: cannot read its public key`, { cause: error });
  }
  return kmsEvmAccount({ kms, keyId, publicKey });
}

async function accountOf(values: ReturnType<typeof parse>, io: CliIo): Promise<LocalAccount | undefined> {
  const kmsKey = values["kms-key"];
  const keyEnv = values["private-key-env"];
  if (kmsKey !== undefined && keyEnv !== undefined) {
    throw new DeployError("invalid-config", "give one key: --kms-key or --private-key-env, not both");
  }
  if (keyEnv !== undefined) {
    const key = io.env[keyEnv];
    if (key === undefined || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
      throw new DeployError(
        "invalid-config",
        `environment variable ${keyEnv} holds no 0x-prefixed 32-byte private key`,
      );
    }
    return privateKeyToAccount(key as Hex);
  }
  if (kmsKey === undefined) return undefined;
  return await kmsAccountOf(kmsClientOf(io), kmsKey, "--kms-key");
}

/** A KMS client: region and credentials from the SDK's usual chain; AWS_ENDPOINT_URL_KMS points it at a KMS on loopback. */
function kmsClientOf(io: CliIo): KMSClient {
  const endpoint = io.env.AWS_ENDPOINT_URL_KMS;
  return new KMSClient(endpoint ? { endpoint } : {});
}
