import {
  type Account,
  type Address,
  type Chain,
  getAddress,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { EvmDevnetError } from "./EvmDevnetError.ts";
import { type ArtifactSource, loadArtifact } from "./loadArtifact.ts";
import { receiptOf } from "./submitTransaction.ts";

/**
 * Deploys a contract from an artifact and returns its address once the deployment is mined.
 *
 * @example const endpoint = await deployContract(publicClient, wallet, devnetArtifacts.endpointV2, [eid, owner]);
 */
export async function deployContract(
  publicClient: PublicClient<Transport, Chain>,
  wallet: WalletClient<Transport, Chain, Account>,
  source: ArtifactSource,
  args: readonly unknown[] = [],
): Promise<Address> {
  const artifact = loadArtifact(source);
  try {
    const hash = await wallet.deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, args });
    const receipt = await receiptOf(publicClient, hash, `deploying ${artifact.name}`);
    if (receipt.status !== "success" || !receipt.contractAddress) {
      throw new EvmDevnetError("deploy-failed", `deploying ${artifact.name} reverted in ${hash}`);
    }
    return getAddress(receipt.contractAddress);
  } catch (error) {
    throw EvmDevnetError.wrap("deploy-failed", `deploying ${artifact.name}`, error);
  }
}
