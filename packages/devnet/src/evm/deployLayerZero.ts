import type { Address } from "viem";
import { endpointV2Abi, receiveUln302Abi, sendUln302Abi } from "./abis.ts";
import { deployContract } from "./deployContract.ts";
import type { DevnetClients } from "./devnetClients.ts";
import { EvmDevnetError } from "./EvmDevnetError.ts";
import { devnetArtifacts } from "./loadArtifact.ts";
import { submitTransaction } from "./submitTransaction.ts";

/** Options for {@link deployLayerZero}. */
export interface DeployLayerZeroOptions {
  clients: DevnetClients;
  /** Owner of the endpoint and libraries (an unlocked anvil account). */
  deployer: Address;
  /** This chain's LayerZero endpoint id. */
  eid: number;
  /** Endpoint ids of the other devnet chains; a default pathway is configured for each. */
  remoteEids: readonly number[];
  /** Address of slabridge's DVN key: the one required DVN of every inbound pathway. */
  dvnSigner: Address;
  /** Block confirmations the ULN configs require (default 1). */
  confirmations?: bigint;
  /** Largest message the executor config accepts, in bytes (default 10 000, LayerZero's usual default). */
  maxMessageSize?: number;
  onProgress?: (step: string) => void;
}

/** Addresses and settings of one chain's LayerZero deployment. */
export interface LayerZeroDeployment {
  eid: number;
  endpointV2: Address;
  sendUln302: Address;
  receiveUln302: Address;
  /** Fee-less worker contracts SendUln302 assigns jobs to (contracts/src/devnet/DevnetWorkers.sol). */
  sendDvn: Address;
  executor: Address;
  /** The EOA that must call ReceiveUln302.verify for inbound packets. */
  requiredDvn: Address;
  confirmations: bigint;
  remoteEids: number[];
}

/**
 * Deploys the real LayerZero V2 EndpointV2 with SendUln302/ReceiveUln302 as default libraries for every remote eid.
 * Send side: fee-less DevnetDVN/DevnetExecutor contracts; receive side: `dvnSigner` is the single required DVN.
 *
 * @example const lz = await deployLayerZero({ clients, deployer, eid: 40161, remoteEids: [40245], dvnSigner });
 */
export async function deployLayerZero(options: DeployLayerZeroOptions): Promise<LayerZeroDeployment> {
  const { clients, deployer, eid } = options;
  const remoteEids = [...new Set(options.remoteEids)];
  if (remoteEids.includes(eid)) throw new EvmDevnetError("invalid-config", `remote eids include the local eid ${eid}`);
  const confirmations = options.confirmations ?? 1n;
  const progress = options.onProgress ?? (() => {});
  const { publicClient } = clients;
  const wallet = clients.wallet(deployer);

  progress(`layerzero ${eid}: deploy EndpointV2, SendUln302, ReceiveUln302, workers`);
  const endpointV2 = await deployContract(publicClient, wallet, devnetArtifacts.endpointV2, [eid, deployer]);
  // Treasury gas limit/fee cap of 0: the devnet has no treasury, so SendUln302 never calls one.
  const sendUln302 = await deployContract(publicClient, wallet, devnetArtifacts.sendUln302, [endpointV2, 0n, 0n]);
  const receiveUln302 = await deployContract(publicClient, wallet, devnetArtifacts.receiveUln302, [endpointV2]);
  const sendDvn = await deployContract(publicClient, wallet, devnetArtifacts.devnetDvn);
  const executor = await deployContract(publicClient, wallet, devnetArtifacts.devnetExecutor);

  progress(`layerzero ${eid}: register libraries and default configs`);
  for (const lib of [sendUln302, receiveUln302]) {
    await submitTransaction(publicClient, "EndpointV2.registerLibrary", () =>
      wallet.writeContract({ address: endpointV2, abi: endpointV2Abi, functionName: "registerLibrary", args: [lib] }),
    );
  }
  if (remoteEids.length > 0) {
    const ulnConfig = (dvn: Address) => ({
      confirmations,
      requiredDVNCount: 1,
      optionalDVNCount: 0,
      optionalDVNThreshold: 0,
      requiredDVNs: [dvn],
      optionalDVNs: [],
    });
    await submitTransaction(publicClient, "SendUln302.setDefaultUlnConfigs", () =>
      wallet.writeContract({
        address: sendUln302,
        abi: sendUln302Abi,
        functionName: "setDefaultUlnConfigs",
        args: [remoteEids.map((remote) => ({ eid: remote, config: ulnConfig(sendDvn) }))],
      }),
    );
    await submitTransaction(publicClient, "SendUln302.setDefaultExecutorConfigs", () =>
      wallet.writeContract({
        address: sendUln302,
        abi: sendUln302Abi,
        functionName: "setDefaultExecutorConfigs",
        args: [
          remoteEids.map((remote) => ({
            eid: remote,
            config: { maxMessageSize: options.maxMessageSize ?? 10_000, executor },
          })),
        ],
      }),
    );
    await submitTransaction(publicClient, "ReceiveUln302.setDefaultUlnConfigs", () =>
      wallet.writeContract({
        address: receiveUln302,
        abi: receiveUln302Abi,
        functionName: "setDefaultUlnConfigs",
        args: [remoteEids.map((remote) => ({ eid: remote, config: ulnConfig(options.dvnSigner) }))],
      }),
    );
  }
  // The endpoint only accepts a default library for an eid the library already supports, hence this order.
  for (const remote of remoteEids) {
    await submitTransaction(publicClient, "EndpointV2.setDefaultSendLibrary", () =>
      wallet.writeContract({
        address: endpointV2,
        abi: endpointV2Abi,
        functionName: "setDefaultSendLibrary",
        args: [remote, sendUln302],
      }),
    );
    await submitTransaction(publicClient, "EndpointV2.setDefaultReceiveLibrary", () =>
      wallet.writeContract({
        address: endpointV2,
        abi: endpointV2Abi,
        functionName: "setDefaultReceiveLibrary",
        args: [remote, receiveUln302, 0n],
      }),
    );
  }
  return {
    eid,
    endpointV2,
    sendUln302,
    receiveUln302,
    sendDvn,
    executor,
    requiredDvn: options.dvnSigner,
    confirmations,
    remoteEids,
  };
}
