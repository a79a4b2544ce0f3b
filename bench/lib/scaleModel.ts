// The scale model: measured unit costs (per paid call, per buyer-epoch, per probe) times a deployment's size, against
// AWS's and the chains' limits. Pure arithmetic, no I/O: the scale-model section feeds it this run's figures.

/** What one unit of work costs, as the bench measured it. */
export interface UnitCosts {
  /** Gateway time per paid call, the host's own time excluded (pay-gateway p50). */
  readonly gatewayMsPerCall: number;
  /** Memory of the gateway function (the deployment's topology). */
  readonly gatewayMemoryMb: number;
  /** Voucher checkpoint writes per paid call (one item, under 1 KB: one write unit). */
  readonly storeWritesPerCall: number;
  /** Payment-chain gas per buyer-epoch, all in (deposit, claim, settle, receipts and refund shares: pay-gas). */
  readonly gasPerBuyerEpoch: number;
  /** Home-chain gas to deliver one receipt batch (receipt-gas: verify, commit, lzReceive). */
  readonly homeGasPerReceiptBatch: number;
  readonly paymentsPerReceiptBatch: number;
  /** Receipts one relay worker ingests and batches per second with DynamoDB (relay-throughput). */
  readonly relayPaymentsPerSecond: number;
  /** Prober CPU per probe (prober section). */
  readonly proberCpuMsPerProbe: number;
  /** One sample signature check: a secp256k1 verification against the prober's kept public key (pay-vouchers). */
  readonly sampleSignatureMs: number;
  /** `evaluateEpoch` per host and epoch (evaluator section: 60 rounds x 5 probers of samples). */
  readonly evaluateMsPerHost: number;
}

/** A chain's gas capacity, for the gas it must absorb per hour. */
export interface ChainCapacity {
  readonly name: string;
  /** Gas (or compute units) per hour the chain can include. */
  readonly perHour: number;
  readonly source: string;
}

/** AWS prices and limits and the deployment's fixed settings. */
export interface Constants {
  readonly lambdaUsdPerGbSecond: number;
  readonly lambdaUsdPerMillionRequests: number;
  /** The account's concurrent executions per region (default quota; AWS raises it on request). */
  readonly lambdaConcurrency: number;
  readonly dynamoUsdPerMillionWrites: number;
  /** Write units per second one DynamoDB partition takes (reads: 3,000 RCU). */
  readonly partitionWcu: number;
  /** The model's host answer time the gateway waits for (it proxies the call, billed while it waits). */
  readonly hostLatencyMs: number;
  readonly epochSeconds: number;
  readonly probers: number;
  /** Probes per host per prober per epoch (one a minute). */
  readonly probesPerHostPerEpoch: number;
  /** The evaluate function's timeout: one epoch's evaluation must fit in it. */
  readonly evaluateTimeoutSeconds: number;
  /** How long after an epoch's end its receipts should all be relayed. */
  readonly relayDrainTargetSeconds: number;
  readonly chains: readonly ChainCapacity[];
  /** Which of `chains` is the home chain (it takes every receipt batch). */
  readonly homeChain: string;
}

/** A deployment's size. */
export interface Scale {
  readonly name: string;
  readonly models: number;
  readonly buyers: number;
  readonly callsPerHour: number;
  /** Share of all calls that go to the busiest model (its epoch partition takes all of its checkpoint writes). */
  readonly hottestModelShare: number;
}

/** One resource's load against its limit. */
export interface Pressure {
  readonly resource: string;
  readonly load: number;
  readonly limit: number;
  /** load / limit: over 1 it does not fit. */
  readonly use: number;
  /** What would move it. */
  readonly change: string;
}

export interface Projection {
  readonly scale: Scale;
  readonly callsPerSecond: number;
  readonly gateway: { readonly concurrency: number; readonly gbSecondsPerHour: number; readonly usdPerHour: number };
  readonly dynamo: {
    readonly writesPerSecond: number;
    readonly hottestPartitionWcu: number;
    readonly usdPerHour: number;
  };
  readonly buyerEpochsPerHour: number;
  readonly relay: {
    readonly receiptBatchesPerHour: number;
    /** Receipts waiting when an epoch ends (all of its buyer-epochs come due at once). */
    readonly queueDepthAtEpochEnd: number;
    readonly workersToDrain: number;
  };
  /** Gas per hour if every payment of the size lands on one chain, and the home chain's receipt deliveries. */
  readonly gas: { readonly paymentChainPerHour: number; readonly homeChainPerHour: number };
  readonly prober: { readonly probesPerHour: number; readonly cpuCores: number };
  readonly evaluator: {
    readonly signatureChecksPerEpoch: number;
    /** CPU seconds of those checks. */
    readonly cpuSeconds: number;
    /** `evaluateEpoch` over every host, as measured per host. */
    readonly evaluateSeconds: number;
  };
  readonly usdPerMillionCalls: number;
  readonly pressures: readonly Pressure[];
  /** The pressure with the highest use: what gives first. */
  readonly firstBottleneck: Pressure;
}

/**
 * Projects `scale` from `unit` costs under `constants`.
 *
 * @example project({ name: "S", models: 1_000, buyers: 100_000, callsPerHour: 1e6, hottestModelShare: 0.05 }, unit, constants).firstBottleneck.resource
 */
