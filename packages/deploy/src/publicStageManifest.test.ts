import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateAliasCommand, CreateKeyCommand, GetPublicKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import { parseDeploymentManifest } from "@slabridge/core";
import { createDevnetKmsSolanaKeys, type LocalKms, localKmsClient, startLocalKms } from "@slabridge/devnet";
import { secp256k1PointOfSpki } from "@slabridge/evm";
import { layerZeroAddressOf } from "@slabridge/layerzero";
import { Keypair } from "@solana/web3.js";
import { circle, contracts as wormholeContracts } from "@wormhole-foundation/sdk-base";
import { type Address, bytesToHex, getAddress, type Hex } from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeployError } from "./DeployError.ts";
import type { SlabridgeChainContracts } from "./planDeployment.ts";
import {
  type DeployedSolanaVault,
  type PublicStageKeys,
  publicStageManifest,
  readPublicStageKeys,
  requirePublicManifestFile,
  writeManifestIfChanged,
} from "./publicStageManifest.ts";
import { stageDeployInputs } from "./stageDeployInputs.ts";

const REPO = path.resolve(import.meta.dirname, "../../..");
const SEPOLIA = 11_155_111;
const BASE_SEPOLIA = 84_532;
const SOLANA = 1_399_811_169;
// What an operator's RPC provider URLs look like: an API key in the path. None may reach the manifest.
const secrets = {
  SLABRIDGE_SECRET_RpcUrlEvmA: "https://sepolia.provider.example/v2/SECRET-KEY-A",
  SLABRIDGE_SECRET_RpcUrlEvmB: "https://base-sepolia.provider.example/v2/SECRET-KEY-B",
  SLABRIDGE_SECRET_RpcUrlSolana: "https://solana.provider.example/?api-key=SECRET-KEY-S",
};

const address = (n: number): Address => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
const leftPadded = (evm: string): Hex => `0x${evm.slice(2).padStart(64, "0").toLowerCase()}`;

let kms: LocalKms;
let client: KMSClient;
let dir: string;
/** Each role's alias and address, as an operator creates them (`aws kms create-key` + `create-alias`). */
const evmKeys = new Map<string, { alias: string; address: Address; arn: string }>();
let operators: { kind: "kms"; keyId: string; publicKey: string }[];
/** Resolves LayerZero's address book from a folder laid out as the installed lz-evm-sdk-v2 is. */
let bookFrom: string;
const book = new Map<string, Address>();

async function createEvmKey(role: string) {
  const alias = `alias/slabridge-testnet-${role}`;
  const created = await client.send(new CreateKeyCommand({ KeySpec: "ECC_SECG_P256K1", KeyUsage: "SIGN_VERIFY" }));
  const keyId = created.KeyMetadata?.KeyId ?? "";
  await client.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyId }));
  const answer = await client.send(new GetPublicKeyCommand({ KeyId: alias }));
  const point = bytesToHex(secp256k1PointOfSpki(answer.PublicKey ?? new Uint8Array()));
  evmKeys.set(role, { alias, address: getAddress(publicKeyToAddress(point)), arn: answer.KeyId ?? "" });
}

/** The deploy file of the test's stage: the vault's operators, the probers and vaults the contracts trust, and keys. */
function deployFile(overrides: Record<string, unknown> = {}) {
  const base = JSON.parse(readFileSync(path.join(REPO, "config/testnet.deploy.json"), "utf8"));
  const key = (role: string) => evmKeys.get(role)?.alias ?? "";
  const vault = (role: string) => leftPadded(evmKeys.get(role)?.address ?? "");
  return {
    ...base,
    probers: [evmKeys.get("prober-1")?.address, evmKeys.get("prober-2")?.address],
    proberThreshold: 2,
    nettingVaults: { [SEPOLIA]: vault("netting-vault-evm-a"), [BASE_SEPOLIA]: vault("netting-vault-evm-b") },
    solana: { operators, threshold: 2 },
    keys: {
      deployer: key("deployer"),
      relayer: key("relayer"),
      layerZeroDvn: key("layerzero-dvn"),
      probers: [key("prober-1"), key("prober-2")],
      nettingVaults: { [SEPOLIA]: key("netting-vault-evm-a"), [BASE_SEPOLIA]: key("netting-vault-evm-b") },
    },
    guardian: { apiUrl: "https://guardian-api.example", guardianSetIndex: 0 },
    awsRegion: "us-east-1",
    ...overrides,
  };
}

