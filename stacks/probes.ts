import { deployedFunctions } from "@slabridge/topology";
import { scheduleFunction } from "./scheduleFunction.ts";
import type { Signers } from "./signers.ts";
import { createSlabridgeFunction } from "./slabridgeFunction.ts";
import type { AwsRegion, StageTopology } from "./stages.ts";
import type { Storage } from "./storage.ts";

/**
 * The probe stack measures every host against its SLA (flows 3 and 4 of the design):
 * - one **prober** function per region of `topology.proberRegions` (each its own vantage point), each created with an
 *   `aws.Provider` of its region (SST v3's multi-region pattern: `new sst.aws.Function(name, args, { provider })`).
 *   A prober sends one canary request to each host it is given and writes its samples to the Samples table in the
 *   app's home region (`SLABRIDGE_TABLES_REGION`), its items prefixed by its vantage point;
 * - the **probe coordinator**, every probe period on an EventBridge Scheduler schedule (retries, schedule DLQ): reads the
 *   listed models' hosts and SLA terms from the home chain and invokes every prober (`lambda:InvokeFunction` on exactly
 *   the prober ARNs; their region, name and ARN reach it through the `ProberFunctions` linkable, so it builds one
 *   Lambda client per region);
 * - the **evaluator**, every 5 watch periods: for each ended (model, epoch) without a verdict, merges the samples, builds
 *   the report, has M of the probers co-sign it (each with its own key; no other function holds a prober key) and
 *   submits it to the home chain's SlaOracle through a nonce-safe sender (Nonces table) of the relayer (executor) key,
 *   the one key it may sign with.
 * Limits, links and periods are the `prober`, `probeCoordinator` and `evaluate` records of `@slabridge/topology`.
 *
 * @example
 * const probes = createProbes({ topology, storage, signers, evidence, scheduleDeadLetterQueue: relay.scheduleDeadLetterQueue });
 * probes.probers.map((prober) => prober.region); // ["us-east-1", "eu-west-1"] on dev
 */
export interface RegionalProber {
  readonly region: AwsRegion;
  readonly provider: aws.Provider;
  readonly fn: sst.aws.Function;
}

export interface Probes {
  readonly probers: readonly RegionalProber[];
  readonly coordinator: sst.aws.Function;
  readonly evaluator: sst.aws.Function;
  /** `{ functions: [{ region, name, arn }] }`: the probers as the coordinator sees them (`Resource.ProberFunctions`). */
  readonly proberFunctions: sst.Linkable<{ functions: ProberFunctionRef[] }>;
}

/** One prober as linked to the coordinator. */
export interface ProberFunctionRef {
  readonly region: AwsRegion;
  readonly name: $util.Output<string>;
  readonly arn: $util.Output<string>;
}

/**
 * A region as a component name suffix.
 *
 * @example regionComponentSuffix("us-east-1") // "UsEast1" (so the prober there is `ProberUsEast1`)
 */
export function regionComponentSuffix(region: string): string {
  return region
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/**
 * Declares the probe stack (see {@link Probes}): per-region probers, the coordinator and the evaluator with their
 * schedules, whose failed invocations go to `scheduleDeadLetterQueue`.
 *
 * @example
 * const probes = createProbes({ topology, storage, signers, evidence, scheduleDeadLetterQueue: relay.scheduleDeadLetterQueue });
 */
export function createProbes(input: {
  topology: StageTopology;
  storage: Storage;
  signers: Signers;
  scheduleDeadLetterQueue: sst.aws.Queue;
  /** Where the evaluator publishes each report's bundle and the probers read it (see `createEvidenceBucket`). */
  evidence: sst.aws.Bucket;
}): Probes {
  const { topology, storage, signers, evidence } = input;
  const context = { topology, storage, signers, evidence };
  // Functions outside the home region still read and write the home region's tables and evidence bucket.
  const environment = { SLABRIDGE_TABLES_REGION: topology.homeRegion };

  const probers = topology.proberRegions.map((region, vantage): RegionalProber => {
    const suffix = regionComponentSuffix(region);
    const provider = new aws.Provider(`ProbeRegion${suffix}`, { region });
    const fn = createSlabridgeFunction(context, deployedFunctions.prober, {
      name: `${deployedFunctions.prober.name}${suffix}`,
      description: `SLA prober in ${region}: canary requests to each host, samples to the Samples table`,
      environment: { ...environment, SLABRIDGE_PROBER_REGION: region },
      provider,
      vantage,
    });
    return { region, provider, fn };
  });

  const proberFunctions = new sst.Linkable("ProberFunctions", {
    properties: {
      functions: probers.map(({ region, fn }): ProberFunctionRef => ({ region, name: fn.name, arn: fn.arn })),
    },
  });
  const withProbers = { ...context, probers: { linkable: proberFunctions, arns: probers.map(({ fn }) => fn.arn) } };
  const coordinator = createSlabridgeFunction(withProbers, deployedFunctions.probeCoordinator, { environment });
  const evaluator = createSlabridgeFunction(withProbers, deployedFunctions.evaluate, { environment });

  const { scheduleDeadLetterQueue } = input;
  scheduleFunction(topology, deployedFunctions.probeCoordinator, coordinator, scheduleDeadLetterQueue);
  scheduleFunction(topology, deployedFunctions.evaluate, evaluator, scheduleDeadLetterQueue);

  return { probers, coordinator, evaluator, proberFunctions };
}
