import { modelRegistryAbi, modelTermsAbi } from "@slabridge/contracts";
import { SOLANA_CHAIN_ID } from "@slabridge/core";
import { type Address, decodeEventLog, type Hex, keccak256, pad, toHex } from "viem";
import type { DevnetClients } from "../evm/devnetClients.ts";
import { EvmDevnetError } from "../evm/EvmDevnetError.ts";
import { submitTransaction } from "../evm/submitTransaction.ts";

/** SLA terms every demo model carries (a cloud-SLA-credit style table, as in the design). */
export const demoSlaTerms = {
  maxP95LatencyMs: 500,
  minUptimeBps: 9_900,
  probeTimeoutMs: 2_000,
  latencyBreachRefundBps: 2_500,
  tiers: [
    { uptimeBelowBps: 9_900, refundBps: 1_000 },
    { uptimeBelowBps: 9_500, refundBps: 2_500 },
    { uptimeBelowBps: 7_500, refundBps: 10_000 },
  ],
} as const;

/**
 * Epochs after an epoch's end its verdict may take before buyers can withdraw that epoch's payments in full (the
 * terms' `verdictGraceEpochs`, carried in every listing).
 *
 * @example mintDemoModel({ ...options, verdictGraceEpochs: DEMO_VERDICT_GRACE_EPOCHS });
 */
export const DEMO_VERDICT_GRACE_EPOCHS = 2;

// Errors of the linked ModelTerms library surface through mint: give viem their ABI too so they decode by name.
const mintAbi = [...modelRegistryAbi, ...modelTermsAbi.filter((item) => item.type === "error")] as const;

/** Role ids of `PayeeRole` in ModelTypes.sol. */
const Role = { Creator: 0, DataContributor: 1, Validator: 2, Host: 3 } as const;

/** Inputs of {@link mintDemoModel}. */
export interface MintDemoModelOptions {
  clients: DevnetClients;
  registry: Address;
  creator: Address;
  hostSigner: Address;
  hostEndpoint: string;
  name: string;
  epochSeconds: number;
  /** Stablecoin base units (6 decimals) per inference request. */
  pricePerRequest: bigint;
  protocolFeeBps: number;
  homeChainId: number;
  /** Where the host wants its revenue (another chain than home shows bridged payouts). */
  hostPayout: { chainId: number; account: Hex };
  /** A data contributor paid on Solana (32-byte account). */
  dataContributorSolana: Hex;
  /** The terms' verdict grace in epochs (default {@link DEMO_VERDICT_GRACE_EPOCHS}). */
  verdictGraceEpochs?: number;
}

/**
 * Mints a demo Model NFT on the home chain: metadata and license, the demo host's endpoint, the demo SLA, and a
 * split table (creator and validator on the home chain, host on its payout chain, a data contributor on Solana; the
 * registry appends the protocol fee). Returns the model id from the `ModelMinted` event.
 *
 * @example const modelId = await mintDemoModel({ clients, registry, creator, ...host });
 */
export async function mintDemoModel(options: MintDemoModelOptions): Promise<bigint> {
  const owned = 10_000 - options.protocolFeeBps;
  const host = 3_400;
  const dataContributor = 1_000;
  const validator = 500;
  const creator = owned - host - dataContributor - validator;
  const wallet = options.clients.wallet(options.creator);
  const receipt = await submitTransaction(options.clients.publicClient, `mint model ${options.name}`, async () => {
    const { request } = await options.clients.publicClient.simulateContract({
      account: options.creator,
      address: options.registry,
      abi: mintAbi,
      functionName: "mint",
      args: [
        {
          metadata: {
            artifactURI: `ipfs://slabridge-demo/${options.name}/weights.safetensors`,
            artifactHash: keccak256(toHex(`slabridge demo weights: ${options.name}`)),
            architectureURI: `ipfs://slabridge-demo/${options.name}/architecture.json`,
            dataProvenanceURI: `ipfs://slabridge-demo/${options.name}/datasheet.md`,
            benchmarkURI: `ipfs://slabridge-demo/${options.name}/benchmarks.json`,
          },
          license: {
            kind: 0,
            derivativesAllowed: true,
            attributionRequired: true,
            uri: "https://spdx.org/licenses/Apache-2.0",
          },
          hostEndpoint: options.hostEndpoint,
          hostSigner: options.hostSigner,
          genesis: 0n,
          epochSeconds: BigInt(options.epochSeconds),
          parentId: 0n,
          royaltyBps: 500,
          derivativeShareBps: 1_000,
          terms: {
            pricePerRequest: options.pricePerRequest,
            active: true,
            verdictGraceEpochs: options.verdictGraceEpochs ?? DEMO_VERDICT_GRACE_EPOCHS,
            protocolFeeBps: options.protocolFeeBps,
            sla: {
              ...demoSlaTerms,
              tiers: demoSlaTerms.tiers.map((tier) => ({ ...tier })),
            },
            payees: [
              { role: Role.Creator, chain: options.homeChainId, account: pad(options.creator), shareBps: creator },
              {
                role: Role.DataContributor,
                chain: SOLANA_CHAIN_ID,
                account: options.dataContributorSolana,
                shareBps: dataContributor,
              },
              { role: Role.Validator, chain: options.homeChainId, account: pad(options.creator), shareBps: validator },
              {
                role: Role.Host,
                chain: options.hostPayout.chainId,
                account: options.hostPayout.account,
                shareBps: host,
              },
            ],
          },
        },
      ],
    });
    return wallet.writeContract(request);
  });
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== options.registry.toLowerCase()) continue;
    try {
      const event = decodeEventLog({ abi: modelRegistryAbi, data: log.data, topics: log.topics });
      if (event.eventName === "ModelMinted") return event.args.modelId;
    } catch {
      // another event of the registry (Transfer, TermsScheduled, ...)
    }
  }
  throw new EvmDevnetError("transaction-reverted", `mint model ${options.name}: no ModelMinted event`);
}
