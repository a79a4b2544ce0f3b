import { slaOracleAbi } from "@slabridge/contracts";
import type { Hex, RecordedVerdict } from "@slabridge/core";
import type { Address } from "viem";
import { EvmStatusReader } from "../chain/EvmStatusReader.ts";
import { type ReaderClient, readContractTyped } from "../contracts/readContractTyped.ts";
import { EvmConfigError } from "../errors.ts";
import { translateEvmError } from "../translateEvmError.ts";
import { SlaOracleReader } from "./SlaOracleReader.ts";

/**
 * Reads, from the home chain only, what a third party needs to check the verdict of (model, epoch) recorded by
 * `oracle`: the chain id, the oracle's registry, prober set and threshold, the model's epoch clock and the epoch's SLA
 * terms (registry), and the verdict with its report figures (`VerdictRecorded`) and the prober signatures of its
 * `submitReport` transaction. Undefined when the oracle has no verdict for (model, epoch) yet.
 *
 * @example const recorded = await readRecordedVerdict(client, { oracle, modelId: 2n, epoch: 7n });
 */
export async function readRecordedVerdict(
  client: ReaderClient,
  query: { oracle: Address; modelId: bigint; epoch: bigint; maxBlockRange?: bigint; logWindowBlocks?: bigint },
): Promise<RecordedVerdict | undefined> {
  const { oracle, modelId, epoch } = query;
  const [chainId, registry, set] = await Promise.all([
    client.getChainId().catch((error: unknown) => {
      throw translateEvmError(error, { operation: "getChainId" });
    }),
    readContractTyped(client, oracle, slaOracleAbi, "registry", []),
    new SlaOracleReader(client, oracle).signerSet(),
  ]);
  const home = new EvmStatusReader({
    client,
    chainId,
    name: `home-${chainId}`,
    home: { registry, oracle, sentMessages: [] },
    maxBlockRange: query.maxBlockRange ?? 2_000n,
    logWindowBlocks: query.logWindowBlocks ?? 50_000n,
  }).home;
  if (!home) throw new EvmConfigError("the home chain reader needs a registry and an oracle");
  const verdict = await home.verdict(modelId, epoch);
  if (verdict === null) return undefined;
  const [window, terms] = await Promise.all([home.epochWindow(modelId, epoch), home.slaTerms(modelId, epoch)]);
  const epochSeconds = window.endsAt - window.startsAt;
  const oracleReader = new SlaOracleReader(client, oracle);
  return {
    chainId,
    oracle: oracle.toLowerCase() as Hex,
    signers: set.signers.map((signer) => signer.toLowerCase() as Hex),
    threshold: Number(set.threshold),
    clock: { genesis: window.startsAt - epoch * epochSeconds, epochSeconds },
    terms,
    verdict,
    reportDigest: (report) => oracleReader.hashReport(report),
  };
}
