import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { CreateKeyCommand, GetPublicKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { wormholeMessengerAbi } from "@slabridge/contracts";
import { parseDeploymentManifest } from "@slabridge/core";
import { type Devnet, devnetChainsOf, startDevnet } from "@slabridge/devnet";
import { secp256k1PointOfSpki } from "@slabridge/evm";
import { kmsSolanaSignerOfKeyId } from "@slabridge/solana";
import { Connection, Keypair, LAMPORTS_PER_SOL } from "@solana/web3.js";
import { circle } from "@wormhole-foundation/sdk-base";
import { type Address, bytesToHex, parseEther } from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { solanaVaultAccounts } from "./deploySolanaVault.ts";
import { runDeployCli } from "./runDeployCli.ts";

const REPO = path.resolve(import.meta.dirname, "../../..");

/** Runs the CLI in-process, collecting what it prints. */
async function cli(argv: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  let out = "";
  let err = "";
  const code = await runDeployCli(argv, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    env: options.env ?? {},
    cwd: options.cwd ?? REPO,
  });
  return { code, out, err };
}

describe("npm run deploy without a network", () => {
  it("--help prints the usage", async () => {
    const { code, out } = await cli(["--help"]);
    expect(code).toBe(0);
    expect(out).toContain("npm run deploy -- --stage <name>");
    expect(out).toContain("--dry-run");
  });

  it("testnet --dry-run prints the whole plan with unknown steps and what is missing, and sends nothing", async () => {
    const { code, out } = await cli(["--stage", "testnet", "--dry-run"]);
    expect(code).toBe(0);
    expect(out).toContain("[1/60] evm-a: deploy LayerZeroMessenger ... unknown");
    expect(out).toContain("evm-b: LayerZeroMessenger.setPeer(40161) ... unknown");
    // Pay per call: a router in front of the payment chain's escrow and a receiver factory on every chain.
    for (const line of [
      "[10/60] evm-a: deploy SlaReceiverFactory ... unknown",
      "[43/60] evm-b: deploy MessageRouter ... unknown",
      "[44/60] evm-b: deploy SlaReceiverFactory ... unknown",
      "[49/60] evm-b: LayerZeroMessenger.setReceiver(MessageRouter) ... unknown",
      "[52/60] evm-b: MessageRouter.setMessenger(LayerZeroMessenger) ... unknown",
      "[58/60] evm-b: MessageRouter.setRoute(3) ... unknown",
      "[60/60] evm-b: Escrow.setMessenger(MessageRouter) ... unknown",
    ]) {
      expect(out).toContain(line);
    }
    expect(out).toContain(
      "deploy: SLA receivers: 0 planned (one per model listed on a chain's escrow, read from the chains: no RPC to read them from)",
    );
    expect(out).toContain(
      "deploy: unknown: the SLA receivers' operator and refund authorizer (payPerCall.operator and .authorizer in config/testnet.deploy.json)",
    );
    expect(out).toContain("deploy: unknown: evm-a: RPC URL (set SLABRIDGE_SECRET_RpcUrlEvmA)");
    expect(out).toContain("deploy: unknown: evm-a: LayerZero EndpointV2 (eid 40161)");
    expect(out).toContain(`run "npm install --no-save @layerzerolabs/lz-evm-sdk-v2@3.1.10"`);
    expect(out).toContain("0 transactions sent");
  });

  it("testnet --dry-run prints the Solana vault's steps first, without any network access", async () => {
    const connections: unknown[] = [];
    const originalConnect = net.Socket.prototype.connect;
    net.Socket.prototype.connect = function recordConnect(this: net.Socket, ...args: unknown[]) {
      connections.push(args[0]);
      return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof net.Socket.prototype.connect;
    let result: Awaited<ReturnType<typeof cli>>;
    try {
      result = await cli(["--stage", "testnet", "--dry-run"]);
    } finally {
      net.Socket.prototype.connect = originalConnect;
    }
    const { code, out } = result;
    expect(code).toBe(0);
    expect(connections).toEqual([]);
    const usdc = circle.usdcContract.get("Testnet", "Solana");
    expect(out).toContain("[1/2] solana: create the vault's M-of-N SPL multisig of the operators ... unknown");
    expect(out).toContain(
      `[2/2] solana: create the vault token account for mint ${usdc}, owned by the multisig ... unknown`,
    );
    expect(out.indexOf("[2/2] solana:")).toBeLessThan(out.indexOf("[1/60] evm-a:"));
    expect(out).toContain("deploy: unknown: solana: RPC URL (set SLABRIDGE_SECRET_RpcUrlSolana)");
    expect(out).toContain("deploy: unknown: solana: the vault's operators and threshold");
    expect(out).toContain("deploy: unknown: the Solana deployer key (--solana-kms-key)");
    expect(out).toContain("deploy: 62 steps: 0 done, 0 pending, 62 unknown; 0 transactions sent");
    // The functions' manifest waits for a complete deployment; a dry run writes nothing anyway.
    expect(out).toContain("deploy: manifest config/testnet.manifest.json: written once every step is done");
    expect(existsSync(path.join(REPO, "config/testnet.manifest.json"))).toBe(false);
  });

  it("testnet --dry-run with the vault's operators configured shows its M-of-N", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "slabridge-deploy-cli-"));
    try {
      mkdirSync(path.join(dir, "config"));
      writeFileSync(path.join(dir, "config/testnet.json"), readFileSync(path.join(REPO, "config/testnet.json")));
      const parameters = JSON.parse(readFileSync(path.join(REPO, "config/testnet.deploy.json"), "utf8"));
      const operators = [0, 1, 2].map((i) => ({
        kind: "kms",
        keyId: `alias/slabridge-testnet-solana-operator-${i}`,
        publicKey: Keypair.generate().publicKey.toBase58(),
      }));
      writeFileSync(
        path.join(dir, "config/testnet.deploy.json"),
        JSON.stringify({ ...parameters, solana: { operators, threshold: 2 } }),
      );
      const { code, out } = await cli(["--stage", "testnet", "--dry-run"], { cwd: dir });
      expect(code).toBe(0);
      expect(out).toContain("[1/2] solana: create the vault's 2-of-3 SPL multisig of the operators ... unknown");
      expect(out).not.toContain("the vault's operators and threshold");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a bad Solana vault section is refused with the field named", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "slabridge-deploy-cli-"));
    try {
      mkdirSync(path.join(dir, "config"));
      writeFileSync(path.join(dir, "config/testnet.json"), readFileSync(path.join(REPO, "config/testnet.json")));
      const parameters = JSON.parse(readFileSync(path.join(REPO, "config/testnet.deploy.json"), "utf8"));
      const operator = { kind: "kms", keyId: "alias/op", publicKey: Keypair.generate().publicKey.toBase58() };
      for (const [solana, named] of [
        [{ operators: [operator], threshold: 2 }, "solana.threshold: 2 exceeds the 1 operators"],
        [{ operators: [], threshold: 1 }, "solana.operators: the vault multisig needs at least one operator"],
        [{ operators: [operator, operator], threshold: 1 }, "solana.operators: an operator key is listed twice"],
      ] as const) {
        writeFileSync(path.join(dir, "config/testnet.deploy.json"), JSON.stringify({ ...parameters, solana }));
        const { code, err } = await cli(["--stage", "testnet", "--dry-run"], { cwd: dir });
        expect(code).toBe(1);
        expect(err).toContain("invalid-config");
        expect(err).toContain(named);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the receivers' settings are checked: addresses, and the authorizer is the stage's facilitator key", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "slabridge-deploy-cli-"));
    try {
      mkdirSync(path.join(dir, "config"));
      const config = JSON.parse(readFileSync(path.join(REPO, "config/testnet.json"), "utf8"));
      const facilitator = `0x${"fa".repeat(20)}`;
      // The gateway names its facilitator key (an anvil-style reference carries its address).
      config.gateway = {
        models: {},
        facilitatorKey: { kind: "anvil-dev-account", index: 9, address: facilitator },
      };
      writeFileSync(path.join(dir, "config/testnet.json"), JSON.stringify(config));
      const parameters = JSON.parse(readFileSync(path.join(REPO, "config/testnet.deploy.json"), "utf8"));
      const operator = `0x${"0e".repeat(20)}`;
      for (const [payPerCall, named] of [
        [{ operator, authorizer: "0x1234" }, "payPerCall.authorizer: an EVM address"],
        [{ operator, authorizer: facilitator, guardian: "guardian" }, "payPerCall.guardian: an EVM address"],
        [{ operator: "nobody", authorizer: facilitator }, "payPerCall.operator: an EVM address"],
        [{ operator, authorizer: `0x${"ab".repeat(20)}` }, "is not the address of the stage's gateway.facilitatorKey"],
      ] as const) {
        writeFileSync(path.join(dir, "config/testnet.deploy.json"), JSON.stringify({ ...parameters, payPerCall }));
        const { code, err } = await cli(["--stage", "testnet", "--dry-run"], { cwd: dir });
        expect([code, err]).toEqual([1, expect.stringContaining("deploy: invalid-config: ")]);
        expect(err).toContain(named);
      }
      // The facilitator's address (any case) is accepted: the receivers' settings are no longer unknown.
      writeFileSync(
        path.join(dir, "config/testnet.deploy.json"),
        JSON.stringify({
          ...parameters,
          payPerCall: { operator, authorizer: facilitator.toUpperCase().replace("0X", "0x") },
        }),
      );
      const { code, out } = await cli(["--stage", "testnet", "--dry-run"], { cwd: dir });
      expect(code).toBe(0);
      expect(out).not.toContain("the SLA receivers' operator and refund authorizer");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("testnet for real is refused, naming what to install, before any RPC call", async () => {
    const { code, err } = await cli(["--stage", "testnet", "--private-key-env", "KEY"], {
      env: {
        KEY: `0x${"11".repeat(32)}`,
        SLABRIDGE_SECRET_RpcUrlEvmA: "http://127.0.0.1:9",
        SLABRIDGE_SECRET_RpcUrlEvmB: "http://127.0.0.1:9",
      },
    });
    expect(code).toBe(1);
    expect(err).toContain("unknown-protocol-address");
    expect(err).not.toContain("11".repeat(32));
  });

  it("a stage config that fails validation is refused with the field named", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "slabridge-deploy-cli-"));
    try {
      mkdirSync(path.join(dir, "config"));
      const config = JSON.parse(readFileSync(path.join(REPO, "config/devnet.json"), "utf8"));
      config.routes[0].destination = 5;
      writeFileSync(path.join(dir, "config/bad.json"), JSON.stringify(config));
      writeFileSync(
        path.join(dir, "config/bad.deploy.json"),
        readFileSync(path.join(REPO, "config/devnet.deploy.json")),
      );
      const { code, err } = await cli(["--stage", "bad", "--dry-run"], { cwd: dir });
      expect(code).toBe(1);
      expect(err).toContain("invalid-config");
      expect(err).toContain("routes.0.destination: chain 5 is not in chains");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("usage errors exit 2", async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(["--stage", "devnet", "--bogus"])).code).toBe(2);
  });
});

describe("npm run deploy on the devnet", () => {
  let devnet: Devnet;
  // The devnet's own KMS stand-in: it holds the devnet's role keys, and the keys these tests create.
  let kmsEndpoint: string;

  beforeAll(async () => {
    // With pay per call: its SLA receivers are the deploy command's too (its re-run after the models were listed).
    devnet = await startDevnet({ hosts: ["healthy"], payPerCall: true });
    kmsEndpoint = devnet.kms?.endpoint ?? "";
  });

  afterAll(async () => {
    await devnet?.stop();
  });

  it("dry run against the devnet's own deployment: every step done (the devnet deployed through this code path)", async () => {
    const { code, out } = await cli(["--stage", "devnet", "--dry-run", "--devnet-manifest", devnet.manifestPath]);
    expect(code).toBe(0);
    expect(out).toMatch(/deploy: (\d+) steps: \1 done, 0 pending, 0 unknown; 0 transactions sent/);
    // The demo model is listed on both chains: its receiver on each, created and wired by the same plan.
    const modelId = devnet.manifest.models[0]?.modelId;
    for (const chain of devnetChainsOf(devnet.manifest).evm) {
      expect(out).toMatch(new RegExp(`\\] ${chain.name}: SlaReceiverFactory\\.create\\(${modelId}\\) \\.\\.\\. done`));
      expect(out).toContain(`${chain.name}: SlaReceiver(${modelId}).setAuthorizer ... done`);
      expect(chain.contracts.slaReceivers?.[modelId ?? ""]).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(chain.contracts.slaReceiverFactory).toMatch(/^0x[0-9a-fA-F]{40}$/);
    }
    expect(out).toContain("deploy: SLA receivers: 2 planned");
  });

  it("a run with the devnet's KMS deployer key finds its deployment complete and sends nothing", async () => {
    const deployer = devnet.manifest.keys.deployer;
    if (deployer.kind !== "kms") throw new Error(`expected a kms deployer, not ${deployer.kind}`);
    const { code, out, err } = await cli(
      ["--stage", "devnet", "--devnet-manifest", devnet.manifestPath, "--kms-key", deployer.keyId],
      { env: { AWS_ENDPOINT_URL_KMS: kmsEndpoint } },
    );
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toMatch(/deploy: (\d+) steps: \1 done, 0 pending, 0 unknown; 0 transactions sent/);
  });

  it("deploys a fresh set signed through the loopback KMS, writes the manifest, and a re-run sends nothing", async () => {
    const client = new KMSClient({ endpoint: kmsEndpoint });
    const key = await client.send(new CreateKeyCommand({ KeySpec: "ECC_SECG_P256K1", KeyUsage: "SIGN_VERIFY" }));
    const keyId = key.KeyMetadata?.KeyId ?? "";
    const spki = (await client.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey ?? new Uint8Array();
    const deployer: Address = publicKeyToAddress(bytesToHex(secp256k1PointOfSpki(spki)));
    const evmChains = devnetChainsOf(devnet.manifest).evm;
    for (const chain of evmChains) {
      const clients = devnet.evm.clients(chain.chainId);
      const hash = await clients
        .wallet(devnet.evm.manifest.keys.deployer.address)
        .sendTransaction({ to: deployer, value: parseEther("10") });
      await clients.publicClient.waitForTransactionReceipt({ hash });
    }
    // A fresh Solana deployer too: the vault's accounts derive from its key, so it sets up a vault of its own.
    const solanaKey = await client.send(
      new CreateKeyCommand({ KeySpec: "ECC_NIST_EDWARDS25519", KeyUsage: "SIGN_VERIFY" }),
    );
    const solanaKeyId = solanaKey.KeyMetadata?.KeyId ?? "";
    const solanaDeployer = await kmsSolanaSignerOfKeyId({ kms: client, keyId: solanaKeyId });
    devnet.solana.airdrop(solanaDeployer.publicKey, LAMPORTS_PER_SOL);
    const statePath = path.join(devnet.dir, "kms-state.json");
    const manifestOut = path.join(devnet.dir, "kms-manifest.json");
    const args = [
      "--stage",
      "devnet",
      "--devnet-manifest",
      devnet.manifestPath,
      "--state",
      statePath,
      "--kms-key",
      keyId,
      "--solana-kms-key",
      solanaKeyId,
    ];
    const solanaTransactions = () => new Connection(devnet.solana.url, "confirmed").getTransactionCount();
    const solanaBefore = await solanaTransactions();
    const env = { AWS_ENDPOINT_URL_KMS: kmsEndpoint };
    const first = await cli([...args, "--manifest", manifestOut], { env });
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    const steps = Number(/deploy: (\d+) steps/.exec(first.out)?.[1]);
    expect(first.out).toContain(`${steps} transactions sent`);
    expect(first.out).toMatch(/\[1\/\d+\] evm-a: deploy LayerZeroMessenger \.\.\. 0x[0-9a-fA-F]{40} \(block \d+\)/);

    const written = parseDeploymentManifest(JSON.parse(readFileSync(manifestOut, "utf8")));
    const home = devnetChainsOf(written).evm.find((chain) => chain.chainId === written.homeChainId);
    const before = devnetChainsOf(devnet.manifest).evm.find((chain) => chain.chainId === written.homeChainId);
    expect(home?.contracts.modelRegistry).toBeDefined();
    expect(home?.contracts.modelRegistry).not.toBe(before?.contracts.modelRegistry);
    // A fresh registry has no models yet: its factories are empty, and the devnet's receivers are not carried over.
    for (const chain of devnetChainsOf(written).evm) {
      expect(chain.contracts.slaReceiverFactory).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(chain.contracts.slaReceivers).toBeUndefined();
    }
    const nonces = await Promise.all(
      evmChains.map((chain) =>
        devnet.evm.clients(chain.chainId).publicClient.getTransactionCount({ address: deployer }),
      ),
    );
    // Two of the steps are Solana's: the multisig and the vault token account, one transaction each; and one per EVM
    // chain is its netting vault's approval of the escrow's top-ups, signed by the vault's own (KMS) key.
    expect(nonces.reduce((a, b) => a + b, 0)).toBe(steps - 2 - evmChains.length);
    expect(first.out.match(/NettingVault\.approve\(Escrow\) \.\.\. tx /g)).toHaveLength(evmChains.length);
    expect(await solanaTransactions()).toBe(solanaBefore + 2);
    expect(first.out).toMatch(
      /\[1\/2\] solana: create the vault's 2-of-3 SPL multisig of the operators \.\.\. \w+ \(tx \w+\)/,
    );
    const solana = devnetChainsOf(written).solana;
    const vaultAccounts = await solanaVaultAccounts(solanaDeployer.publicKey, "solana");
    expect(solana?.multisig).toBe(vaultAccounts.multisig.toBase58());
    expect(solana?.vault).toBe(vaultAccounts.vault.toBase58());
    expect(solana?.wormholeEmitter).toBe(bytesToHex(vaultAccounts.multisig.toBytes()));
    expect(solana?.multisig).not.toBe(devnetChainsOf(devnet.manifest).solana?.multisig);
    // The home chain's Wormhole messenger trusts that multisig as slabridge's Solana emitter.
    const emitter = await devnet.evm.clients(written.homeChainId).publicClient.readContract({
      address: home?.contracts.wormholeMessenger as Address,
      abi: wormholeMessengerAbi,
      functionName: "emitters",
      args: [1],
    });
    expect(emitter).toBe(bytesToHex(vaultAccounts.multisig.toBytes()));

    const firstBytes = readFileSync(manifestOut);
    const again = await cli([...args, "--manifest", manifestOut], { env });
    expect(again.code).toBe(0);
    expect(again.out).toContain("unchanged");
    expect(readFileSync(manifestOut).equals(firstBytes)).toBe(true);
    expect(again.out).toContain(`deploy: ${steps} steps: ${steps} done, 0 pending, 0 unknown; 0 transactions sent`);
    const after = await Promise.all(
      evmChains.map((chain) =>
        devnet.evm.clients(chain.chainId).publicClient.getTransactionCount({ address: deployer }),
      ),
    );
    expect(after).toEqual(nonces);
    expect(await solanaTransactions()).toBe(solanaBefore + 2);
  });
});
