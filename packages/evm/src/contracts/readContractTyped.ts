import type {
  Abi,
  Address,
  Chain,
  ContractFunctionArgs,
  ContractFunctionName,
  ContractFunctionReturnType,
  PublicClient,
  Transport,
} from "viem";
import { rpcUrlOf } from "../createEvmChainClient.ts";
import { translateEvmError } from "../translateEvmError.ts";

/** The client type every reader takes. */
export type ReaderClient = PublicClient<Transport, Chain | undefined>;

/**
 * `readContract` with errors translated once (reverts decoded with the contract's ABI), shared by the readers.
 *
 * @example const epoch = await readContractTyped(client, escrow, escrowAbi, "currentEpoch", [1n]);
 */
export async function readContractTyped<
  const TAbi extends Abi,
  TName extends ContractFunctionName<TAbi, "view" | "pure">,
  const TArgs extends ContractFunctionArgs<TAbi, "view" | "pure", TName>,
>(
  client: ReaderClient,
  address: Address,
  abi: TAbi,
  functionName: TName,
  args: TArgs,
): Promise<ContractFunctionReturnType<TAbi, "view" | "pure", TName, TArgs>> {
  try {
    // viem's overloads cannot follow generic names through; the public signature above is what callers see.
    const read = client.readContract as (request: unknown) => Promise<unknown>;
    return (await read({ address, abi, functionName, args })) as ContractFunctionReturnType<
      TAbi,
      "view" | "pure",
      TName,
      TArgs
    >;
  } catch (error) {
    const rpcUrl = rpcUrlOf(client);
    throw translateEvmError(error, {
      operation: `${functionName}`,
      abi,
      ...(client.chain === undefined ? {} : { chainId: client.chain.id }),
      ...(rpcUrl === undefined ? {} : { rpcUrl }),
    });
  }
}
