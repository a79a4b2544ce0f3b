import type { ChainConfig } from "@slabridge/core";
import { type ConsumedQueueKey, type QueueKey, relayTimeoutSeconds } from "./queues.ts";
import type { TableKey } from "./tables.ts";

/** A chain family whose RPC URL secrets a function may read (the stage config's `chains[].family`). */
export type ChainFamily = ChainConfig["family"];

/**
 * The stage periods schedules are multiples of: the watch period (the stage config's `watch.pollIntervalSeconds`)
 * and the probe period (`probing.periodSeconds`).
 */
export type StagePeriod = "watch" | "probe";

/**
 * What runs a function:
 * - `schedule`: every `every` × the stage's `period` (1 minute each in AWS, seconds on the devnet), with
 *   `scheduleRetries` retries and the schedule dead-letter queue; `name` is the schedule's component name;
 * - `queue`: the consumer of a queue (batch size and partial responses are the queue's `consumer`);
 * - `invoke`: invoked asynchronously by another function (the coordinator fans out to the probers);
 * - `url`: an HTTP function URL (the status API, the gateway).
 */
export type FunctionTrigger =
  | { readonly kind: "schedule"; readonly name: string; readonly every: number; readonly period: StagePeriod }
  | { readonly kind: "queue"; readonly queue: ConsumedQueueKey }
  | { readonly kind: "invoke"; readonly by: FunctionKey }
  | { readonly kind: "url" };

/**
 * A role whose signing keys a function may use (`kms:Sign`/`kms:GetPublicKey` on those keys only): the relayer
 * (every EVM transaction, and the LayerZero executor), slabridge's LayerZero DVN, a prober's own key (`ownProber`: the
 * vantage point's key, which signs its samples and co-signs reports; no function holds another prober's key), a
 * prober's own x402 payer key (`ownProberPayer`: it pays for its probes of gateway-sold models, as a buyer would),
 * each EVM chain's netting vault, the operators of the Solana vault's multisig, and the x402 facilitator key (the
 * gateway submits buyers' deposits with it and signs cooperative refunds, the SLA receivers' authorizer).
 */
export type SigningKeyRole =
  | "relayer"
  | "dvn"
  | "ownProber"
  | "ownProberPayer"
  | "nettingVaults"
  | "solanaOperators"
  | "x402Facilitator";

/** Everything a function can reach; nothing else is linked to it (least privilege). */
export interface FunctionLinks {
  /** Tables linked with full access (read and conditional writes). */
  readonly tables: readonly TableKey[];
  /** Tables named by a read-only linkable (`<Table>ReadOnly`, `{ name }`) with GetItem/Query only. */
  readonly readOnlyTables: readonly TableKey[];
  /** RPC URL secrets of every chain of these families. */
  readonly rpcFamilies: readonly ChainFamily[];
  /** The Wormhole guardian API URL secret. */
  readonly guardianApi: boolean;
  /** The gateway's usage receipt key (the `GatewayReceiptKey` secret). */
  readonly gatewayReceiptKey: boolean;
  readonly signingKeys: readonly SigningKeyRole[];
  /** Queues it sends to (linked: its URL and the SQS send/receive actions). */
  readonly queues: readonly QueueKey[];
  /** The region, name and ARN of every prober (`ProberFunctions`), with `lambda:InvokeFunction` on them. */
  readonly proberFunctions: boolean;
  /**
   * The evidence bucket (home region) where reports' sample-set bundles are published: `write` links the bucket
   * (`Evidence`), `read` a read-only linkable (`EvidenceReadOnly`, `{ name }`) with `s3:GetObject` on its objects only.
   */
  readonly evidence: "none" | "read" | "write";
}