function inputsOf(file: Record<string, unknown>) {
  const configDir = mkdtempSync(path.join(dir, "config-"));
  writeFileSync(path.join(configDir, "testnet.json"), readFileSync(path.join(REPO, "config/testnet.json")));
  writeFileSync(path.join(configDir, "testnet.deploy.json"), JSON.stringify(file));
  return stageDeployInputs({ stage: "testnet", configDir, env: secrets });
}

/** Fixed deploy results: every contract of each chain, the home chain's too, and the Solana vault's accounts. */
function deployed() {
  const contractsOf = (base: number, home: boolean): SlabridgeChainContracts => ({
    escrow: address(base + 1),
    layerZeroMessenger: address(base + 2),
    wormholeMessenger: address(base + 3),
    ...(home
      ? {
          revenueLedger: address(base + 4),
          modelRegistry: address(base + 5),
          modelTerms: address(base + 6),
          slaOracle: address(base + 7),
          hostBond: address(base + 8),
          messageRouter: address(base + 9),
        }
      : {
          // A payment chain with pay per call: its router, factory and a receiver per listed model.
          messageRouter: address(base + 10),
          slaReceiverFactory: address(base + 11),
          slaReceivers: { "7": address(base + 12) },
          x402Channels: address(base + 13),
        }),
  });
  return {
    contracts: new Map([
      [SEPOLIA, contractsOf(0x1000, true)],
      [BASE_SEPOLIA, contractsOf(0x2000, false)],
    ]),
    accounts: { multisig: Keypair.generate().publicKey, vault: Keypair.generate().publicKey },
  };
}

async function compose(file: Record<string, unknown>, createdAt = new Date("2026-12-07T04:00:00Z")) {
  const inputs = inputsOf(file);
  const network = inputs.config.network;
  if (network === undefined || inputs.publicManifestFile === undefined) throw new Error("not a public stage");
  const { contracts, accounts } = deployed();
  const solana: DeployedSolanaVault[] = inputs.solanaVaults.map((vault) => ({ ...vault, accounts, decimals: 6 }));
  // As the CLI does: the Solana vault is the Solana netting vault.
  const parameters = {
    ...inputs.parameters,
    nettingVaults: new Map([...inputs.parameters.nettingVaults, [SOLANA, bytesToHex(accounts.vault.toBytes())]]),
  };
  const keys: PublicStageKeys = await readPublicStageKeys({
    file: inputs.publicManifestFile,
    solanaOperators: inputs.solanaVaults.flatMap((vault) => vault.operatorRefs),
    evmChainIds: inputs.chains.map((chain) => chain.chainId),
    kms: client,
    stage: "testnet",
  });
  const manifest = publicStageManifest({
    config: { ...inputs.config, network },
    chains: inputs.chains,
    deployer: evmKeys.get("deployer")?.address,
    parameters,
    authorizer: inputs.payPerCall?.authorizer,
    contracts,
    solana,
    file: inputs.publicManifestFile,
    keys,
    createdAt,
    layerZeroAddress: (eid, contract) => layerZeroAddressOf(eid, contract, bookFrom),
  });
  return { manifest, inputs, contracts, accounts };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "slabridge-public-manifest-"));
  kms = await startLocalKms();
  client = localKmsClient(kms.endpoint);
  for (const role of [
    "deployer",
    "relayer",
    "layerzero-dvn",
    "prober-1",
    "prober-2",
    "netting-vault-evm-a",
    "netting-vault-evm-b",
    "x402-facilitator",
    "prober-payer-1",
    "prober-payer-2",
  ]) {
    await createEvmKey(role);
  }
  operators = (await createDevnetKmsSolanaKeys(client, ["solana-operator-1", "solana-operator-2"])).map(
    (key) => key.ref,
  );
  // LayerZero's address book as installed (deployments/<network>/<Contract>.json), with addresses of this test's.
  const root = path.join(dir, "book", "node_modules", "@layerzerolabs", "lz-evm-sdk-v2");
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "@layerzerolabs/lz-evm-sdk-v2" }));
  bookFrom = path.join(dir, "book", "from.js");
  let n = 0x9000;
  for (const eid of [40161, 40245]) {
    const network = layerZeroAddressOf(eid, "EndpointV2", bookFrom).network;
    mkdirSync(path.join(root, "deployments", network), { recursive: true });
    for (const contract of ["EndpointV2", "SendUln302", "ReceiveUln302"]) {
      n += 1;
      book.set(`${eid}/${contract}`, address(n));
      writeFileSync(
        path.join(root, "deployments", network, `${contract}.json`),
        JSON.stringify({ address: address(n) }),
      );
    }
  }
}, 30_000);

