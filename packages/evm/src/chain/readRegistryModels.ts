import { modelRegistryAbi } from "@slabridge/contracts";
import { type ModelManifest, mapConcurrently, modelManifestSchema } from "@slabridge/core";
import type { Address, ContractFunctionReturnType } from "viem";
import { type ReaderClient, readContractTyped } from "../contracts/readContractTyped.ts";
import { ContractRevertedError } from "../errors.ts";

/** Ids read side by side per round trip while looking for the end of the registry. */
const IDS_PER_ROUND = 8;

/** Models read from a registry: the ones the bot can serve, and the ones it cannot, with why. */
export interface RegistryModels {
  models: ModelManifest[];
  /** Minted models whose entry is not valid (a host endpoint that is not an http(s) URL): served by no function. */
  rejected: { modelId: bigint; reason: string }[];
}

/**
 * Every model minted on a ModelRegistry, with its core (creator, epoch clock). Model ids count up from 1 and are never
 * burnt, so the first id the registry does not know (`ModelNotFound`) ends the list; ids are read a few at a time.
 *
 * @example const ids = (await readRegistryCores(client, registry)).map(({ modelId }) => modelId);
 */
export async function readRegistryCores(
  client: ReaderClient,
  registry: Address,
): Promise<{ modelId: bigint; core: ModelCore }[]> {
  const found: { modelId: bigint; core: ModelCore }[] = [];
  for (let first = 1n; ; first += BigInt(IDS_PER_ROUND)) {
    const ids = Array.from({ length: IDS_PER_ROUND }, (_, i) => first + BigInt(i));
    const cores = await Promise.all(ids.map((modelId) => coreOf(client, registry, modelId)));
    for (const [i, core] of cores.entries()) {
      if (core === undefined) return found;
      found.push({ modelId: ids[i] as bigint, core });
    }
  }
}

/**
 * Every model minted on the home chain's ModelRegistry, as manifest entries (host and price of the current epoch). A
 * public stage's manifest lists no models, since hosts mint theirs after the deploy, so its functions read them here.
 *
 * @example const { models } = await readRegistryModels(client, manifestChain.contracts.modelRegistry, 31338);
 */
export async function readRegistryModels(
  client: ReaderClient,
  registry: Address,
  homeChainId: number,
): Promise<RegistryModels> {
  const cores = await readRegistryCores(client, registry);
  const entries = await mapConcurrently(cores, IDS_PER_ROUND, ({ modelId, core }) =>
    entryOf(client, registry, homeChainId, modelId, core),
  );
  const found: RegistryModels = { models: [], rejected: [] };
  for (const entry of entries) {
    if (entry.ok) found.models.push(entry.model);
    else found.rejected.push({ modelId: entry.modelId, reason: entry.reason });
  }
  return found;
}

type ModelCore = ContractFunctionReturnType<typeof modelRegistryAbi, "view", "coreOf">;
type ModelEntry = { ok: true; model: ModelManifest } | { ok: false; modelId: bigint; reason: string };

async function coreOf(client: ReaderClient, registry: Address, modelId: bigint): Promise<ModelCore | undefined> {
  try {
    return await readContractTyped(client, registry, modelRegistryAbi, "coreOf", [modelId]);
  } catch (error) {
    if (error instanceof ContractRevertedError && error.errorName === "ModelNotFound") return undefined;
    throw error;
  }
}

async function entryOf(
  client: ReaderClient,
  registry: Address,
  homeChainId: number,
  modelId: bigint,
  core: ModelCore,
): Promise<ModelEntry> {
  const epoch = await readContractTyped(client, registry, modelRegistryAbi, "currentEpoch", [modelId]);
  const [[endpoint], terms] = await Promise.all([
    readContractTyped(client, registry, modelRegistryAbi, "hostOf", [modelId]),
    readContractTyped(client, registry, modelRegistryAbi, "termsAt", [modelId, epoch]),
  ]);
  const parsed = modelManifestSchema.safeParse({
    modelId: modelId.toString(),
    homeChainId,
    genesis: Number(core.genesis),
    epochSeconds: Number(core.epochSeconds),
    hostName: hostNameOf(endpoint),
    hostUrl: endpoint,
    pricePerRequest: terms.pricePerRequest.toString(),
  });
  if (parsed.success) return { ok: true, model: parsed.data };
  return {
    ok: false,
    modelId,
    reason: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "),
  };
}

/** A display name for a host: its endpoint's host name (the registry holds no other name). */
function hostNameOf(endpoint: string): string {
  try {
    return new URL(endpoint).hostname;
  } catch {
    return endpoint.slice(0, 40);
  }
}
