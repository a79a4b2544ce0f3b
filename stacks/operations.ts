import type { Api } from "./api.ts";
import type { Probes } from "./probes.ts";
import { regionComponentSuffix } from "./probes.ts";
import type { Relay } from "./relay.ts";
import type { Settlement } from "./settlement.ts";
import type { AwsRegion, StageTopology } from "./stages.ts";

/**
 * The operations stack: CloudWatch alarms on what needs a human, all notifying one SNS topic (`Alarms`) in the home
 * region. CloudWatch only notifies topics of the alarm's own region, so a prober outside the home region gets its
 * alarm and a topic (`AlarmsEuWest1`) in its region, created with the prober's provider. Subscribe people or a pager
 * to each topic once per stage (`aws sns subscribe --topic-arn <arn> --protocol email ...`).
 *
 * Alarms (all evaluated every 5 minutes; state changes back to OK notify too):
 * - **dead letters**: each dead-letter queue (relay jobs, exhausted schedule invocations) holds any message;
 * - **failed jobs**: the relay emits `JobDeadLettered` (Powertools metrics, namespace `slabridge`, dimensions
 *   `service`, `stage`) when a job gives up; and every function's Lambda `Errors` above zero;
 * - **probe gaps**: the probe coordinator ran fewer than {@link probeRoundsAlarmedBelow} of the rounds its schedule
 *   should have run in 5 probe periods (no data counts as none: a stopped schedule is a gap); a prober's errors are
 *   its region's `Errors` alarm;
 * - **signer balance**: `SignerBalance` (namespace `slabridge`, dimensions `service` `slabridge-watch`, `stage`,
 *   `signer` (the key's role: `relayer`, `dvn`), `chain`; the native token in whole units), which the EVM watcher
 *   emits on every pass, of the relayer key on each EVM chain below {@link signerBalanceFloor}. A balance it cannot
 *   read is left missing (INSUFFICIENT_DATA), not counted as low.
 *
 * @example
 * const operations = createOperations({ topology, relay, probes, settlement, api });
 * operations.alarmTopic.arn; // subscribe the on-call address to it
 */
export interface Operations {
  /** The home region's alarm topic. */
  readonly alarmTopic: sst.aws.SnsTopic;
  /** Every alarm, by component name. */
  readonly alarms: Readonly<Record<string, aws.cloudwatch.MetricAlarm>>;
}

/** The window every alarm looks at, in seconds. */
const alarmPeriodSeconds = 300;

/** Fewer probe rounds than this in 5 probe periods is a gap (one late or missed round is not). */
const probeRoundsAlarmedBelow = (topology: StageTopology): number =>
  Math.floor(alarmPeriodSeconds / topology.periods.probe) - 1;

/** The relayer's native balance (ETH or the chain's gas token, whole units) below which its chain alarms. */
const signerBalanceFloor = 0.05;

export function createOperations(input: {
  topology: StageTopology;
  relay: Relay;
  probes: Probes;
  settlement: Settlement;
  api: Api;
}): Operations {
  const { topology, relay, probes, settlement, api } = input;
  const alarmTopic = new sst.aws.SnsTopic("Alarms");
  const alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};

  /** Declares one alarm notifying the topic of its region (the home topic unless a provider is given). */
  const alarm = (
    name: string,
    args: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "period" | "evaluationPeriods">,
    regional?: { topic: sst.aws.SnsTopic; provider: aws.Provider },
  ) => {
    const topic = regional?.topic ?? alarmTopic;
    const full: aws.cloudwatch.MetricAlarmArgs = {
      ...args,
      period: alarmPeriodSeconds,
      evaluationPeriods: 1,
      alarmActions: [topic.arn],
      okActions: [topic.arn],
    };
    alarms[name] = regional
      ? new aws.cloudwatch.MetricAlarm(name, full, { provider: regional.provider })
      : new aws.cloudwatch.MetricAlarm(name, full);
  };

  const deadLetterQueues = {
    RelayDeadLetterQueue: relay.deadLetterQueue,
    ScheduleDeadLetterQueue: relay.scheduleDeadLetterQueue,
  };
  for (const [name, queue] of Object.entries(deadLetterQueues)) {
    alarm(`${name}DepthAlarm`, {
      alarmDescription: `${name} holds messages: jobs or schedule events that exhausted their retries`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queue.nodes.queue.name },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "notBreaching",
    });
  }

  alarm("JobsDeadLetteredAlarm", {
    alarmDescription: "The relay gave up on a job (JobDeadLettered): it needs a look and `npm run ops` to requeue",
    namespace: "slabridge",
    metricName: "JobDeadLettered",
    dimensions: { service: "slabridge-relay", stage: topology.stage },
    statistic: "Sum",
    comparisonOperator: "GreaterThanThreshold",
    threshold: 0,
    treatMissingData: "notBreaching",
  });

  const errorsAlarm = (
    name: string,
    fn: sst.aws.Function,
    regional?: { topic: sst.aws.SnsTopic; provider: aws.Provider },
  ) =>
    alarm(
      `${name}ErrorsAlarm`,
      {
        alarmDescription: `${name} failed an invocation (Lambda Errors)`,
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: fn.name },
        statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        treatMissingData: "notBreaching",
      },
      regional,
    );
  const homeFunctions = {
    WatchEvm: relay.functions.watchEvm,
    WatchSolana: relay.functions.watchSolana,
    Relay: relay.functions.relay,
    Retry: relay.functions.retry,
    ProbeCoordinator: probes.coordinator,
    Evaluate: probes.evaluator,
    Refund: settlement.refund,
    Settle: settlement.settle,
    Net: settlement.net,
    Status: api.status,
    Gateway: api.gateway,
  };
  for (const [name, fn] of Object.entries(homeFunctions)) errorsAlarm(name, fn);

  const regionalTopics = new Map<AwsRegion, sst.aws.SnsTopic>();
  for (const prober of probes.probers) {
    const suffix = regionComponentSuffix(prober.region);
    if (prober.region === topology.homeRegion) {
      errorsAlarm(`Prober${suffix}`, prober.fn);
      continue;
    }
    let topic = regionalTopics.get(prober.region);
    if (!topic) {
      topic = new sst.aws.SnsTopic(`Alarms${suffix}`, {}, { provider: prober.provider });
      regionalTopics.set(prober.region, topic);
    }
    errorsAlarm(`Prober${suffix}`, prober.fn, { topic, provider: prober.provider });
  }

  alarm("ProbeGapAlarm", {
    alarmDescription: "The probe coordinator missed probe rounds: hosts go unmeasured (its schedule or the function)",
    namespace: "AWS/Lambda",
    metricName: "Invocations",
    dimensions: { FunctionName: probes.coordinator.name },
    statistic: "Sum",
    comparisonOperator: "LessThanThreshold",
    threshold: probeRoundsAlarmedBelow(topology),
    treatMissingData: "breaching",
  });

  for (const chain of topology.chains.filter((c) => c.family === "evm")) {
    const suffix = regionComponentSuffix(chain.name);
    alarm(`RelayerBalance${suffix}Alarm`, {
      alarmDescription: `The relayer's balance on ${chain.name} is below ${signerBalanceFloor}: top it up`,
      namespace: "slabridge",
      metricName: "SignerBalance",
      dimensions: { service: "slabridge-watch", stage: topology.stage, signer: "relayer", chain: chain.name },
      statistic: "Minimum",
      comparisonOperator: "LessThanThreshold",
      threshold: signerBalanceFloor,
      treatMissingData: "missing",
    });
  }

  return { alarmTopic, alarms };
}