afterAll(async () => {
  await kms?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("a public stage's manifest", () => {
  it("is composed from the stage config, the deploy's results, the address books and KMS, and parses", async () => {
    const { manifest, contracts, accounts } = await compose(deployFile());
    expect(parseDeploymentManifest(JSON.parse(JSON.stringify(manifest)))).toEqual(manifest);
    const config = JSON.parse(readFileSync(path.join(REPO, "config/testnet.json"), "utf8"));
    expect(manifest.network).toBe("testnet");
    expect(manifest.homeChainId).toBe(SEPOLIA);
    // The stage config's chains, names and confirmations, in its order.
    expect(manifest.chains.map((chain) => [chain.chainId, chain.name])).toEqual(
      config.chains.map((chain: { chainId: number; name: string }) => [chain.chainId, chain.name]),
    );
    const [sepolia, base, solana] = manifest.chains;
    if (sepolia?.family !== "evm" || base?.family !== "evm" || solana?.family !== "solana") {
      throw new Error("unexpected chain families");
    }
    expect([sepolia.confirmations, base.confirmations]).toEqual([3, 10]);
    // Protocols: LayerZero's book, Wormhole's core and Circle's USDC from the Wormhole SDK's address book.
    expect(sepolia.layerZero).toEqual({
      eid: 40161,
      endpointV2: book.get("40161/EndpointV2"),
      sendUln302: book.get("40161/SendUln302"),
      receiveUln302: book.get("40161/ReceiveUln302"),
    });
    expect(base.layerZero.receiveUln302).toBe(book.get("40245/ReceiveUln302"));
    expect(sepolia.wormhole).toEqual({
      chainId: 10002,
      core: getAddress(wormholeContracts.coreBridge("Testnet", "Sepolia")),
    });
    expect(base.wormhole.core).toBe(getAddress(wormholeContracts.coreBridge("Testnet", "BaseSepolia")));
    expect(base.stablecoin).toEqual({
      address: getAddress(circle.usdcContract.get("Testnet", "BaseSepolia") ?? ""),
      decimals: 6,
      symbol: "USDC",
    });
    // The deploy's contracts (the registry's linked library is not a manifest field).
    const home = contracts.get(SEPOLIA);
    expect(sepolia.contracts).toEqual({
      escrow: home?.escrow,
      messageRouter: home?.messageRouter,
      revenueLedger: home?.revenueLedger,
      modelRegistry: home?.modelRegistry,
      slaOracle: home?.slaOracle,
      hostBond: home?.hostBond,
      layerZeroMessenger: home?.layerZeroMessenger,
      wormholeMessenger: home?.wormholeMessenger,
    });
    expect(base.contracts.modelRegistry).toBeUndefined();
    expect(base.contracts.escrow).toBe(contracts.get(BASE_SEPOLIA)?.escrow);
    const payment = contracts.get(BASE_SEPOLIA);
    expect(base.contracts).toMatchObject({
      messageRouter: payment?.messageRouter,
      slaReceiverFactory: payment?.slaReceiverFactory,
      slaReceivers: payment?.slaReceivers,
      x402Channels: payment?.x402Channels,
    });
    // The Solana vault as deployed, its operators as KMS holds them (by key ARN).
    expect(solana).toMatchObject({
      mint: circle.usdcContract.get("Testnet", "Solana"),
      decimals: 6,
      vault: accounts.vault.toBase58(),
      multisig: accounts.multisig.toBase58(),
      threshold: 2,
      wormholeEmitter: bytesToHex(accounts.multisig.toBytes()),
    });
    expect(solana.operators.map((ref) => ref.kind === "kms" && ref.publicKey)).toEqual(
      operators.map((op) => op.publicKey),
    );
    expect(solana.operators.every((ref) => ref.kind === "kms" && ref.keyId.startsWith("arn:aws:kms:"))).toBe(true);
    // Every role's key, named by its ARN, with the public key KMS gives.
    const keyAddress = (ref: (typeof manifest.keys)["deployer"]) =>
      ref.kind === "kms" ? getAddress(publicKeyToAddress(ref.publicKey as Hex)) : undefined;
    const roleOf = (role: string) => evmKeys.get(role);
    expect(manifest.keys.deployer).toMatchObject({ kind: "kms", keyId: roleOf("deployer")?.arn });
    expect(keyAddress(manifest.keys.deployer)).toBe(roleOf("deployer")?.address);
    expect(keyAddress(manifest.keys.layerZeroExecutor)).toBe(roleOf("relayer")?.address);
    expect(keyAddress(manifest.keys.layerZeroDvn)).toBe(roleOf("layerzero-dvn")?.address);
    expect(manifest.keys.probers.map(keyAddress)).toEqual([roleOf("prober-1")?.address, roleOf("prober-2")?.address]);
    expect(manifest.keys.proberThreshold).toBe(2);
    expect(manifest.keys.nettingVaults).toEqual([
      { chainId: SEPOLIA, account: leftPadded(roleOf("netting-vault-evm-a")?.address ?? ""), key: expect.anything() },
      {
        chainId: BASE_SEPOLIA,
        account: leftPadded(roleOf("netting-vault-evm-b")?.address ?? ""),
        key: expect.anything(),
      },
      { chainId: SOLANA, account: bytesToHex(accounts.vault.toBytes()) },
    ]);
    expect(keyAddress(manifest.keys.nettingVaults?.[1]?.key ?? manifest.keys.deployer)).toBe(
      roleOf("netting-vault-evm-b")?.address,
    );
    // What a public stage does not have: demo hosts, buyers, models (minted later, on chain), a guardian key, tables.
    expect([manifest.hosts, manifest.models, manifest.keys.demoBuyers]).toEqual([[], [], []]);
    expect(manifest.keys.wormholeGuardian).toBeUndefined();
    expect(manifest.guardian).toEqual({ apiUrl: "https://guardian-api.example", guardianSetIndex: 0 });
    expect(manifest.dynamo).toEqual({ region: "us-east-1", tables: {} });
  });

  it("never holds a secret RPC URL: chains whose config names a secret have none", async () => {
    const { manifest } = await compose(deployFile());
    const text = JSON.stringify(manifest);
    for (const url of Object.values(secrets)) {
      expect(text).not.toContain(new URL(url).host);
      expect(text).not.toContain("SECRET-KEY");
    }
    expect(manifest.chains.map((chain) => chain.rpcUrl)).toEqual([undefined, undefined, undefined]);
  });

  it("is written once: a re-run that changes nothing leaves the file byte-identical, a change rewrites it", async () => {
    const out = path.join(dir, "testnet.manifest.json");
    const first = await compose(deployFile());
    expect(writeManifestIfChanged(out, first.manifest)).toBe("written");
    const bytes = readFileSync(out);
    const again = {
      ...first.manifest,
      createdAt: "2026-12-08T00:00:00.000Z",
    };
    expect(writeManifestIfChanged(out, again)).toBe("unchanged");
    expect(readFileSync(out).equals(bytes)).toBe(true);
    const moved = { ...first.manifest, guardian: { ...first.manifest.guardian, guardianSetIndex: 1 } };
    expect(writeManifestIfChanged(out, moved)).toBe("written");
    expect(parseDeploymentManifest(JSON.parse(readFileSync(out, "utf8"))).guardian.guardianSetIndex).toBe(1);
  });

  it("names the x402 facilitator and the probers' payer keys, each checked against what the contracts and the gateway use", async () => {
    const { keys } = deployFile();
    const key = (role: string) => evmKeys.get(role)?.alias ?? "";
    const facilitator = evmKeys.get("x402-facilitator");
    const payPerCall = { operator: evmKeys.get("relayer")?.address, authorizer: facilitator?.address };
    const payPerCallKeys = {
      ...keys,
      x402Facilitator: key("x402-facilitator"),
      proberPayers: [key("prober-payer-1"), key("prober-payer-2")],
    };
    const { manifest } = await compose(deployFile({ keys: payPerCallKeys, payPerCall }));
    // By the ARN KMS answers with, like every other role.
    expect(manifest.keys.x402Facilitator).toMatchObject({ kind: "kms", keyId: facilitator?.arn });
    expect(manifest.keys.proberPayers?.map((ref) => ("keyId" in ref ? ref.keyId : ref.kind))).toEqual([
      evmKeys.get("prober-payer-1")?.arn,
      evmKeys.get("prober-payer-2")?.arn,
    ]);

    const refusal = async (file: Record<string, unknown>) => {
      const error = await compose(file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeployError);
      return (error as DeployError).message;
    };
    // The receivers take refunds signed by their authorizer: the facilitator must be it.
    const otherAuthorizer = { ...payPerCall, authorizer: evmKeys.get("deployer")?.address };
    expect(await refusal(deployFile({ keys: payPerCallKeys, payPerCall: otherAuthorizer }))).toContain(
      "keys.x402Facilitator",
    );
    // One payer key per prober, and never an oracle signer's.
    const onePayer = { ...payPerCallKeys, proberPayers: [key("prober-payer-1")] };
    expect(await refusal(deployFile({ keys: onePayer, payPerCall }))).toContain("keys.proberPayers: 1 keys for the 2");
    const signerPays = { ...payPerCallKeys, proberPayers: [key("prober-payer-1"), key("prober-2")] };
    expect(await refusal(deployFile({ keys: signerPays, payPerCall }))).toContain("keys.proberPayers.1");
  });

  it("refuses a stage whose gateway signs with another facilitator key than the one the stacks grant", async () => {
    const { keys } = deployFile();
    const inputs = inputsOf(deployFile({ keys: { ...keys, x402Facilitator: evmKeys.get("x402-facilitator")?.alias } }));
    // The config names the key as every KeyReference does; only its keyId matters here.
    const read = (keyId: string) =>
      readPublicStageKeys({
        file: inputs.publicManifestFile ?? {},
        solanaOperators: inputs.solanaVaults.flatMap((vault) => vault.operatorRefs),
        evmChainIds: inputs.chains.map((chain) => chain.chainId),
        kms: client,
        stage: "testnet",
        gatewayFacilitator: { kind: "kms", keyId, publicKey: "0x04" },
      });
    // The same key by its ARN is the same key.
    const same = await read(evmKeys.get("x402-facilitator")?.arn ?? "");
    expect(same.x402Facilitator?.keyId).toBe(evmKeys.get("x402-facilitator")?.arn);
    const error = await read(evmKeys.get("relayer")?.alias ?? "").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as DeployError).message).toContain("gateway.facilitatorKey");
  });

  it("a key missing from the keys section is an invalid-config error naming the role", async () => {
    const { layerZeroDvn: _, ...withoutDvn } = deployFile().keys;
    expect(() => inputsOf(deployFile({ keys: withoutDvn }))).toThrow(DeployError);
    expect(() => inputsOf(deployFile({ keys: withoutDvn }))).toThrow(/keys\.layerZeroDvn/);

    const { keys } = deployFile();
    const oneVault = { ...keys, nettingVaults: { [SEPOLIA]: keys.nettingVaults[SEPOLIA] } };
    const error = await compose(deployFile({ keys: oneVault })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployError);
    expect((error as DeployError).code).toBe("invalid-config");
    expect((error as DeployError).message).toContain(`keys.nettingVaults.${BASE_SEPOLIA}`);

    const noKeys = await compose(deployFile({ keys: undefined })).catch((e: unknown) => e);
    expect((noKeys as DeployError).code).toBe("invalid-config");
    expect((noKeys as DeployError).message).toContain("keys: the manifest names a KMS key per role");
  });

  it("refuses keys that are not the ones the contracts trust, or that KMS does not hold", async () => {
    const { keys } = deployFile();
    const swapped = await compose(deployFile({ keys: { ...keys, probers: [keys.probers[0], keys.relayer] } })).catch(
      (e: unknown) => e,
    );
    expect((swapped as DeployError).code).toBe("invalid-config");
    expect((swapped as DeployError).message).toContain("keys.probers.1");

    const unknown = await compose(deployFile({ keys: { ...keys, relayer: "alias/slabridge-testnet-nobody" } })).catch(
      (e: unknown) => e,
    );
    expect((unknown as DeployError).code).toBe("invalid-config");
    expect((unknown as DeployError).message).toContain("keys.relayer: KMS key alias/slabridge-testnet-nobody");

    const otherOperator = { ...operators[0], publicKey: Keypair.generate().publicKey.toBase58() };
    const wrongOperator = await compose(
      deployFile({ solana: { operators: [otherOperator, operators[1]], threshold: 2 } }),
    ).catch((e: unknown) => e);
    expect((wrongOperator as DeployError).message).toContain("solana.operators.0");

    const notDeployer = await compose(deployFile({ keys: { ...keys, deployer: keys.relayer } })).catch(
      (e: unknown) => e,
    );
    expect((notDeployer as DeployError).message).toContain("keys.deployer");
  });

  it("a run is refused before anything is sent when the deploy file cannot make the manifest", () => {
    const { keys, guardian } = deployFile();
    expect(() => requirePublicManifestFile({ keys, guardian, awsRegion: "us-east-1" }, "testnet")).not.toThrow();
    const refusal = (() => {
      try {
        requirePublicManifestFile({ keys }, "testnet");
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refusal).toBeInstanceOf(DeployError);
    expect((refusal as DeployError).code).toBe("invalid-config");
    expect((refusal as DeployError).message).toContain("guardian");
    expect((refusal as DeployError).message).toContain("awsRegion");
    expect((refusal as DeployError).message).not.toContain("keys (");
  });
});
