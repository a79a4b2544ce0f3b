import { escrowAbi } from "@slabridge/contracts";
import { readRegistryCores } from "@slabridge/evm";
import { BATCH_SETTLEMENT_ADDRESS } from "@x402/evm";
import { type Address, getAddress } from "viem";
import { DeployError, reasonOf } from "./DeployError.ts";
import { DeployState } from "./DeployState.ts";
import { type DeploymentResult, type ExecuteDeploymentOptions, executeDeployment } from "./executeDeployment.ts";
import { type ChainProtocols, type DeployParameters, type ListedModel, planDeployment } from "./planDeployment.ts";

/** The x402 batch-settlement channel contract: one canonical address on every chain (the x402 SDK's). */
export const X402_CHANNELS: Address = getAddress(BATCH_SETTLEMENT_ADDRESS);

/** The highest epoch: the escrow's grace "at" it is the listing's newest. */
const LAST_EPOCH = 2n ** 64n - 1n;

/** Who the SLA receivers answer to (the models that get one are read from the chains). */
export interface PayPerCallSettings {
  /** Claims each epoch's vouchers: the relayer key (also the LayerZero executor). */
  operator: Address;
  /** Signs buyers' cooperative refunds (EIP-1271 `Refund`): the gateway's facilitator key. */
  authorizer: Address;
  /** May pause a receiver's claims and refunds besides its owner; absent: the owner alone. */
  guardian?: Address | undefined;
}

/** Options of {@link deploySlabridge}: what to deploy (chains, parameters), and how to run it as {@link executeDeployment}. */
export interface DeploySlabridgeOptions extends Omit<ExecuteDeploymentOptions, "plan"> {
  /** The stage's EVM chains with their protocols' addresses. */
  chains: readonly ChainProtocols[];
  parameters: Omit<DeployParameters, "payPerCall">;
  /** Pay per call: an SLA receiver, wired, for every model listed on a chain; absent: none. */
  payPerCall?: PayPerCallSettings | undefined;
}

/**
 * Plans and runs (or dry-runs) slabridge's EVM deployment: the one code path of `npm run deploy` and the devnet.
 * Idempotent: a re-run checks every step on chain and sends nothing for what is in place. With pay per call, the
 * models come from the chains: every model the registry has listed on a chain's escrow (so buyers pay for it there)
 * gets an SLA receiver there, with the listing's epoch clock and verdict grace; models minted and listed since the
 * last run get theirs on the next one.
 *
 * @example
 * ```ts
 * const { contracts, sent } = await deploySlabridge({ stage: "devnet", chains, parameters, clients, account, statePath });
 * contracts.get(31338)?.modelRegistry; // 0x…
 * ```
 */
export async function deploySlabridge({
  chains,
  parameters,
  payPerCall,
  ...run
}: DeploySlabridgeOptions): Promise<DeploymentResult> {
  if (payPerCall === undefined) return await executeDeployment({ ...run, plan: planDeployment(chains, parameters) });
  const listed = await listedModels({ ...run, chains, homeChainId: parameters.homeChainId });
  const plan = planDeployment(chains, {
    ...parameters,
    payPerCall: { ...payPerCall, channels: X402_CHANNELS, models: listed.models },
  });
  return await executeDeployment({ ...run, plan: { ...plan, unknowns: [...plan.unknowns, ...listed.unknowns] } });
}

/**
 * The models listed on each chain's escrow, from the deployment the state file records (none before the registry
 * and escrows exist: models are minted after the first run). A chain with listed models must have the x402 channel
 * contract, or its receivers would claim from nothing: listed as unknown.
 */
async function listedModels(options: {
  chains: readonly ChainProtocols[];
  homeChainId: number;
  stage: string;
  statePath?: string | undefined;
  clients: ExecuteDeploymentOptions["clients"];
}): Promise<{ models: Map<number, ListedModel[]>; unknowns: string[] }> {
  const models = new Map<number, ListedModel[]>();
  const unknowns: string[] = [];
  const state = DeployState.open(options.statePath, { stage: options.stage, readOnly: true });
  const home = options.chains.find((chain) => chain.chainId === options.homeChainId);
  const homeClient = options.clients.get(options.homeChainId);
  const registry = home && state.addressOf(`${home.name}:deploy:ModelRegistry`);
  if (!home || !homeClient || registry === undefined || !(await hasCode(homeClient, registry, home.name))) {
    return { models, unknowns };
  }
  let modelIds: bigint[];
  try {
    modelIds = (await readRegistryCores(homeClient, registry)).map(({ modelId }) => modelId);
  } catch (error) {
    throw new DeployError("rpc-unreachable", `${home.name}: reading the registry's models failed: ${reasonOf(error)}`, {
      cause: error,
    });
  }
  for (const chain of options.chains) {
    const client = options.clients.get(chain.chainId);
    const escrow = state.addressOf(`${chain.name}:deploy:Escrow`);
    if (!client || escrow === undefined || !(await hasCode(client, escrow, chain.name))) continue;
    const onChain: ListedModel[] = [];
    for (const modelId of modelIds) {
      const read = async <T>(functionName: "listing" | "verdictGraceAt", args: readonly unknown[]): Promise<T> => {
        try {
          return (await client.readContract({ address: escrow, abi: escrowAbi, functionName, args } as never)) as T;
        } catch (error) {
          throw new DeployError("rpc-unreachable", `${chain.name}: reading ${functionName}(${modelId}) failed`, {
            cause: error,
          });
        }
      };
      const listing = await read<{ genesis: bigint; epochSeconds: bigint }>("listing", [modelId]);
      if (listing.epochSeconds === 0n) continue; // not listed here
      const grace = await read<number>("verdictGraceAt", [modelId, LAST_EPOCH]);
      onChain.push({
        modelId,
        genesis: listing.genesis,
        epochSeconds: listing.epochSeconds,
        verdictGraceEpochs: grace,
      });
    }
    models.set(chain.chainId, onChain);
    if (onChain.length > 0 && !(await hasCode(client, X402_CHANNELS, chain.name))) {
      unknowns.push(`${chain.name}: the x402 batch-settlement contract (no code at ${X402_CHANNELS})`);
    }
  }
  return { models, unknowns };
}

async function hasCode(
  client: NonNullable<ReturnType<ExecuteDeploymentOptions["clients"]["get"]>>,
  address: Address,
  chain: string,
): Promise<boolean> {
  try {
    const code = await client.getCode({ address });
    return code !== undefined && code !== "0x";
  } catch (error) {
    throw new DeployError("rpc-unreachable", `${chain}: the RPC does not answer`, { cause: error });
  }
}
