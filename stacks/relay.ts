import type { TableKey } from "@slabridge/topology";
import { scheduleFunction } from "./scheduleFunction.ts";
import type { Signers, SigningKey } from "./signers.ts";
import { createSlabridgeFunction } from "./slabridgeFunction.ts";
import type { ChainFamily, StageTopology } from "./stages.ts";
import type { Storage } from "./storage.ts";

/**
 * The relay stack owns the relay engine's moving parts: the job queue and its dead-letter queue, the four Lambdas
 * (two chain watchers, the relay worker, the retry sweeper) and the EventBridge Scheduler schedules that run the
 * watchers and the sweeper. Each function gets exactly the tables, secrets and signing keys in `functionPlans`
 * below and nothing else: KMS access is `kms:Sign`/`kms:GetPublicKey` on its own keys only.
 *
 * Flow: WatchEvm/WatchSolana (every minute) record payments, advance cursors and enqueue jobs; Relay consumes the
 * queue in batches of 10 with partial batch responses (one failed job does not redeliver the others); after 5
 * receives a job lands in the dead-letter queue; Retry (every 5 minutes) re-enqueues jobs whose backoff has passed.
 *
 * Assumed SST v3 names: `sst.aws.Queue` (`visibilityTimeout`, `dlq: { queue, retry }`, `transform.queue`,
 * `subscribe(functionArn, { batch: { size, partialResponses } })`), `sst.aws.Function` (`handler`, `runtime`,
 * `timeout`, `memory`, `environment`, `link`, `permissions`, `logging`), `sst.aws.CronV2` (`function`, `schedule`,
 * `retries`, `dlq`).
 *
 * @example
 * const relay = createRelay({ topology, storage, signers }); // inside sst.config.ts run()
 */
export type RelayFunctionKey = "watchEvm" | "watchSolana" | "relay" | "retry";

interface FunctionPlan {
  /** Component name; its handler is `functions/src/<camelCase name>.handler`. */
  readonly name: string;
  readonly handler: string;
  readonly description: string;
  readonly timeoutSeconds: number;
  readonly memory: `${number} MB`;
  readonly tables: readonly TableKey[];
  /** RPC URL secrets of the chains of these families. */
  readonly rpcFamilies: readonly ChainFamily[];
  readonly guardianApi: boolean;
  readonly signingKeys: (signers: Signers) => readonly SigningKey[];
}

/** Relay worker timeout: one batch of up to 10 jobs, each a few RPC calls and at most one transaction. */
const relayTimeoutSeconds = 120;
/** AWS: a queue's visibility timeout should be at least six times its consumer's timeout (batch window is 0). */
const relayQueueVisibilitySeconds = 6 * relayTimeoutSeconds;
const relayBatchSize = 10;
/** Receives before a job moves to the dead-letter queue (the redrive policy's maxReceiveCount). */
const relayMaxReceiveCount = 5;
/** SQS maximum, so dead letters outlive the 4-day default retention of the queue they came from. */
const deadLetterRetentionSeconds = 14 * 24 * 60 * 60;

const noSigningKeys = (): readonly SigningKey[] => [];

