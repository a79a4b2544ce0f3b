import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { GetPublicKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import {
  type DeploymentManifest,
  type EvmChainManifest,
  type KeyReference,
  parseDeploymentManifest,
  type SolanaChainManifest,
  type StageConfig,
} from "@slabridge/core";
import { secp256k1PointOfSpki } from "@slabridge/evm";
import { type LayerZeroAddressLookup, type LayerZeroProtocolContract, layerZeroAddressOf } from "@slabridge/layerzero";
import { PublicKey } from "@solana/web3.js";
import { type Address, bytesToHex, getAddress, type Hex } from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { z } from "zod";
import { DeployError } from "./DeployError.ts";
import type { SolanaVaultAccounts } from "./deploySolanaVault.ts";
import type { ChainProtocols, DeployParameters, SlabridgeChainContracts } from "./planDeployment.ts";
import type { SolanaVaultInputs } from "./stageDeployInputs.ts";

/** A KMS key as AWS accepts it: key id, key ARN, alias name or alias ARN. */
const kmsKeyId = z
  .string()
  .regex(
    /^(alias\/[A-Za-z0-9/_-]+|(mrk-)?[0-9a-f-]{32,36}|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+)$/,
    "a KMS key id, key ARN, alias (alias/…) or alias ARN",
  );

/** A public https base URL: no credentials or query, where an API key would sit (secrets stay SST secrets). */
const publicHttpsUrl = z
  .string()
  .url()
  .refine((text) => {
    const url = new URL(text);
    return url.protocol === "https:" && url.username === "" && url.password === "" && url.search === "";
  }, "an https URL without credentials or query");

/**
 * What a public stage's `config/<stage>.deploy.json` adds for its manifest: the KMS keys of every EVM role (their
 * public keys are read from KMS when the manifest is written), Wormhole's guardian API and the AWS region of the
 * stack. Optional in the file (a dry run and the contracts need none of it); writing the manifest needs all of it.
 */
export const publicManifestFileFields = {
  keys: z
    .object({
      deployer: kmsKeyId.describe("the contracts' deployer and first owner (ECC_SECG_P256K1)"),
      relayer: kmsKeyId.describe("sends every relay transaction; also the LayerZero executor"),
      layerZeroDvn: kmsKeyId.describe("slabridge's LayerZero DVN"),
      probers: z.array(kmsKeyId).min(1).describe("the SLA oracle's signers, in the stack's prober order"),
      nettingVaults: z
        .record(z.string().regex(/^\d+$/, "a chain id"), kmsKeyId)
        .describe("the netting vault key of each EVM chain, by chain id"),
      x402Facilitator: kmsKeyId
        .optional()
        .describe(
          "pay per call: the gateway's x402 facilitator (submits buyers' deposits); also the SLA receivers' refund authorizer (payPerCall.authorizer)",
        ),
      proberPayers: z
        .array(kmsKeyId)
        .optional()
        .describe(
          "pay per call: prober i's x402 payer key (it probes gateway-sold models as a buyer), in probers' order",
        ),
    })
    .optional()
    .describe("KMS key per role (public stages): the manifest names them, the functions sign with them"),
  guardian: z
    .object({ apiUrl: publicHttpsUrl, guardianSetIndex: z.number().int().min(0) })
    .optional()
    .describe("Wormhole's guardian API (public) and its current guardian set"),
  awsRegion: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region")
    .optional()
    .describe("the stack's home region (its tables)"),
};

/**
 * Refuses a public stage's deploy before anything is sent when its manifest could not be written afterwards.
 *
 * @throws {DeployError} `invalid-config` naming the missing section.
 * @example requirePublicManifestFile(inputs.publicManifestFile ?? {}, "testnet");
 */
export function requirePublicManifestFile(file: PublicManifestFile, stage: string): void {
  const missing = [
    file.keys === undefined ? "keys (a KMS key per role: deployer, relayer, layerZeroDvn, probers, nettingVaults)" : [],
    file.guardian === undefined ? "guardian ({ apiUrl, guardianSetIndex }: Wormhole's guardian API)" : [],
    file.awsRegion === undefined ? "awsRegion (the stack's region)" : [],
  ].flat();
  if (missing.length > 0) {
    throw new DeployError(
      "invalid-config",
      `config/${stage}.deploy.json: the functions' manifest needs ${missing.join(", ")}`,
    );
  }
}

/** The manifest section of a public stage's deploy file, as parsed. */
export interface PublicManifestFile {
  keys?: z.infer<typeof publicManifestFileFields.keys>;
  guardian?: z.infer<typeof publicManifestFileFields.guardian>;
  awsRegion?: string | undefined;
}

/** The roles of {@link publicManifestFileFields}' `keys`, each a KMS key reference once read. */
export interface PublicStageKeys {
  deployer: KmsKeyReference;
  relayer: KmsKeyReference;
  layerZeroDvn: KmsKeyReference;
  probers: KmsKeyReference[];
  nettingVaults: Map<number, KmsKeyReference>;
  /** The Solana vault's operators as KMS has them (keyId: the key's ARN), in the deploy file's order. */
  solanaOperators: KmsKeyReference[];
  /** Pay per call: the gateway's facilitator key, also the SLA receivers' refund authorizer. */
  x402Facilitator?: KmsKeyReference;
  /** Pay per call: each prober's x402 payer key, in the probers' order. */
  proberPayers?: KmsKeyReference[];
}

type KmsKeyReference = Extract<KeyReference, { kind: "kms" }>;

// id-Ed25519 SubjectPublicKeyInfo (RFC 8410): a 12-byte header, then the 32-byte key.
const ED25519_SPKI_HEADER_BYTES = 12;

/**
 * Reads the public key of every role's KMS key (`GetPublicKey`) named in the deploy file: secp256k1 for the EVM
 * roles, Ed25519 for the Solana operators (checked against the public keys the file gives, which the vault's multisig
 * was made of). Each reference names the key by the ARN KMS answers with, so the manifest does not move with an alias.
 *
 * The stage config's gateway names its facilitator key too (`gateway.facilitatorKey`, what the gateway signs with);
 * when it is a KMS key it must be the deploy file's `keys.x402Facilitator`, the one the stacks grant the gateway.
 *
 * @throws {DeployError} `invalid-config` naming the role: a key missing from the section, one KMS does not know or
 *   of another curve, an operator whose KMS key is not the one listed, a gateway facilitator key that is not
 *   `keys.x402Facilitator`.
 * @example const keys = await readPublicStageKeys({ file, solanaOperators, kms, stage: "testnet" });
 */
export async function readPublicStageKeys(options: {
  file: PublicManifestFile;
  solanaOperators: readonly KeyReference[];
  evmChainIds: readonly number[];
  kms: KMSClient;
  stage: string;
  /** The stage config's `gateway.facilitatorKey`, when it has a gateway. */
  gatewayFacilitator?: KeyReference | undefined;
}): Promise<PublicStageKeys> {
  const where = `config/${options.stage}.deploy.json`;
  const keys = options.file.keys;
  if (keys === undefined) {
    throw new DeployError(
      "invalid-config",
      `${where}: keys: the manifest names a KMS key per role (deployer, relayer, layerZeroDvn, probers, nettingVaults)`,
    );
  }
  const evmKey = async (role: string, keyId: string): Promise<KmsKeyReference> => {
    const { arn, spki } = await publicKeyOf(options.kms, keyId, role);
    try {
      return { kind: "kms", keyId: arn, publicKey: bytesToHex(secp256k1PointOfSpki(spki)) };
    } catch (error) {
      throw new DeployError("invalid-config", `${where}: keys.${role}: ${keyId} is not an ECC_SECG_P256K1 key`, {
        cause: error,
      });
    }
  };
  const vaultKeys = await Promise.all(
    options.evmChainIds.map(async (chainId): Promise<[number, KmsKeyReference]> => {
      const keyId = keys.nettingVaults[String(chainId)];
      if (keyId === undefined) {
        throw new DeployError("invalid-config", `${where}: keys.nettingVaults.${chainId}: no netting vault key`);
      }
      return [chainId, await evmKey(`nettingVaults.${chainId}`, keyId)];
    }),
  );
  const solanaOperators = await Promise.all(
    options.solanaOperators.map(async (operator, i): Promise<KmsKeyReference> => {
      const role = `solana.operators.${i}`;
      if (operator.kind !== "kms") throw new DeployError("invalid-config", `${where}: ${role}: not a KMS key`);
      const { arn, spki } = await publicKeyOf(options.kms, operator.keyId, role);
      const raw = spki.subarray(ED25519_SPKI_HEADER_BYTES);
      const publicKey = raw.length === 32 ? new PublicKey(raw).toBase58() : undefined;
      if (publicKey !== operator.publicKey) {
        throw new DeployError(
          "invalid-config",
          `${where}: ${role}: KMS key ${operator.keyId} is not the Ed25519 key ${operator.publicKey} the vault names`,
        );
      }
      return { kind: "kms", keyId: arn, publicKey };
    }),
  );
  const facilitator =
    keys.x402Facilitator === undefined ? undefined : await evmKey("x402Facilitator", keys.x402Facilitator);
  const gateway = options.gatewayFacilitator;
  if (gateway !== undefined) {
    const configFile = `config/${options.stage}.json`;
    if (gateway.kind !== "kms") {
      throw new DeployError(
        "invalid-config",
        `${configFile}: gateway.facilitatorKey: a public stage signs with KMS keys`,
      );
    }
    // The stacks grant the gateway the manifest's facilitator key: the key it signs with must be that one.
    const { arn } = await publicKeyOf(options.kms, gateway.keyId, "gateway.facilitatorKey");
    if (facilitator === undefined || arn !== facilitator.keyId) {
      throw new DeployError(
        "invalid-config",
        `${configFile}: gateway.facilitatorKey ${gateway.keyId} is not ${where}'s keys.x402Facilitator (${keys.x402Facilitator ?? "missing"})`,
      );
    }
  }
  return {
    deployer: await evmKey("deployer", keys.deployer),
    relayer: await evmKey("relayer", keys.relayer),
    layerZeroDvn: await evmKey("layerZeroDvn", keys.layerZeroDvn),
    probers: await Promise.all(keys.probers.map((keyId, i) => evmKey(`probers.${i}`, keyId))),
    nettingVaults: new Map(vaultKeys),
    solanaOperators,
    ...(facilitator === undefined ? {} : { x402Facilitator: facilitator }),
    ...(keys.proberPayers === undefined
      ? {}
      : { proberPayers: await Promise.all(keys.proberPayers.map((keyId, i) => evmKey(`proberPayers.${i}`, keyId))) }),
  };
}

async function publicKeyOf(kms: KMSClient, keyId: string, role: string): Promise<{ arn: string; spki: Uint8Array }> {
  try {
    const answer = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    if (!answer.PublicKey || !answer.KeyId) throw new Error("no public key in the answer");
    if (answer.KeyUsage !== undefined && answer.KeyUsage !== "SIGN_VERIFY") throw new Error("not a signing key");
    return { arn: answer.KeyId, spki: answer.PublicKey };
  } catch (error) {
    if (error instanceof DeployError) throw error;
    throw new DeployError("invalid-config", `keys.${role}: KMS key ${keyId}: cannot read its public key`, {
      cause: error,
    });
  }
}

/** What a run deployed on a Solana cluster, with the inputs it was planned from. */
export interface DeployedSolanaVault extends SolanaVaultInputs {
  accounts: SolanaVaultAccounts;
  /** The mint's decimals (Circle's USDC: 6; a configured mint's read from the cluster). */
  decimals: number;
}

/** Everything a public stage's manifest is made of. */
export interface PublicStageManifestInputs {
  config: StageConfig & { network: "testnet" | "mainnet" };
  /** The EVM chains' protocols as the deploy resolved them (Wormhole core, USDC, LayerZero endpoint id). */
  chains: readonly ChainProtocols[];
  /** The account that deployed (and owns) the contracts, when known: the deployer key must be it. */
  deployer?: Address | undefined;
  /** What the contracts were deployed with (probers, netting vaults): the keys must be theirs. */
  parameters: DeployParameters;
  /** The SLA receivers' refund authorizer (`payPerCall.authorizer`), when set: the facilitator key must be it. */
  authorizer?: Address | undefined;
  /** The deploy's contracts per EVM chain id. */
  contracts: ReadonlyMap<number, SlabridgeChainContracts>;
  solana: readonly DeployedSolanaVault[];
  file: PublicManifestFile;
  keys: PublicStageKeys;
  /** When the manifest is written (kept as it was by {@link writeManifestIfChanged} when nothing else changed). */
  createdAt: Date;
  /** LayerZero's address book (default: {@link layerZeroAddressOf}, the installed lz-evm-sdk-v2). */
  layerZeroAddress?: (eid: number, contract: LayerZeroProtocolContract) => LayerZeroAddressLookup;
}

// Circle's USDC, the stablecoin stageDeployInputs takes for every chain of a public stage.
const USDC = { decimals: 6, symbol: "USDC" } as const;

/**
 * The deployment manifest of a public stage (testnet, mainnet), the file `npx sst deploy` bundles with every function
 * (`config/<stage>.manifest.json`): the stage config's chains (names, confirmations, home chain), the deploy's
 * contracts and Solana vault, the protocols' address books (LayerZero's EndpointV2 and ULN302 libraries, Wormhole's
 * core, Circle's USDC), and every role's KMS key. No secret: a chain whose stage config names a secret RPC URL has no
 * `rpcUrl` (the functions read the SST secret). No demo hosts, buyers or models: models are minted later, on chain.
 *
 * @throws {DeployError} `unknown-protocol-address` for a LayerZero contract no address book lists, `invalid-config`
 *   for a missing guardian or region, or keys that are not the ones the contracts were deployed with,
 *   `invalid-state` for a chain with no contracts yet.
 * @example const manifest = publicStageManifest({ config, chains, parameters, contracts, solana, file, keys, createdAt: new Date() });
 */
export function publicStageManifest(inputs: PublicStageManifestInputs): DeploymentManifest {
  const { config, file, keys, parameters } = inputs;
  const where = `config/${config.stage}.deploy.json`;
  const lookUp = inputs.layerZeroAddress ?? ((eid, contract) => layerZeroAddressOf(eid, contract));
  if (file.guardian === undefined) {
    throw new DeployError("invalid-config", `${where}: guardian: Wormhole's guardian API { apiUrl, guardianSetIndex }`);
  }
  if (file.awsRegion === undefined) throw new DeployError("invalid-config", `${where}: awsRegion: the stack's region`);
  checkKeysMatchDeployment(keys, parameters, inputs.authorizer, where);
  const deployerKey = getAddress(publicKeyToAddress(keys.deployer.publicKey as Hex));
  if (inputs.deployer !== undefined && getAddress(inputs.deployer) !== deployerKey) {
    throw new DeployError(
      "invalid-config",
      `${where}: keys.deployer: ${deployerKey} is not the account that deployed the contracts (${inputs.deployer})`,
    );
  }

  const chains = config.chains.map((chain): EvmChainManifest | SolanaChainManifest => {
    // Only an inline URL (loopback, by the stage schema) is written; a secret's never is.
    const rpcUrl = "url" in chain.rpcUrl ? { rpcUrl: chain.rpcUrl.url } : {};
    if (chain.family === "solana") {
      const deployed = inputs.solana.find((vault) => vault.plan.chainId === chain.chainId);
      if (deployed === undefined) {
        throw new DeployError("invalid-state", `${chain.name}: the Solana vault is not set up yet`);
      }
      return {
        family: "solana",
        name: chain.name,
        chainId: chain.chainId,
        ...rpcUrl,
        mint: deployed.plan.mint.toBase58(),
        decimals: deployed.decimals,
        vault: deployed.accounts.vault.toBase58(),
        multisig: deployed.accounts.multisig.toBase58(),
        threshold: deployed.plan.threshold,
        operators: keys.solanaOperators,
        wormholeEmitter: bytesToHex(deployed.accounts.multisig.toBytes()),
      };
    }
    const protocols = inputs.chains.find((c) => c.chainId === chain.chainId);
    const contracts = inputs.contracts.get(chain.chainId);
    if (protocols === undefined || contracts === undefined) {
      throw new DeployError("invalid-state", `${chain.name}: slabridge's contracts are not deployed yet`);
    }
    const layerZero = (contract: LayerZeroProtocolContract): Address => {
      const found = lookUp(protocols.layerZero.eid, contract);
      if (!found.found) {
        throw new DeployError(
          "unknown-protocol-address",
          `${chain.name}: LayerZero ${contract} (eid ${protocols.layerZero.eid}, ${found.network}): ${found.reason}`,
        );
      }
      return found.address;
    };
    const endpointV2 = layerZero("EndpointV2");
    if (protocols.layerZero.endpointV2 !== undefined && protocols.layerZero.endpointV2 !== endpointV2) {
      throw new DeployError(
        "invalid-config",
        `${chain.name}: the messenger was deployed on EndpointV2 ${protocols.layerZero.endpointV2}, the address book lists ${endpointV2}`,
      );
    }
    return {
      family: "evm",
      name: chain.name,
      chainId: chain.chainId,
      ...rpcUrl,
      confirmations: chain.confirmations,
      layerZero: {
        eid: protocols.layerZero.eid,
        endpointV2,
        sendUln302: layerZero("SendUln302"),
        receiveUln302: layerZero("ReceiveUln302"),
      },
      wormhole: { chainId: protocols.wormhole.chainId, core: protocols.wormhole.core },
      stablecoin: { address: protocols.stablecoin, ...USDC },
      contracts: manifestContractsOf(contracts),
    };
  });

  // In the stage config's chain order, so the file reads like the config.
  const nettingVaults = config.chains.flatMap((chain) => {
    const { chainId } = chain;
    const account = parameters.nettingVaults.get(chainId);
    if (account === undefined) return [];
    const key = keys.nettingVaults.get(chainId);
    // An EVM vault signs with its key; Solana's is the vault token account, moved by the operators' multisig.
    return key === undefined ? { chainId, account } : { chainId, account, key };
  });
  return parseDeploymentManifest({
    version: 1,
    network: config.network,
    createdAt: inputs.createdAt.toISOString(),
    homeChainId: parameters.homeChainId,
    chains,
    guardian: file.guardian,
    // In AWS the functions find their tables through SST links; the manifest names none.
    dynamo: { region: file.awsRegion, tables: {} },
    hosts: [],
    models: [],
    keys: {
      deployer: keys.deployer,
      layerZeroDvn: keys.layerZeroDvn,
      layerZeroExecutor: keys.relayer,
      probers: keys.probers,
      proberThreshold: parameters.proberThreshold,
      demoBuyers: [],
      nettingVaults,
      ...(keys.proberPayers === undefined ? {} : { proberPayers: keys.proberPayers }),
      ...(keys.x402Facilitator === undefined ? {} : { x402Facilitator: keys.x402Facilitator }),
    },
  });
}

/** The manifest's contract fields, in a fixed order (the file is compared byte for byte). */
function manifestContractsOf(contracts: SlabridgeChainContracts): EvmChainManifest["contracts"] {
  const { escrow, messageRouter, revenueLedger, modelRegistry, slaOracle, hostBond } = contracts;
  const { slaReceiverFactory, slaReceivers, x402Channels } = contracts;
  return {
    ...(escrow ? { escrow } : {}),
    ...(messageRouter ? { messageRouter } : {}),
    ...(revenueLedger ? { revenueLedger } : {}),
    ...(modelRegistry ? { modelRegistry } : {}),
    ...(slaOracle ? { slaOracle } : {}),
    ...(hostBond ? { hostBond } : {}),
    // Pay per call: the receivers of the models listed when the deploy ran (a re-run adds later ones).
    ...(slaReceiverFactory ? { slaReceiverFactory } : {}),
    ...(slaReceivers ? { slaReceivers } : {}),
    ...(x402Channels ? { x402Channels } : {}),
    layerZeroMessenger: contracts.layerZeroMessenger,
    wormholeMessenger: contracts.wormholeMessenger,
  };
}

/** The keys must be the accounts the contracts trust: the oracle's signers and the registry's netting vaults. */
function checkKeysMatchDeployment(
  keys: PublicStageKeys,
  parameters: DeployParameters,
  authorizer: Address | undefined,
  where: string,
): void {
  const addressOf = (ref: KmsKeyReference) => getAddress(publicKeyToAddress(ref.publicKey as Hex));
  const signers = new Set(parameters.probers.map((prober) => getAddress(prober)));
  keys.probers.forEach((ref, i) => {
    if (!signers.has(addressOf(ref))) {
      throw new DeployError(
        "invalid-config",
        `${where}: keys.probers.${i}: ${addressOf(ref)} is not a signer of the SLA oracle (probers)`,
      );
    }
  });
  if (keys.probers.length !== signers.size) {
    throw new DeployError(
      "invalid-config",
      `${where}: keys.probers: ${keys.probers.length} keys for the oracle's ${signers.size} signers`,
    );
  }
  // Prober i pays for its probes with payer key i: one per prober, none of them an oracle signer.
  if (keys.proberPayers !== undefined) {
    if (keys.proberPayers.length !== keys.probers.length) {
      throw new DeployError(
        "invalid-config",
        `${where}: keys.proberPayers: ${keys.proberPayers.length} keys for the ${keys.probers.length} probers (prober i pays with key i)`,
      );
    }
    keys.proberPayers.forEach((ref, i) => {
      if (signers.has(addressOf(ref))) {
        throw new DeployError(
          "invalid-config",
          `${where}: keys.proberPayers.${i}: ${addressOf(ref)} signs SLA reports; a prober pays with a key of its own`,
        );
      }
    });
  }
  // The receivers take cooperative refunds signed by their authorizer, which the gateway signs as its facilitator.
  if (keys.x402Facilitator !== undefined && authorizer !== undefined) {
    if (addressOf(keys.x402Facilitator) !== getAddress(authorizer)) {
      throw new DeployError(
        "invalid-config",
        `${where}: keys.x402Facilitator: ${addressOf(keys.x402Facilitator)} is not payPerCall.authorizer (${authorizer}), which the SLA receivers take refunds from`,
      );
    }
  }
  for (const [chainId, ref] of keys.nettingVaults) {
    const account = parameters.nettingVaults.get(chainId);
    const expected = `0x${addressOf(ref).slice(2).padStart(64, "0")}`.toLowerCase();
    if (account?.toLowerCase() !== expected) {
      throw new DeployError(
        "invalid-config",
        `${where}: keys.nettingVaults.${chainId}: ${addressOf(ref)} is not the chain's netting vault (nettingVaults.${chainId})`,
      );
    }
  }
}

/**
 * Writes `manifest` to `file` (tmp + rename), unless the file already holds the same manifest apart from its
 * `createdAt`: then it is left as it is, byte for byte, so an unchanged deployment is an unchanged file.
 *
 * @example const outcome = writeManifestIfChanged("config/testnet.manifest.json", manifest); // "written" | "unchanged"
 */
export function writeManifestIfChanged(file: string, manifest: DeploymentManifest): "written" | "unchanged" {
  if (sameApartFromCreatedAt(readManifestIfAny(file), manifest)) return "unchanged";
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, file);
  return "written";
}

/** The manifest at `file`, or undefined when there is none (or it is not one). */
function readManifestIfAny(file: string): DeploymentManifest | undefined {
  try {
    return parseDeploymentManifest(JSON.parse(readFileSync(file, "utf8")));
  } catch {
    return undefined;
  }
}

function sameApartFromCreatedAt(a: DeploymentManifest | undefined, b: DeploymentManifest): boolean {
  return a !== undefined && JSON.stringify({ ...a, createdAt: "" }) === JSON.stringify({ ...b, createdAt: "" });
}
