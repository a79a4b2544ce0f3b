import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type DeploymentManifest, type KeyReference, parseDeploymentManifest, SlabridgeError } from "@slabridge/core";
import { type ChainTopology, rpcUrlSecretName, type StageTopology } from "./stages.ts";

/**
 * The signers stack grants the functions the signing keys the stage's deployment manifest names, and owns every
 * secret the functions read, so nothing secret ever sits in code or config:
 * - the KMS keys are the operator's, created with the AWS CLI before the contracts were deployed (the oracle's
 *   probers, the registry's netting vaults and the vault's operators are set at deploy time), and recorded by ARN in
 *   `config/<stage>.manifest.json` by `npm run deploy`. The stacks create no key: they read that manifest at
 *   `sst deploy` time and give each function `kms:Sign`/`kms:GetPublicKey` on exactly its roles' ARNs (see
 *   slabridgeFunction.ts); the functions sign with the same manifest, bundled with their code.
 *   Roles: the relayer (`keys.layerZeroExecutor`, also the LayerZero executor), the LayerZero DVN
 *   (`keys.layerZeroDvn`), each SLA prober (`keys.probers[i]`), the netting vault of each EVM chain
 *   (`keys.nettingVaults[].key`) and each operator of the Solana vault's multisig (the Solana chain's `operators`).
 * - one SST Secret per chain's RPC URL (provider URLs embed API keys), one for the Wormhole guardian API base URL, and
 *   one for the gateway's usage receipt key.
 *   Set them per stage with `npx sst secret set RpcUrlEvmA <url> --stage <stage>`.
 *
 * Assumed names: `new sst.Secret(name)`.
 *
 * @example
 * const topology = stageTopology($app.stage);
 * const signers = createSigners(topology, readStageManifest(topology));
 * signers.evm.relayer.arn; // "arn:aws:kms:us-east-1:111122223333:key/…"
 */
export interface SigningKey {
  /** Where the manifest names it, e.g. `keys.probers.0` (for errors and tests). */
  readonly role: string;
  /** The KMS key's ARN: what the function's IAM policy names. */
  readonly arn: string;
}

/** A signing key that belongs to one chain. */
export interface ChainSigningKey extends SigningKey {
  readonly chain: ChainTopology;
}

export interface RpcUrlSecret {
  readonly chain: ChainTopology;
  readonly secret: sst.Secret;
}

export interface Signers {
  readonly evm: {
    /** Sends every EVM transaction and plays the LayerZero executor (commit + lzReceive). */
    readonly relayer: SigningKey;
    /** slabridge's LayerZero DVN: verifies packets on the receive ULN. */
    readonly dvn: SigningKey;
    /** EIP-712 signers of SLA reports, in the manifest's order (prober region i holds key i); never the relay's. */
    readonly probers: readonly SigningKey[];
    /**
     * The netting vault of each EVM chain (the registry's `nettingVault[chainId]`: payouts of payees paid elsewhere
     * land there and are netted and bridged onward), in topology order; used by the netting function only. Solana's
     * vault is its multisig, so it has none here.
     */
    readonly nettingVaults: readonly ChainSigningKey[];
    /** Prober region i's x402 payer key (`keys.proberPayers[i]`), when the stage's probers pay for their probes. */
    readonly proberPayers: readonly SigningKey[];
    /** The gateway's x402 facilitator key (`keys.x402Facilitator`), when the stage sells models per call. */
    readonly x402Facilitator?: SigningKey;
  };
  /** Operators of the Solana vault's SPL Token multisig (and the Wormhole emitter of Solana messages). */
  readonly solanaOperators: readonly SigningKey[];
  readonly rpcUrls: readonly RpcUrlSecret[];
  readonly guardianApiUrl: sst.Secret;
  /** The private key the gateway signs usage receipts with (`npx sst secret set GatewayReceiptKey 0x…`). */
  readonly gatewayReceiptKey: sst.Secret;
}

/**
 * The stage's manifest cannot give the stacks its keys: missing, not a manifest, a role absent, or a key that is
 * not a KMS key named by ARN (an IAM policy names keys by ARN; an alias or a bare key id would grant nothing).
 *
 * @example
 * createSigners(topology, manifest); // throws: config/testnet.manifest.json: keys.layerZeroDvn: alias/dvn is not a KMS key ARN
 */
export class StageKeysError extends SlabridgeError {
  override readonly name = "StageKeysError" as const;
  constructor(manifestFile: string, problem: string, cause?: unknown) {
    super(`${manifestFile}: ${problem}`, { retryable: false, ...(cause === undefined ? {} : { cause }) });
  }
}

/** A KMS key ARN (`arn:aws:kms:<region>:<account>:key/<key id>`, other partitions too); alias ARNs are not keys. */
const kmsKeyArn = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/**
 * The stage's deployment manifest as `npm run deploy` wrote it (`topology.manifestFile`, relative to `root`: the
 * app's directory, where `sst deploy` runs), validated with core's schema.
 *
 * @throws {StageKeysError} when the file is missing or is not a valid manifest.
 * @example const manifest = readStageManifest(stageTopology("testnet"));
 */