/** One deployed function. */
export interface FunctionDescription {
  /** Component name in AWS (PascalCase), e.g. `WatchEvm`; probers add their region (`ProberUsEast1`). */
  readonly name: string;
  /** `functions/src/<file>.handler`. */
  readonly handler: string;
  readonly description: string;
  /** Powertools service name (logs and metrics dimension). */
  readonly service: string;
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  readonly trigger: FunctionTrigger;
  readonly links: FunctionLinks;
  /** `home`: the app's region; `eachProberRegion`: one copy per prober region of the stage (its vantage point). */
  readonly placement: "home" | "eachProberRegion";
}

export type FunctionKey =
  | "watchEvm"
  | "watchSolana"
  | "relay"
  | "retry"
  | "prober"
  | "probeCoordinator"
  | "evaluate"
  | "refund"
  | "settle"
  | "net"
  | "status"
  | "gateway";

/** worldFromEnv builds the whole relay world: every store and every chain's RPC URL, and the relay queue's URL. */
const relayWorldLinks = {
  tables: ["jobs", "cursors", "payments", "nonces"],
  // The relay claims each SLA receiver's epoch from the gateway's voucher checkpoints; it never writes them.
  readOnlyTables: ["voucherCheckpoints"],
  rpcFamilies: ["evm", "solana"],
  guardianApi: false,
  gatewayReceiptKey: false,
  signingKeys: [],
  queues: ["relay"],
  proberFunctions: false,
  evidence: "none",
} as const satisfies FunctionLinks;

/** Reaches nothing: the records below add what each function needs. */
const noLinks = {
  tables: [],
  readOnlyTables: [],
  rpcFamilies: [],
  guardianApi: false,
  gatewayReceiptKey: false,
  signingKeys: [],
  queues: [],
  proberFunctions: false,
  evidence: "none",
} as const satisfies FunctionLinks;

/**
 * Every function slabridge deploys: its handler, trigger and period, limits, and links. The SST stacks create each
 * from its record (`stacks/`), the local bot registers each in its runtime by iterating this record, and a test
 * builds each function's world from exactly the links given here, so the three cannot drift apart.
 *
 * @example
 * for (const [key, fn] of Object.entries(deployedFunctions)) console.log(key, fn.name, fn.trigger.kind);
 * deployedFunctions.retry.trigger; // { kind: "schedule", name: "RetrySchedule", every: 5, period: "watch" }
 */
