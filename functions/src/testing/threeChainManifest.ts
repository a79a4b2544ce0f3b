import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  type ChainManifest,
  type DeploymentManifest,
  type EvmChainManifest,
  parseDeploymentManifest,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import { Keypair } from "@solana/web3.js";
import type { Hex } from "viem";

/** The home chain of {@link threeChainManifest} (evm-b). */
export const HOME = 31_338;

/** A made-up EVM address: `n` in hex, zero-padded. */
export const testAddress = (n: number): `0x${string}` => `0x${n.toString(16).padStart(40, "0")}`;

const anvil = (index: number) => ({ kind: "anvil-dev-account" as const, index, address: testAddress(0x100 + index) });

function evmChain(name: string, chainId: number, base: number): EvmChainManifest {
  return {
    family: "evm",
    name,
    chainId,
    rpcUrl: `http://127.0.0.1:${9_000 + (chainId - 31_337)}`,
    confirmations: 1,
    layerZero: {
      eid: 40_000 + chainId - 31_337,
      endpointV2: testAddress(base),
      sendUln302: testAddress(base + 1),
      receiveUln302: testAddress(base + 2),
    },
    wormhole: { chainId: 10_002 + chainId - 31_337, core: testAddress(base + 3) },
    stablecoin: { address: testAddress(base + 4), decimals: 6, symbol: "dUSDC" },
    contracts: {
      escrow: testAddress(base + 5),
      ...(chainId === HOME
        ? {
            modelRegistry: testAddress(base + 6),
            slaOracle: testAddress(base + 7),
            revenueLedger: testAddress(base + 8),
          }
        : {}),
      layerZeroMessenger: testAddress(base + 9),
      wormholeMessenger: testAddress(base + 10),
    },
  };
}

/** Options of {@link threeChainManifest}. */
export interface ThreeChainManifestOptions {
  /** Anvil dev-account indexes of the LayerZero DVN (default 1) and executor (default 2), or the executor's address. */
  keys?: { dvn?: number; executor?: number; executorAddress?: Hex };
  /** The store (default: region us-east-1, no endpoint, no tables). */
  dynamo?: DeploymentManifest["dynamo"];
}

/**
 * A valid deployment manifest for tests, with nothing running at its addresses: three EVM chains (evm-a 31337, the
 * home chain evm-b 31338, evm-c 31339; RPC URLs on loopback ports 9000-9002) and a Solana cluster whose two
 * operators sign with key files written to a new temp dir; one model on the home chain.
 *
 * @example const manifest = threeChainManifest({ dynamo: { endpoint, region: "us-east-1", tables: dynamo.tableNames } });
 */
export function threeChainManifest(options: ThreeChainManifestOptions = {}): DeploymentManifest {
  const keys = options.keys ?? {};
  const dir = mkdtempSync(path.join(tmpdir(), "slabridge-world-"));
  const operators = [0, 1].map((i) => {
    const key = Keypair.generate();
    const file = path.join(dir, `operator-${i}.json`);
    writeFileSync(file, JSON.stringify([...key.secretKey]), { mode: 0o600 });
    return { kind: "devnet-key-file" as const, path: file, publicKey: key.publicKey.toBase58() };
  });
  const solana: ChainManifest = {
    family: "solana",
    name: "solana",
    chainId: SOLANA_CHAIN_ID,
    rpcUrl: "http://127.0.0.1:8899",
    wsUrl: "ws://127.0.0.1:8900",
    mint: Keypair.generate().publicKey.toBase58(),
    decimals: 6,
    vault: Keypair.generate().publicKey.toBase58(),
    multisig: Keypair.generate().publicKey.toBase58(),
    threshold: 2,
    operators,
    wormholeEmitter: `0x${"11".repeat(32)}`,
  };
  return parseDeploymentManifest({
    version: 1,
    network: "devnet",
    createdAt: new Date(1_700_000_000_000).toISOString(),
    homeChainId: HOME,
    chains: [
      evmChain("evm-a", 31_337, 0x1000),
      evmChain("evm-b", HOME, 0x2000),
      evmChain("evm-c", 31_339, 0x3000),
      solana,
    ],
    guardian: { apiUrl: "http://127.0.0.1:7071", guardianSetIndex: 0 },
    dynamo: options.dynamo ?? { region: "us-east-1", tables: {} },
    hosts: [],
    models: [
      {
        modelId: "1",
        homeChainId: HOME,
        genesis: 1_699_000_000,
        epochSeconds: 60,
        hostName: "healthy",
        hostUrl: "http://127.0.0.1:9001",
        pricePerRequest: "10000",
      },
    ],
    keys: {
      deployer: anvil(0),
      layerZeroDvn: anvil(keys.dvn ?? 1),
      layerZeroExecutor: keys.executorAddress
        ? { kind: "anvil-dev-account", index: 2, address: keys.executorAddress }
        : anvil(keys.executor ?? 2),
      wormholeGuardian: { kind: "wormhole-sdk-devnet-guardian", address: testAddress(0x200) },
      probers: [anvil(3)],
      proberThreshold: 1,
      demoBuyers: [],
    },
  });
}
