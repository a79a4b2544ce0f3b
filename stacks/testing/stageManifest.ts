import { generateKeyPairSync } from "node:crypto";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";

/**
 * A deployment manifest of a public stage as `npm run deploy` writes it, for the stacks' tests: the chains of
 * config/dev.json and config/testnet.json (home Base Sepolia on dev, Ethereum Sepolia elsewhere), made-up contract
 * addresses, every URL dead loopback, and every signing role a KMS key named by ARN (fresh public keys, one account
 * per role; no private key is kept). `kmsArns` lists each role's ARN, by where the manifest names it.
 *
 * @example
 * const { manifest, kmsArns } = stageManifestFixture("testnet");
 * kmsArns["keys.layerZeroDvn"]; // "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-000000000002"
 */
export function stageManifestFixture(stage: string): {
  manifest: StageManifestFixture;
  kmsArns: Record<string, string>;
} {
  const homeChainId = stage === "dev" ? 84_532 : 11_155_111;
  const kmsArns: Record<string, string> = {};
  const kmsKey = (role: string, publicKey: string) => {
    const n = Object.keys(kmsArns).length + 1;
    const arn = `arn:aws:kms:us-east-1:111122223333:key/00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
    kmsArns[role] = arn;
    return { kind: "kms" as const, keyId: arn, publicKey };
  };
  const evmKey = (role: string) => {
    const account = privateKeyToAccount(generatePrivateKey());
    return { ref: kmsKey(role, account.publicKey), address: account.address };
  };
  const solanaKey = (role: string) => {
    const jwk = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
    return kmsKey(role, base58(Buffer.from(String(jwk.x), "base64url")));
  };

  const chain = (name: string, chainId: number, n: number) => ({
    family: "evm" as const,
    name,
    chainId,
    rpcUrl: deadLoopback(name),
    confirmations: 3,
    layerZero: { eid: 40_000 + n, endpointV2: address(1), sendUln302: address(2), receiveUln302: address(3) },
    wormhole: { chainId: 10_000 + n, core: address(4) },
    stablecoin: { address: address(5), decimals: 6, symbol: "USDC" },
    contracts: {
      escrow: address(9 + n),
      ...(chainId === homeChainId
        ? { modelRegistry: address(6), slaOracle: address(7), revenueLedger: address(8) }
        : {}),
      layerZeroMessenger: address(20 + n),
      wormholeMessenger: address(30 + n),
    },
  });
  const evmChains = [chain("evm-a", 11_155_111, 1), chain("evm-b", 84_532, 2)];
  const solanaChainIndex = evmChains.length;
  const operators = [0, 1, 2].map((i) => solanaKey(`chains.${solanaChainIndex}.operators.${i}`));
  const deployer = evmKey("keys.deployer").ref;
  const dvn = evmKey("keys.layerZeroDvn").ref;
  const executor = evmKey("keys.layerZeroExecutor").ref;
  const probers = [0, 1, 2].map((i) => evmKey(`keys.probers.${i}`).ref);
  // Pay per call: each prober's x402 payer key, and the gateway's facilitator.
  const proberPayers = [0, 1, 2].map((i) => evmKey(`keys.proberPayers.${i}`).ref);
  const x402Facilitator = evmKey("keys.x402Facilitator").ref;
  const nettingVaults = evmChains.map(({ chainId }, i) => {
    const { ref, address: vault } = evmKey(`keys.nettingVaults.${i}.key`);
    return { chainId, account: `0x${vault.slice(2).padStart(64, "0")}`, key: ref };
  });
  const manifest = {
    version: 1,
    network: stage === "production" ? "mainnet" : "testnet",
    createdAt: new Date(0).toISOString(),
    homeChainId,
    chains: [
      ...evmChains,
      {
        family: "solana",
        name: "solana",
        chainId: 1_399_811_169,
        rpcUrl: deadLoopback("solana"),
        wsUrl: "ws://127.0.0.1:9/",
        mint: "So11111111111111111111111111111111111111112",
        decimals: 6,
        vault: "11111111111111111111111111111111",
        multisig: "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
        threshold: 2,
        operators,
        wormholeEmitter: `0x${"ab".repeat(32)}`,
      },
    ],
    guardian: { apiUrl: deadLoopback("guardian"), guardianSetIndex: 0 },
    dynamo: { region: "us-east-1", tables: {} },
    hosts: [],
    models: [
      {
        modelId: "1",
        homeChainId,
        genesis: 1_700_000_000,
        epochSeconds: 3_600,
        hostName: "host",
        hostUrl: "https://model.example",
        pricePerRequest: "10000",
      },
    ],
    keys: {
      deployer,
      layerZeroDvn: dvn,
      layerZeroExecutor: executor,
      probers,
      proberThreshold: 2,
      demoBuyers: [],
      nettingVaults,
      proberPayers,
      x402Facilitator,
    },
  };
  return { manifest, kmsArns };
}

/** The fixture as JSON: tests change a field before writing it (a manifest file is untyped JSON too). */
export type StageManifestFixture = Record<string, unknown> & {
  keys: Record<string, unknown> & { probers: unknown[]; nettingVaults: { key?: unknown }[] };
  chains: Record<string, unknown>[];
};

/** A URL on port 9 of loopback, where nothing listens. */
export const deadLoopback = (path: string) => `http://127.0.0.1:9/${path}`;

const address = (n: number): `0x${string}` => `0x${n.toString(16).padStart(40, "0")}`;

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** A Solana public key's text form. */
function base58(bytes: Uint8Array): string {
  let value = bytes.reduce((n, byte) => n * 256n + BigInt(byte), 0n);
  let text = "";
  while (value > 0n) {
    text = base58Alphabet.charAt(Number(value % 58n)) + text;
    value /= 58n;
  }
  for (const byte of bytes) {
    if (byte !== 0) break;
    text = `1${text}`;
  }
  return text;
}