export const functionPlans = {
  watchEvm: {
    name: "WatchEvm",
    handler: "functions/src/watchEvm.handler",
    description: "Reads slabridge events past confirmations on each EVM chain; records payments and enqueues jobs",
    // Finishes before the next minute's run starts.
    timeoutSeconds: 50,
    memory: "512 MB",
    // worldFromEnv builds the whole relay world: every store and every chain's RPC URL.
    tables: ["jobs", "cursors", "payments", "nonces"],
    rpcFamilies: ["evm", "solana"],
    guardianApi: false,
    signingKeys: noSigningKeys,
  },
  watchSolana: {
    name: "WatchSolana",
    handler: "functions/src/watchSolana.handler",
    description: "Reads finalized payments to the Solana vault; records payments and enqueues jobs",
    timeoutSeconds: 50,
    memory: "512 MB",
    // worldFromEnv builds the whole relay world: every store and every chain's RPC URL.
    tables: ["jobs", "cursors", "payments", "nonces"],
    rpcFamilies: ["evm", "solana"],
    guardianApi: false,
    signingKeys: noSigningKeys,
  },
  relay: {
    name: "Relay",
    handler: "functions/src/relay.handler",
    description: "Carries queued jobs across chains over LayerZero and Wormhole, signing with KMS",
    timeoutSeconds: relayTimeoutSeconds,
    memory: "1024 MB",
    // worldFromEnv's stores, plus the Powertools idempotency records.
    tables: ["jobs", "cursors", "payments", "nonces", "idempotency"],
    rpcFamilies: ["evm", "solana"],
    guardianApi: true,
    // Sends EVM transactions (relayer = LayerZero executor), verifies LayerZero packets (DVN), and signs the Solana
    // vault multisig's refunds and Solana messages (operators). Prober keys belong to the probe stack.
    signingKeys: (signers) => [signers.evm.relayer, signers.evm.dvn, ...signers.solanaOperators],
  },
  retry: {
    name: "Retry",
    handler: "functions/src/retry.handler",
    description: "Re-enqueues jobs whose retry backoff has passed",
    timeoutSeconds: 60,
    memory: "256 MB",
    // worldFromEnv builds the whole relay world: every store and every chain's RPC URL.
    tables: ["jobs", "cursors", "payments", "nonces"],
    rpcFamilies: ["evm", "solana"],
    guardianApi: false,
    signingKeys: noSigningKeys,
  },
} as const satisfies Record<RelayFunctionKey, FunctionPlan>;

export interface Relay {
  readonly queue: sst.aws.Queue;
  readonly deadLetterQueue: sst.aws.Queue;
  readonly scheduleDeadLetterQueue: sst.aws.Queue;
  readonly functions: Record<RelayFunctionKey, sst.aws.Function>;
}

export function createRelay(input: { topology: StageTopology; storage: Storage; signers: Signers }): Relay {
  const { topology, storage, signers } = input;
  const deadLetterRetention = { queue: { messageRetentionSeconds: deadLetterRetentionSeconds } };

  const deadLetterQueue = new sst.aws.Queue("RelayDeadLetterQueue", { transform: deadLetterRetention });
  const queue = new sst.aws.Queue("RelayQueue", {
    visibilityTimeout: `${relayQueueVisibilitySeconds} seconds`,
    dlq: { queue: deadLetterQueue.arn, retry: relayMaxReceiveCount },
  });
  const scheduleDeadLetterQueue = new sst.aws.Queue("ScheduleDeadLetterQueue", { transform: deadLetterRetention });

  const createFunction = (plan: FunctionPlan): sst.aws.Function =>
    createSlabridgeFunction(
      { topology, storage, signers },
      { ...plan, service: "slabridge-relay", signingKeys: plan.signingKeys(signers), links: [queue] },
    );

  const functions: Record<RelayFunctionKey, sst.aws.Function> = {
    watchEvm: createFunction(functionPlans.watchEvm),
    watchSolana: createFunction(functionPlans.watchSolana),
    relay: createFunction(functionPlans.relay),
    retry: createFunction(functionPlans.retry),
  };

  // Subscribing by ARN keeps the worker one declared function (its own links and permissions); the link to the
  // queue above grants it the SQS receive/delete/visibility actions the event source mapping needs.
  queue.subscribe(functions.relay.arn, { batch: { size: relayBatchSize, partialResponses: true } });

  const schedule = (name: string, target: sst.aws.Function, rate: sst.aws.CronV2Args["schedule"]) =>
    scheduleFunction(name, target, rate, scheduleDeadLetterQueue);
  schedule("WatchEvmSchedule", functions.watchEvm, "rate(1 minute)");
  schedule("WatchSolanaSchedule", functions.watchSolana, "rate(1 minute)");
  schedule("RetrySchedule", functions.retry, "rate(5 minutes)");

  return { queue, deadLetterQueue, scheduleDeadLetterQueue, functions };
}
