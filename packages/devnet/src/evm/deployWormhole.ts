import { toChain } from "@wormhole-foundation/sdk-base";
import { type Address, encodeFunctionData, type Hex, pad, zeroAddress } from "viem";
import { tokenBridgeAbi, wormholeCoreAbi } from "./abis.ts";
import { deployContract } from "./deployContract.ts";
import type { DevnetClients } from "./devnetClients.ts";
import { devnetGuardianAddress } from "./devnetGuardian.ts";
import { EvmDevnetError } from "./EvmDevnetError.ts";
import { devnetArtifacts } from "./loadArtifact.ts";

/** Options for {@link deployWormhole}. */
export interface DeployWormholeOptions {
  clients: DevnetClients;
  deployer: Address;
  /** Wormhole chain id of this anvil; must be one sdk-base knows (e.g. 10002 Sepolia, 10004 BaseSepolia). */
  wormholeChainId: number;
  /** Governance emitter; defaults to Wormhole's own devnet convention (chain 1, address 0x…04). */
  governanceChainId?: number;
  governanceContract?: Hex;
  /** Also deploy the Token Bridge (default false). */
  tokenBridge?: boolean;
  /** WETH for the Token Bridge; the devnet has none, so native-ETH wrapping is unavailable (default zero). */
  weth?: Address;
  onProgress?: (step: string) => void;
}

/** Addresses and ids of one chain's Wormhole deployment. */
export interface WormholeDeployment {
  wormholeChainId: number;
  /** sdk-base chain name for `wormholeChainId`, as used in VAAs built with sdk-definitions. */
  wormholeChain: string;
  /** The core bridge (Wormhole proxy): publishMessage / parseAndVerifyVM. */
  core: Address;
  coreImplementation: Address;
  guardianSetIndex: number;
  guardians: Address[];
  governanceChainId: number;
  governanceContract: Hex;
  tokenBridge?: { proxy: Address; implementation: Address; tokenImplementation: Address };
}

const DEVNET_GOVERNANCE_CHAIN = 1;
const DEVNET_GOVERNANCE_CONTRACT = pad("0x04", { size: 32 });

/**
 * Deploys the real Wormhole core (Setup + Implementation behind the Wormhole proxy) with the devnet guardian as the
 * single guardian of set 0, and optionally the Token Bridge.
 *
 * @example const wh = await deployWormhole({ clients, deployer, wormholeChainId: 10002 });
 */
export async function deployWormhole(options: DeployWormholeOptions): Promise<WormholeDeployment> {
  const { clients, deployer, wormholeChainId } = options;
  const wormholeChain = wormholeChainName(wormholeChainId);
  const governanceChainId = options.governanceChainId ?? DEVNET_GOVERNANCE_CHAIN;
  const governanceContract = options.governanceContract ?? DEVNET_GOVERNANCE_CONTRACT;
  const progress = options.onProgress ?? (() => {});
  const { publicClient } = clients;
  const wallet = clients.wallet(deployer);
  const evmChainId = BigInt(clients.chain.id);
  const guardians = [devnetGuardianAddress()];

  progress(`wormhole ${wormholeChainId}: deploy core (Setup, Implementation, proxy)`);
  const setup = await deployContract(publicClient, wallet, devnetArtifacts.wormholeSetup);
  const coreImplementation = await deployContract(publicClient, wallet, devnetArtifacts.wormholeImplementation);
  const initData = encodeFunctionData({
    abi: wormholeCoreAbi,
    functionName: "setup",
    args: [coreImplementation, guardians, wormholeChainId, governanceChainId, governanceContract, evmChainId],
  });
  // The proxy delegatecalls Setup.setup, which stores the guardian set and upgrades itself to the implementation.
  const core = await deployContract(publicClient, wallet, devnetArtifacts.wormholeProxy, [setup, initData]);
  const onChainId = await publicClient.readContract({ address: core, abi: wormholeCoreAbi, functionName: "chainId" });
  if (onChainId !== wormholeChainId) {
    throw new EvmDevnetError("deploy-failed", `Wormhole core reports chain ${onChainId}, expected ${wormholeChainId}`);
  }

  const deployment: WormholeDeployment = {
    wormholeChainId,
    wormholeChain,
    core,
    coreImplementation,
    guardianSetIndex: 0,
    guardians,
    governanceChainId,
    governanceContract,
  };
  if (!options.tokenBridge) return deployment;

  progress(`wormhole ${wormholeChainId}: deploy Token Bridge`);
  const tokenImplementation = await deployContract(publicClient, wallet, devnetArtifacts.tokenImplementation);
  const bridgeSetup = await deployContract(publicClient, wallet, devnetArtifacts.tokenBridgeSetup);
  const implementation = await deployContract(publicClient, wallet, devnetArtifacts.tokenBridgeImplementation);
  const bridgeInit = encodeFunctionData({
    abi: tokenBridgeAbi,
    functionName: "setup",
    args: [
      implementation,
      wormholeChainId,
      core,
      governanceChainId,
      governanceContract,
      tokenImplementation,
      options.weth ?? zeroAddress,
      1, // finality: instant on a devnet
      evmChainId,
    ],
  });
  const proxy = await deployContract(publicClient, wallet, devnetArtifacts.tokenBridgeProxy, [bridgeSetup, bridgeInit]);
  return { ...deployment, tokenBridge: { proxy, implementation, tokenImplementation } };
}

/**
 * The sdk-base chain name for a Wormhole chain id; throws a typed error for ids sdk-base does not know.
 *
 * @example wormholeChainName(10002) // "Sepolia"
 */
export function wormholeChainName(wormholeChainId: number): string {
  try {
    return toChain(wormholeChainId);
  } catch (error) {
    throw EvmDevnetError.wrap("unknown-wormhole-chain", `Wormhole chain id ${wormholeChainId} is unknown`, error);
  }
}