export function project(scale: Scale, unit: UnitCosts, constants: Constants): Projection {
  const cps = scale.callsPerHour / 3_600;
  const callSeconds = (unit.gatewayMsPerCall + constants.hostLatencyMs) / 1_000;
  const gbSecondsPerHour = scale.callsPerHour * callSeconds * (unit.gatewayMemoryMb / 1_024);
  const gatewayUsd =
    gbSecondsPerHour * constants.lambdaUsdPerGbSecond +
    (scale.callsPerHour / 1e6) * constants.lambdaUsdPerMillionRequests;
  const writesPerSecond = cps * unit.storeWritesPerCall;
  const hottestPartitionWcu = writesPerSecond * scale.hottestModelShare;
  const dynamoUsd = ((writesPerSecond * 3_600) / 1e6) * constants.dynamoUsdPerMillionWrites;
  // Each active buyer pays one model per epoch at most once: a buyer-epoch per buyer, never more than the calls.
  const epochsPerHour = 3_600 / constants.epochSeconds;
  const buyerEpochsPerHour = Math.min(scale.buyers * epochsPerHour, scale.callsPerHour);
  const buyerEpochsPerEpoch = buyerEpochsPerHour / epochsPerHour;
  const receiptBatchesPerHour = buyerEpochsPerHour / unit.paymentsPerReceiptBatch;
  const workersToDrain = buyerEpochsPerEpoch / (unit.relayPaymentsPerSecond * constants.relayDrainTargetSeconds);
  const paymentChainPerHour = buyerEpochsPerHour * unit.gasPerBuyerEpoch;
  const homeChainPerHour = receiptBatchesPerHour * unit.homeGasPerReceiptBatch;
  const probesPerEpoch = scale.models * constants.probers * constants.probesPerHostPerEpoch;
  const probesPerHour = probesPerEpoch * epochsPerHour;
  const cpuCores = (probesPerHour * unit.proberCpuMsPerProbe) / 1_000 / 3_600;
  // Every probe sample carries its prober's signature: the evaluator checks each one per epoch.
  const signatureChecksPerEpoch = probesPerEpoch;
  const evaluatorSeconds = (signatureChecksPerEpoch * unit.sampleSignatureMs) / 1_000;
  const evaluateSeconds = (scale.models * unit.evaluateMsPerHost) / 1_000;
  const usdPerMillionCalls = (gatewayUsd + dynamoUsd) / (scale.callsPerHour / 1e6);

  const pressure = (resource: string, load: number, limit: number, change: string): Pressure => ({
    resource,
    load,
    limit,
    use: load / limit,
    change,
  });
  const pressures: Pressure[] = [
    pressure(
      "gateway Lambda concurrency",
      cps * callSeconds,
      constants.lambdaConcurrency,
      "raise the account's concurrency quota, then stream or serve the gateway from containers: a proxy Lambda is billed and counted while it waits for the host",
    ),
    pressure(
      "hottest DynamoDB partition (one model's checkpoints per epoch)",
      hottestPartitionWcu,
      constants.partitionWcu,
      "shard the checkpoint partition key by channel (write sharding), or keep only each channel's latest voucher in memory and write it once per N calls",
    ),
    pressure(
      "evaluator: per-sample prober signatures in one evaluate run",
      evaluatorSeconds,
      constants.evaluateTimeoutSeconds,
      "sign one Merkle root per prober round instead of each sample: signature checks fall from models x probers x probes to probers x rounds",
    ),
    pressure(
      "evaluator: evaluateEpoch over every host in one evaluate run",
      evaluateSeconds,
      constants.evaluateTimeoutSeconds,
      "split the epoch's hosts over several evaluate invocations (one per shard of models), and a faster samples root",
    ),
    pressure(
      "relay workers to relay an epoch's receipts in time",
      workersToDrain,
      constants.lambdaConcurrency,
      "write payments in batches (BatchWriteItem) and list an epoch once per job, not once per batch",
    ),
    ...constants.chains
      .filter((chain) => chain.name === constants.homeChain)
      .map((chain) =>
        pressure(
          `home chain gas on ${chain.name} (receipt deliveries)`,
          homeChainPerHour,
          chain.perHour,
          "bigger receipt batches (the delivery costs the same for 1 or 500 payments)",
        ),
      ),
    ...constants.chains.map((chain) =>
      pressure(
        `gas on ${chain.name} (all payments on it)`,
        paymentChainPerHour,
        chain.perHour,
        "spread the payment chains (each chain carries its own buyers), longer epochs (fewer buyer-epochs per hour)",
      ),
    ),
  ];
  const firstBottleneck = pressures.reduce((a, b) => (b.use > a.use ? b : a));
  return {
    scale,
    callsPerSecond: cps,
    gateway: { concurrency: cps * callSeconds, gbSecondsPerHour, usdPerHour: gatewayUsd },
    dynamo: { writesPerSecond, hottestPartitionWcu, usdPerHour: dynamoUsd },
    buyerEpochsPerHour,
    relay: { receiptBatchesPerHour, queueDepthAtEpochEnd: buyerEpochsPerEpoch, workersToDrain },
    gas: { paymentChainPerHour, homeChainPerHour },
    prober: { probesPerHour, cpuCores },
    evaluator: { signatureChecksPerEpoch, cpuSeconds: evaluatorSeconds, evaluateSeconds },
    usdPerMillionCalls,
    pressures,
    firstBottleneck,
  };
}
