import type { ChainFamily, StagePeriods } from "@slabridge/topology";

export type { ChainFamily } from "@slabridge/topology";

/**
 * What differs between stages, as far as the stacks are concerned: which chains the relay talks to (one RPC URL
 * Secret each), which AWS regions run probers (each with a prober key of the manifest's), the periods the schedules
 * of `@slabridge/topology` are multiples of, and which stage config and manifest files the functions load (the
 * manifest also names every signing key the stacks grant, see signers.ts).
 * The bot's own settings (routes, confirmations, retry tiers) live in that file, `config/<stage>.json`, not here.
 *
 * @example
 * const topology = stageTopology($app.stage); // inside a stack
 * topology.chains.map((chain) => rpcUrlSecretName(chain.name)); // ["RpcUrlEvmA", "RpcUrlEvmB", "RpcUrlSolana"]
 * stageTopology("production").proberRegions; // ["us-east-1", "eu-west-1", "ap-southeast-1"]
 */
export interface ChainTopology {
  /** The chain's name in the stage config file (lowercase, dashes), e.g. `evm-a`. */
  readonly name: string;
  readonly family: ChainFamily;
}

export interface StageTopology {
  readonly stage: string;
  /** The production stage keeps its resources on removal (see `app()` in sst.config.ts). */
  readonly production: boolean;
  /** Stage config file the functions load (their `SLABRIDGE_CONFIG`), relative to the repository root. */
  readonly configFile: string;
  /**
   * Deployment manifest of the stage's contracts and KMS keys (their `SLABRIDGE_MANIFEST`), relative to the repository
   * root: `npm run deploy` writes it, `sst deploy` reads its keys (the grants) and bundles it.
   */
  readonly manifestFile: string;
  readonly chains: readonly ChainTopology[];
  /** AWS region of the app itself (tables, queues, keys, schedules): SST's home provider region. */
  readonly homeRegion: AwsRegion;
  /**
   * AWS regions that each run one prober function: distinct vantage points for uptime quorum and latency. More than
   * one, so one region's network trouble is not read as the host being down.
   */
  readonly proberRegions: readonly AwsRegion[];
  /**
   * The watch and probe periods in seconds (the stage config's `watch.pollIntervalSeconds` and
   * `probing.periodSeconds`): every schedule runs a multiple of one (`deployedFunctions[key].trigger`).
   */
  readonly periods: StagePeriods;
}

/** An AWS region name, e.g. `us-east-1`. */
export type AwsRegion = `${string}-${string}-${number}`;

/** The chains every stage runs today: two EVM chains (payment and home) and Solana, as on the devnet. */
const chains: readonly ChainTopology[] = [
  { name: "evm-a", family: "evm" },
  { name: "evm-b", family: "evm" },
  { name: "solana", family: "solana" },
];

export const productionStage = "production";

/**
 * A minute each in every deployed stage: EventBridge Scheduler's finest rate, and what `config/dev.json` says
 * (`watch.pollIntervalSeconds`, `probing.periodSeconds`); the devnet runs the same multiples of seconds.
 */
const deployedPeriods: StagePeriods = { watch: 60, probe: 60 };

/** Where the app lives in every stage (the SST app's home region). */
const homeRegion: AwsRegion = "us-east-1";

/**
 * Prober regions per stage: development stages probe from two regions on two continents (the least that still tells
 * a regional outage from a host outage), production from three (one per major continent).
 */
const proberRegionsByStage = {
  production: ["us-east-1", "eu-west-1", "ap-southeast-1"],
  development: ["us-east-1", "eu-west-1"],
} as const satisfies Record<string, readonly AwsRegion[]>;

export function stageTopology(stage: string): StageTopology {
  return {
    stage,
    production: stage === productionStage,
    configFile: `config/${stage}.json`,
    manifestFile: `config/${stage}.manifest.json`,
    chains,
    homeRegion,
    proberRegions: stage === productionStage ? proberRegionsByStage.production : proberRegionsByStage.development,
    periods: deployedPeriods,
  };
}

/**
 * The SST Secret holding a chain's RPC URL (URLs carry provider API keys, so they are never in config or code); the
 * stage config file names the same secret (`rpcUrl: { secret: "RpcUrlEvmA" }`).
 *
 * @example rpcUrlSecretName("evm-a") // "RpcUrlEvmA"
 */
export function rpcUrlSecretName(chainName: string): string {
  return `RpcUrl${chainResourceSuffix(chainName)}`;
}

/**
 * A chain's name as it appears in resource names (PascalCase).
 *
 * @example chainResourceSuffix("evm-a") // "EvmA"
 */
export function chainResourceSuffix(chainName: string): string {
  const words = chainName.split("-").filter((word) => word.length > 0);
  return words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join("");
}