export function readStageManifest(topology: StageTopology, root: string = process.cwd()): DeploymentManifest {
  const file = topology.manifestFile;
  const path = resolve(root, file);
  if (!existsSync(path)) {
    throw new StageKeysError(
      file,
      `no manifest: sst deploy grants the keys it names; write it first with npm run deploy -- --stage ${topology.stage}`,
    );
  }
  try {
    return parseDeploymentManifest(JSON.parse(readFileSync(path, "utf8")));
  } catch (error) {
    throw new StageKeysError(file, "not a valid deployment manifest", error);
  }
}

/**
 * The signers of a stage: each role's KMS key ARN from its manifest, and the secrets (see {@link Signers}).
 *
 * @throws {StageKeysError} naming the role: a key that is not a KMS key ARN, a key
 *   in another region (every function signs through a KMS client of the home region, probers elsewhere too), fewer
 *   prober keys than prober regions,
 *   an EVM chain without its netting vault key, no Solana chain or operators where the stage has one.
 * @example const signers = createSigners(topology, readStageManifest(topology));
 */
export function createSigners(topology: StageTopology, manifest: DeploymentManifest): Signers {
  const file = topology.manifestFile;
  const kmsArnOf = (ref: KeyReference | undefined, role: string, region?: string): SigningKey => {
    if (ref === undefined) throw new StageKeysError(file, `${role}: missing (the stage signs with it)`);
    if (ref.kind !== "kms") throw new StageKeysError(file, `${role}: not a KMS key (${ref.kind})`);
    if (!kmsKeyArn.test(ref.keyId)) {
      throw new StageKeysError(
        file,
        `${role}: ${ref.keyId} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): IAM grants keys by ARN, not by alias or bare id`,
      );
    }
    // KMS keys are regional, and a function signs through a client of its own region.
    const keyRegion = ref.keyId.split(":")[3];
    if (region !== undefined && keyRegion !== region) {
      throw new StageKeysError(
        file,
        `${role}: ${ref.keyId} is a key of ${keyRegion}; the functions sign through KMS in the home region, ${region}`,
      );
    }
    return { role, arn: ref.keyId };
  };
  const home = topology.homeRegion;
  const manifestChainOf = (chain: ChainTopology) => {
    const found = manifest.chains.find((deployed) => deployed.name === chain.name);
    if (found?.family !== chain.family) {
      throw new StageKeysError(file, `chains: no ${chain.family} chain named ${chain.name} (the stage runs it)`);
    }
    return found;
  };

  const { keys } = manifest;
  // Prober region i signs with key i: every region needs one of its own.
  if (keys.probers.length < topology.proberRegions.length) {
    throw new StageKeysError(
      file,
      `keys.probers: ${keys.probers.length} keys for the stage's ${topology.proberRegions.length} prober regions`,
    );
  }
  const nettingVaults = topology.chains
    .filter((chain) => chain.family === "evm")
    .map((chain): ChainSigningKey => {
      const { chainId } = manifestChainOf(chain);
      const index = (keys.nettingVaults ?? []).findIndex((vault) => vault.chainId === chainId);
      const role = `keys.nettingVaults.${index < 0 ? `(chain ${chainId})` : index}.key`;
      return { chain, ...kmsArnOf(keys.nettingVaults?.[index]?.key, role, home) };
    });
  const solanaOperators = topology.chains
    .filter((chain) => chain.family === "solana")
    .flatMap((chain) => {
      const deployed = manifestChainOf(chain);
      const operators = deployed.family === "solana" ? deployed.operators : [];
      const at = manifest.chains.indexOf(deployed);
      return operators.map((operator, i) => kmsArnOf(operator, `chains.${at}.operators.${i}`, home));
    });

  return {
    evm: {
      relayer: kmsArnOf(keys.layerZeroExecutor, "keys.layerZeroExecutor", home),
      dvn: kmsArnOf(keys.layerZeroDvn, "keys.layerZeroDvn", home),
      probers: keys.probers.map((ref, i) => kmsArnOf(ref, `keys.probers.${i}`, home)),
      nettingVaults,
      // A prober pays through KMS in the home region, like it signs.
      proberPayers: (keys.proberPayers ?? []).map((ref, i) => kmsArnOf(ref, `keys.proberPayers.${i}`, home)),
      ...(keys.x402Facilitator === undefined
        ? {}
        : { x402Facilitator: kmsArnOf(keys.x402Facilitator, "keys.x402Facilitator", home) }),
    },
    solanaOperators,
    rpcUrls: topology.chains.map((chain) => ({ chain, secret: new sst.Secret(rpcUrlSecretName(chain.name)) })),
    guardianApiUrl: new sst.Secret("GuardianApiUrl"),
    gatewayReceiptKey: new sst.Secret("GatewayReceiptKey"),
  };
}