export const deployedFunctions = {
  watchEvm: {
    name: "WatchEvm",
    handler: "functions/src/watchEvm.handler",
    description: "Reads slabridge events past confirmations on each EVM chain; records payments and enqueues jobs",
    service: "slabridge-relay",
    // Finishes before the next period's run starts.
    timeoutSeconds: 50,
    memoryMb: 512,
    trigger: { kind: "schedule", name: "WatchEvmSchedule", every: 1, period: "watch" },
    links: relayWorldLinks,
    placement: "home",
  },
  watchSolana: {
    name: "WatchSolana",
    handler: "functions/src/watchSolana.handler",
    description: "Reads finalized payments to the Solana vault; records payments and enqueues jobs",
    service: "slabridge-relay",
    timeoutSeconds: 50,
    memoryMb: 512,
    trigger: { kind: "schedule", name: "WatchSolanaSchedule", every: 1, period: "watch" },
    links: relayWorldLinks,
    placement: "home",
  },
  relay: {
    name: "Relay",
    handler: "functions/src/relay.handler",
    description: "Carries queued jobs across chains over LayerZero and Wormhole, signing with KMS",
    service: "slabridge-relay",
    timeoutSeconds: relayTimeoutSeconds,
    memoryMb: 1024,
    trigger: { kind: "queue", queue: "relay" },
    links: {
      ...relayWorldLinks,
      // worldFromEnv's stores, plus the Powertools idempotency records.
      tables: [...relayWorldLinks.tables, "idempotency"],
      guardianApi: true,
      // Sends EVM transactions (relayer = LayerZero executor), verifies LayerZero packets (DVN), and signs the Solana
      // vault multisig's refunds and Solana messages (operators). Prober keys belong to the evaluator alone.
      signingKeys: ["relayer", "dvn", "solanaOperators"],
    },
    placement: "home",
  },
  retry: {
    name: "Retry",
    handler: "functions/src/retry.handler",
    description: "Re-enqueues jobs whose retry backoff has passed",
    service: "slabridge-relay",
    timeoutSeconds: 60,
    memoryMb: 256,
    trigger: { kind: "schedule", name: "RetrySchedule", every: 5, period: "watch" },
    links: relayWorldLinks,
    placement: "home",
  },
  prober: {
    name: "Prober",
    handler: "functions/src/probe.handler",
    description: "SLA prober: canary requests to each host, samples to the Samples table",
    service: "slabridge-probe",
    // A round must end before the next period's round starts.
    timeoutSeconds: 50,
    memoryMb: 256,
    trigger: { kind: "invoke", by: "probeCoordinator" },
    // Writes its signed samples to the home region's table (SLABRIDGE_TABLES_REGION); reads the home chain's clock,
    // terms and report digest, and the published bundle (evidence bucket), to recompute a report before co-signing it.
    links: {
      ...noLinks,
      tables: ["samples"],
      rpcFamilies: ["evm"],
      signingKeys: ["ownProber", "ownProberPayer"],
      evidence: "read",
    },
    placement: "eachProberRegion",
  },
  probeCoordinator: {
    name: "ProbeCoordinator",
    handler: "functions/src/probeCoordinator.handler",
    description: "Every probe period: reads listed hosts and SLA terms, fans a probe round out to every prober",
    service: "slabridge-probe",
    timeoutSeconds: 55,
    memoryMb: 256,
    trigger: { kind: "schedule", name: "ProbeRoundSchedule", every: 1, period: "probe" },
    // Its world (measureWorldFromEnv) is the evaluator's: the Samples and Nonces stores, the usage receipts read only,
    // and the evidence bucket the evaluator publishes to (one world, one set of links).
    links: {
      ...noLinks,
      tables: ["samples", "nonces"],
      readOnlyTables: ["usageReceipts"],
      rpcFamilies: ["evm"],
      proberFunctions: true,
      evidence: "write",
    },
    placement: "home",
  },
  evaluate: {
    name: "Evaluate",
    handler: "functions/src/evaluate.handler",
    description: "Evaluates ended epochs from the signed samples, has the probers co-sign the report, submits it",
    service: "slabridge-probe",
    timeoutSeconds: 120,
    memoryMb: 1024,
    // Often enough to submit a verdict a few periods after an epoch (an hour in production) ends, and to publish a
    // breach's verdict soon after the last chain's receipts are home. Two runs may overlap (a pass outlasts its period
    // on a busy devnet; EventBridge delivers at least once): each step is idempotent on chain.
    trigger: { kind: "schedule", name: "EvaluateSchedule", every: 2, period: "watch" },
    // Its world (measureWorldFromEnv) is the coordinator's: the Samples and Nonces stores, the gateway's usage
    // receipts (read only: paid traffic's evidence), and the probers it asks to co-sign. It holds no prober key: M-of-N
    // means M vantage points each signed. It publishes each report's bundle to the evidence bucket. It submits the
    // report and publishes the verdict from the relayer (executor) key, the home chain's one sender (Nonces).
    links: {
      ...noLinks,
      tables: ["samples", "nonces"],
      readOnlyTables: ["usageReceipts"],
      rpcFamilies: ["evm"],
      signingKeys: ["relayer"],
      proberFunctions: true,
      evidence: "write",
    },
    placement: "home",
  },
  refund: {
    name: "Refund",
    handler: "functions/src/refund.handler",
    description: "Finds verdicts with refunds due on each payment chain and queues their refund jobs",
    service: "slabridge-settlement",
    timeoutSeconds: 60,
    memoryMb: 512,
    // Verdicts arrive a few periods after an epoch ends; the watchers create the jobs first, this is the safety net.
    trigger: { kind: "schedule", name: "RefundSchedule", every: 5, period: "watch" },
    // Nonces only because the relay world they share with the watchers opens every store; they send nothing.
    links: relayWorldLinks,
    placement: "home",
  },
  settle: {
    name: "Settle",
    handler: "functions/src/settle.handler",
    description: "Finds refunded epochs and queues their release and payout jobs",
    service: "slabridge-settlement",
    timeoutSeconds: 60,
    memoryMb: 512,
    trigger: { kind: "schedule", name: "SettleSchedule", every: 5, period: "watch" },
    links: relayWorldLinks,
    placement: "home",
  },
  net: {
    name: "Net",
    handler: "functions/src/net.handler",
    description: "Nets fully paid-out epochs between the chains' netting vaults and pays their payees",
    service: "slabridge-net",
    // A round sends several transactions and waits for each (transfer, OFT delivery, payee payments).
    timeoutSeconds: 300,
    memoryMb: 512,
    // Payouts land a few periods after the release.
    trigger: { kind: "schedule", name: "NetSchedule", every: 5, period: "watch" },
    // The relay world it is built on needs the queue's URL (netting queues no job); it sends as the netting
    // vaults and delivers the OFT packets itself (DVN and executor).
    links: { ...relayWorldLinks, signingKeys: ["nettingVaults", "dvn", "relayer"] },
    placement: "home",
  },
  status: {
    name: "Status",
    handler: "functions/src/status.handler",
    description: "Status API: models, epochs with verdict evidence, refunds and payouts, jobs in flight",
    service: "slabridge-status",
    timeoutSeconds: 30,
    memoryMb: 512,
    trigger: { kind: "url" },
    // Reads chains, three tables and the published evidence, and can change nothing (a table link would grant writes
    // too); the cursors table holds the kill switch's pauses, which `/controls` shows.
    links: {
      ...noLinks,
      readOnlyTables: ["jobs", "payments", "cursors"],
      rpcFamilies: ["evm", "solana"],
      evidence: "read",
    },
    placement: "home",
  },
  gateway: {
    name: "Gateway",
    handler: "functions/src/gateway.handler",
    description: "x402 gateway: models sold per call over batch-settlement channels, and the facilitator endpoints",
    service: "slabridge-gateway",
    // A host call may take its 30 s timeout, then the charge and checkpoint writes.
    timeoutSeconds: 60,
    memoryMb: 1024,
    trigger: { kind: "url" },
    // Channel state, voucher checkpoints, usage receipts and rate-limit buckets (written on every paid call), the
    // facilitator key's nonces, the operators' model pauses (read only), every EVM chain's RPC URL (its facilitator
    // settles deposits there), and the key that signs usage receipts.
    links: {
      ...noLinks,
      // Nonces: the facilitator key's, so concurrent instances send deposits at distinct nonces.
      tables: ["channels", "voucherCheckpoints", "usageReceipts", "rateLimits", "nonces"],
      readOnlyTables: ["cursors"],
      rpcFamilies: ["evm"],
      gatewayReceiptKey: true,
      signingKeys: ["x402Facilitator"],
    },
    placement: "home",
  },
} as const satisfies Record<FunctionKey, FunctionDescription>;

const isFunctionKey = (key: string): key is FunctionKey => Object.hasOwn(deployedFunctions, key);

/**
 * Every deployed function with its key, in declaration order (typed, unlike `Object.entries`).
 *
 * @example
 * const scheduled = describedFunctions().filter(([, fn]) => fn.trigger.kind === "schedule");
 */
export function describedFunctions(): ReadonlyArray<readonly [FunctionKey, FunctionDescription]> {
  return Object.keys(deployedFunctions)
    .filter(isFunctionKey)
    .map((key) => [key, deployedFunctions[key]] as const);
}
