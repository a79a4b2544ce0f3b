import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDeploymentManifest } from "@slabridge/core";
import { dashboardDistDir } from "@slabridge/dashboard";
import { deployedFunctions, tables } from "@slabridge/topology";
import { describe, expect, it } from "vitest";
import { NotScheduledError, scheduleFunction } from "./scheduleFunction.ts";
import { createSigners, readStageManifest, StageKeysError } from "./signers.ts";
import { createSlabridgeFunction, UnlinkableResourceError } from "./slabridgeFunction.ts";
import { stageTopology } from "./stages.ts";
import { createStorage } from "./storage.ts";
import { recordDeployment } from "./testing/recordDeployment.ts";
import { installRecordingSst, type RecordedConstruct, type SstRecording } from "./testing/recordingSst.ts";
import { stageManifestFixture } from "./testing/stageManifest.ts";

// Loads sst.config.ts against the recording stand-in for SST's globals and checks the wiring the stacks declare.

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

async function appConfig(stage: string) {
  const sst = installRecordingSst({ name: "slabridge", stage });
  try {
    return (await import("../sst.config.ts")).default.app({ stage });
  } finally {
    sst.uninstall();
  }
}

/** Seconds in an SST duration string ("50 seconds", "1 minute", "12 minutes", "1 hour"). */
function seconds(duration: unknown): number {
  const match = /^(\d+(?:\.\d+)?) (second|minute|hour|day)s?$/.exec(String(duration));
  if (!match?.[1] || !match[2]) throw new Error(`not an SST duration: ${String(duration)}`);
  const unit = { second: 1, minute: 60, hour: 3_600, day: 86_400 }[match[2] as "second" | "minute" | "hour" | "day"];
  return Number(match[1]) * unit;
}

interface PermissionStatement {
  readonly actions: readonly string[];
  readonly resources: readonly unknown[];
}

function permissionsOf(fn: RecordedConstruct): PermissionStatement[] {
  return (fn.args.permissions as PermissionStatement[] | undefined) ?? [];
}

/** Statements that grant every action of a service (or all of AWS), or act on every resource. */
function wildcardGrants(statements: readonly PermissionStatement[]): string[] {
  const found: string[] = [];
  for (const statement of statements) {
    for (const action of statement.actions) if (action === "*" || action.endsWith(":*")) found.push(`action ${action}`);
    for (const resource of statement.resources) {
      // One bucket's objects (`arn:aws:s3:::<bucket>/*`): S3 grants objects by key pattern only, and evidence keys are
      // content hashes not known in advance, so this is the narrowest grant there is.
      if (/^arn:aws:s3:::[a-z0-9.-]+\/\*$/.test(String(resource))) continue;
      if (String(resource).includes("*")) found.push(`resource ${resource}`);
    }
  }
  return found;
}

/** The recorded construct of every element of a function's `link`. */
function linked(recording: SstRecording, fn: RecordedConstruct): RecordedConstruct[] {
  const links = (fn.args.link as unknown[] | undefined) ?? [];
  return links.map((instance) => {
    const construct = recording.byInstance(instance);
    if (!construct) throw new Error(`${fn.name} links something no stack declared`);
    return construct;
  });
}

const linkedNames = (recording: SstRecording, fn: RecordedConstruct, type: string) =>
  linked(recording, fn)
    .filter((construct) => construct.type === type)
    .map((construct) => construct.name)
    .sort();

const functionByArn = (recording: SstRecording, arn: unknown) =>
  recording.ofType("sst.aws.Function").find((fn) => fn.instance.arn === arn);

const rpcUrlSecrets = ["RpcUrlEvmA", "RpcUrlEvmB", "RpcUrlSolana"];
// Signing roles, by where the stage's manifest names their KMS keys (the Solana chain is its third).
const relayerKey = "keys.layerZeroExecutor";
const dvnKey = "keys.layerZeroDvn";
const solanaOperatorKeys = ["chains.2.operators.0", "chains.2.operators.1", "chains.2.operators.2"];
const proberKeys = ["keys.probers.0", "keys.probers.1", "keys.probers.2"];
const proberPayerKeys = ["keys.proberPayers.0", "keys.proberPayers.1", "keys.proberPayers.2"];
const facilitatorKey = "keys.x402Facilitator";
const nettingVaultKeys = ["keys.nettingVaults.0.key", "keys.nettingVaults.1.key"];
const proberRegionsOf = (stage: string) =>
  stage === "production" ? ["us-east-1", "eu-west-1", "ap-southeast-1"] : ["us-east-1", "eu-west-1"];
const proberName = (region: string) =>
  `Prober${region
    .split("-")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("")}`;

interface Access {
  readonly handler: string;
  readonly service: string;
  readonly tables: string[];
  readonly secrets: string[];
  /** The manifest's KMS keys it may sign with (`kms:Sign`/`kms:GetPublicKey` on their ARNs), by role. */
  readonly signingKeys: string[];
  readonly queues: string[];
  /** Other linkables (read-only table and bucket names, the prober list). */
  readonly linkables: string[];
  /** Buckets linked with write access (none when absent). */
  readonly buckets?: string[];
}

/** What each function may reach: tables, secrets, signing keys, queues and linkables, exactly (least privilege). */
function expectedAccess(stage: string): Record<string, Access> {
  const none = { tables: [], secrets: [], signingKeys: [], queues: [], linkables: [] };
  // The relay world claims SLA receivers' epochs from the gateway's voucher checkpoints: read only.
  const claims = ["VoucherCheckpointsReadOnly"];
  const relay = { service: "slabridge-relay", queues: ["RelayQueue"], linkables: claims };
  const probe = { service: "slabridge-probe", queues: [], linkables: [] };
  const settlement = {
    ...none,
    service: "slabridge-settlement",
    tables: ["Cursors", "Jobs", "Nonces", "Payments"],
    secrets: rpcUrlSecrets,
    queues: ["RelayQueue"],
    linkables: claims,
  };
  // Each prober holds its own vantage point's key and no other; the evaluator holds none (M-of-N is M probers).
  const probers = Object.fromEntries(
    proberRegionsOf(stage).map((region, vantage) => [
      proberName(region),
      {
        ...none,
        ...probe,
        handler: "functions/src/probe.handler",
        tables: ["Samples"],
        secrets: ["RpcUrlEvmA", "RpcUrlEvmB"],
        // Its own signing key, and its own x402 payer key (it pays for its probes of gateway-sold models).
        signingKeys: [proberKeys[vantage] ?? "no key", proberPayerKeys[vantage] ?? "no key"],
        // The evaluator's published bundle, read before co-signing a report.
        linkables: ["EvidenceReadOnly"],
      },
    ]),
  );
  return {
    WatchEvm: {
      ...relay,
      handler: "functions/src/watchEvm.handler",
      tables: ["Cursors", "Jobs", "Nonces", "Payments"],
      secrets: rpcUrlSecrets,
      signingKeys: [],
    },
    WatchSolana: {
      ...relay,
      handler: "functions/src/watchSolana.handler",
      tables: ["Cursors", "Jobs", "Nonces", "Payments"],
      secrets: rpcUrlSecrets,
      signingKeys: [],
    },
    Relay: {
      ...relay,
      handler: "functions/src/relay.handler",
      tables: ["Cursors", "Idempotency", "Jobs", "Nonces", "Payments"],
      secrets: ["GuardianApiUrl", ...rpcUrlSecrets],
      signingKeys: [dvnKey, relayerKey, ...solanaOperatorKeys],
    },
    Retry: {
      ...relay,
      handler: "functions/src/retry.handler",
      tables: ["Cursors", "Jobs", "Nonces", "Payments"],
      secrets: rpcUrlSecrets,
      signingKeys: [],
    },
    ...probers,
    ProbeCoordinator: {
      ...none,
      ...probe,
      handler: "functions/src/probeCoordinator.handler",
      tables: ["Nonces", "Samples"],
      secrets: ["RpcUrlEvmA", "RpcUrlEvmB"],
      // The gateway's usage receipts, paid traffic's SLA evidence: read only.
      linkables: ["ProberFunctions", "UsageReceiptsReadOnly"],
      // The evaluator's world, which publishes each report's bundle.
      buckets: ["Evidence"],
    },
    Evaluate: {
      ...none,
      ...probe,
      handler: "functions/src/evaluate.handler",
      tables: ["Nonces", "Samples"],
      secrets: ["RpcUrlEvmA", "RpcUrlEvmB"],
      // It submits reports and publishes verdicts from the relayer (executor) key.
      signingKeys: [relayerKey],
      // The gateway's usage receipts, paid traffic's SLA evidence: read only.
      linkables: ["ProberFunctions", "UsageReceiptsReadOnly"],
      // The evaluator's world, which publishes each report's bundle.
      buckets: ["Evidence"],
    },
    Refund: { ...settlement, handler: "functions/src/refund.handler" },
    Settle: { ...settlement, handler: "functions/src/settle.handler" },
    Net: {
      ...settlement,
      handler: "functions/src/net.handler",
      service: "slabridge-net",
      signingKeys: [dvnKey, relayerKey, ...nettingVaultKeys],
    },
    Status: {
      ...none,
      handler: "functions/src/status.handler",
      service: "slabridge-status",
      secrets: rpcUrlSecrets,
      linkables: ["JobsReadOnly", "PaymentsReadOnly", "CursorsReadOnly", "EvidenceReadOnly"],
    },
    Gateway: {
      ...none,
      handler: "functions/src/gateway.handler",
      service: "slabridge-gateway",
      // Nonces: the facilitator key's, shared by every instance.
      tables: ["Channels", "Nonces", "RateLimits", "UsageReceipts", "VoucherCheckpoints"],
      secrets: ["GatewayReceiptKey", "RpcUrlEvmA", "RpcUrlEvmB"],
      // The kill switch's model pauses, read only.
      linkables: ["CursorsReadOnly"],
      // It submits buyers' deposits and signs their cooperative refunds as the x402 facilitator.
      signingKeys: [facilitatorKey],
    },
  };
}

const expectedSchedules: Record<string, { target: string; schedule: string }> = {
  WatchEvmSchedule: { target: "WatchEvm", schedule: "rate(1 minute)" },
  WatchSolanaSchedule: { target: "WatchSolana", schedule: "rate(1 minute)" },
  RetrySchedule: { target: "Retry", schedule: "rate(5 minutes)" },
  ProbeRoundSchedule: { target: "ProbeCoordinator", schedule: "rate(1 minute)" },
  EvaluateSchedule: { target: "Evaluate", schedule: "rate(2 minutes)" },
  RefundSchedule: { target: "Refund", schedule: "rate(5 minutes)" },
  SettleSchedule: { target: "Settle", schedule: "rate(5 minutes)" },
  NetSchedule: { target: "Net", schedule: "rate(5 minutes)" },
};

/**
 * Handlers other parts of slabridge are still writing (the measuring and settling work): the wiring names them
 * already; once a file exists it must export `handler` like every other.
 */
const handlersInProgress = new Set<string>();

describe("sst.config.ts app()", () => {
  it("deploys to AWS and removes everything of a development stage", async () => {
    expect(await appConfig("dev")).toEqual({ name: "slabridge", home: "aws", removal: "remove", protect: false });
  });

  it("retains and protects the production stage", async () => {
    expect(await appConfig("production")).toEqual({
      name: "slabridge",
      home: "aws",
      removal: "retain",
      protect: true,
    });
  });
});

describe("the recording stand-in", () => {
  it("rejects a component name declared twice, as SST does", () => {
    const standIn = installRecordingSst({ name: "slabridge", stage: "dev" });
    try {
      new globalThis.sst.aws.Queue("Twice");
      expect(() => new globalThis.sst.aws.Queue("Twice")).toThrow(/declared twice/);
    } finally {
      standIn.uninstall();
    }
  });

  it("flags wildcard actions and resources", () => {
    expect(wildcardGrants([{ actions: ["kms:Sign"], resources: ["arn:aws:kms:us-east-1:1:key/k"] }])).toEqual([]);
    expect(wildcardGrants([{ actions: ["kms:*"], resources: ["arn:aws:kms:us-east-1:1:key/k"] }])).toEqual([
      "action kms:*",
    ]);
    expect(wildcardGrants([{ actions: ["kms:Sign"], resources: ["*"] }])).toEqual(["resource *"]);
  });
});

describe("declaring a function from its record", () => {
  it("refuses a record whose links its stack did not provide, and a schedule for a function with another trigger", () => {
    const standIn = installRecordingSst({ name: "slabridge", stage: "dev" });
    try {
      const topology = stageTopology("dev");
      const manifest = parseDeploymentManifest(stageManifestFixture("dev").manifest);
      const context = { topology, storage: createStorage(), signers: createSigners(topology, manifest) };
      expect(() => createSlabridgeFunction(context, deployedFunctions.relay)).toThrow(UnlinkableResourceError);
      const queue = new globalThis.sst.aws.Queue("SomeQueue");
      const relay = createSlabridgeFunction({ ...context, queues: { relay: queue } }, deployedFunctions.relay);
      expect(() => scheduleFunction(topology, deployedFunctions.relay, relay, queue)).toThrow(NotScheduledError);
    } finally {
      standIn.uninstall();
    }
  });
});

describe("the signing keys sst deploy grants, from the stage's manifest", () => {
  /** The dev stage's fixture with one change, as `npm run deploy` never writes it. */
  const manifestWith = (change: (manifest: ReturnType<typeof stageManifestFixture>["manifest"]) => void) => {
    const { manifest } = stageManifestFixture("dev");
    change(manifest);
    return manifest;
  };
  const dvnAs = (keyId: string) =>
    manifestWith((manifest) => {
      manifest.keys.layerZeroDvn = { ...(manifest.keys.layerZeroDvn as object), keyId };
    });

  it("are the manifest's: another manifest, other grants", async () => {
    const first = await recordDeployment("dev");
    const other = manifestWith((manifest) => {
      manifest.keys.layerZeroDvn = {
        ...(manifest.keys.layerZeroDvn as object),
        keyId: "arn:aws:kms:us-east-1:444455556666:key/mrk-0123456789abcdef0123456789abcdef",
      };
    });
    const second = await recordDeployment("dev", { manifest: other });
    const kmsResources = (recording: SstRecording) =>
      permissionsOf(recording.named("sst.aws.Function", "Relay"))
        .filter((statement) => statement.actions.includes("kms:Sign"))
        .flatMap((statement) => statement.resources);
    expect(kmsResources(first.recording)).toContain(first.kmsArns["keys.layerZeroDvn"]);
    expect(kmsResources(second.recording)).toContain(
      "arn:aws:kms:us-east-1:444455556666:key/mrk-0123456789abcdef0123456789abcdef",
    );
    expect(kmsResources(second.recording)).not.toContain(first.kmsArns["keys.layerZeroDvn"]);
  });

  it.each([
    ["an alias", "alias/slabridge-dev-dvn"],
    ["an alias ARN", "arn:aws:kms:us-east-1:111122223333:alias/slabridge-dev-dvn"],
    ["a bare key id", "1234abcd-12ab-34cd-56ef-1234567890ab"],
  ])("refuse a key named by %s: IAM grants keys by ARN", async (_, keyId) => {
    const refused = recordDeployment("dev", { manifest: dvnAs(keyId) });
    await expect(refused).rejects.toThrow(StageKeysError);
    await expect(recordDeployment("dev", { manifest: dvnAs(keyId) })).rejects.toThrow(
      `config/dev.manifest.json: keys.layerZeroDvn: ${keyId} is not a KMS key ARN`,
    );
  });

  it("refuse a key outside the home region, where every function's KMS client is (KMS keys are regional)", async () => {
    const otherRegion = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-4000-8000-0000000000ff";
    const vaultElsewhere = manifestWith((manifest) => {
      const vault = manifest.keys.nettingVaults[0] as { key: object };
      vault.key = { ...vault.key, keyId: otherRegion };
    });
    await expect(recordDeployment("dev", { manifest: vaultElsewhere })).rejects.toThrow(
      `keys.nettingVaults.0.key: ${otherRegion} is a key of eu-west-1; the functions sign through KMS in the home region, us-east-1`,
    );
    // The prober of eu-west-1 too: it signs through the home region's KMS.
    const proberElsewhere = manifestWith((manifest) => {
      manifest.keys.probers[1] = { ...(manifest.keys.probers[1] as object), keyId: otherRegion };
    });
    await expect(recordDeployment("dev", { manifest: proberElsewhere })).rejects.toThrow(
      `keys.probers.1: ${otherRegion} is a key of eu-west-1`,
    );
  });

  it("refuse a key that is not in KMS, a Solana operator's too", async () => {
    const anvilProber = manifestWith((manifest) => {
      manifest.keys.probers[1] = { kind: "anvil-dev-account", index: 3, address: `0x${"11".repeat(20)}` };
    });
    await expect(recordDeployment("dev", { manifest: anvilProber })).rejects.toThrow(
      "keys.probers.1: not a KMS key (anvil-dev-account)",
    );
    const fileOperator = manifestWith((manifest) => {
      const solana = manifest.chains[2] as { operators: unknown[] };
      solana.operators[0] = { kind: "devnet-key-file", path: "/tmp/operator.json", publicKey: "x" };
    });
    await expect(recordDeployment("dev", { manifest: fileOperator })).rejects.toThrow(
      "chains.2.operators.0: not a KMS key (devnet-key-file)",
    );
  });

  it("refuse a manifest that lacks a role the stage needs", async () => {
    const noVaultKey = manifestWith((manifest) => {
      delete manifest.keys.nettingVaults[1]?.key;
    });
    await expect(recordDeployment("dev", { manifest: noVaultKey })).rejects.toThrow(
      "keys.nettingVaults.1.key: missing",
    );
    // Two prober regions on dev: each needs a key of its own.
    const oneProber = manifestWith((manifest) => {
      manifest.keys.probers.splice(1);
      manifest.keys.proberThreshold = 1;
    });
    await expect(recordDeployment("dev", { manifest: oneProber })).rejects.toThrow(
      "keys.probers: 1 keys for the stage's 2 prober regions",
    );
    const noSolana = manifestWith((manifest) => {
      manifest.chains.splice(2);
    });
    await expect(recordDeployment("dev", { manifest: noSolana })).rejects.toThrow(
      "chains: no solana chain named solana",
    );
  });

  it("grant the gateway and the probers no pay-per-call key when the manifest names none, and each its own when it does", async () => {
    const kmsResources = (recording: SstRecording, name: string) =>
      permissionsOf(recording.named("sst.aws.Function", name))
        .filter((statement) => statement.actions.includes("kms:Sign"))
        .flatMap((statement) => statement.resources);
    const withKeys = await recordDeployment("dev");
    expect(kmsResources(withKeys.recording, "Gateway")).toEqual([withKeys.kmsArns["keys.x402Facilitator"]]);
    expect(kmsResources(withKeys.recording, "ProberEuWest1")).toContain(withKeys.kmsArns["keys.proberPayers.1"]);
    expect(kmsResources(withKeys.recording, "ProberEuWest1")).not.toContain(withKeys.kmsArns["keys.proberPayers.0"]);

    const withoutKeys = manifestWith((manifest) => {
      delete manifest.keys.x402Facilitator;
      delete manifest.keys.proberPayers;
    });
    const without = await recordDeployment("dev", { manifest: withoutKeys });
    expect(kmsResources(without.recording, "Gateway")).toEqual([]);
    expect(kmsResources(without.recording, "ProberEuWest1")).toEqual([without.kmsArns["keys.probers.1"]]);
  });

  it("refuse to deploy without the manifest, naming the command that writes it", () => {
    const empty = mkdtempSync(join(tmpdir(), "slabridge-no-manifest-"));
    try {
      expect(() => readStageManifest(stageTopology("testnet"), empty)).toThrow(
        "config/testnet.manifest.json: no manifest: sst deploy grants the keys it names; write it first with npm run deploy -- --stage testnet",
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("refuse a file that is not a deployment manifest", async () => {
    await expect(recordDeployment("dev", { manifest: { version: 2 } })).rejects.toThrow(
      "config/dev.manifest.json: not a valid deployment manifest",
    );
  });
});

describe.each(["dev", "testnet", "production"])("stacks of stage %s", (stage) => {
  const load = () => recordDeployment(stage);

  it("declare every table of tables.ts, each with only its key attributes as fields", async () => {
    const { recording } = await load();
    const dynamos = recording.ofType("sst.aws.Dynamo");
    expect(dynamos.map((table) => table.name).sort()).toEqual(
      Object.values(tables)
        .map((t) => t.name)
        .sort(),
    );
    for (const table of dynamos) {
      const primary = table.args.primaryIndex as { hashKey: string; rangeKey?: string };
      const indexes = Object.values((table.args.globalIndexes ?? {}) as Record<string, typeof primary>);
      const keys = new Set([primary, ...indexes].flatMap((index) => [index.hashKey, index.rangeKey]));
      keys.delete(undefined);
      expect(Object.keys(table.args.fields as object).sort(), table.name).toEqual([...keys].sort());
    }
    expect(recording.named("sst.aws.Dynamo", "Idempotency").args).toEqual({
      fields: { id: "string" },
      primaryIndex: { hashKey: "id" },
      ttl: "expiration",
    });
    // Idle rate-limit buckets expire (an expired bucket is a full one).
    expect(recording.named("sst.aws.Dynamo", "RateLimits").args).toEqual({
      fields: { bucketKey: "string" },
      primaryIndex: { hashKey: "bucketKey" },
      ttl: "expiresAt",
    });
  });

  it("create no KMS key and link no signing key: the manifest's keys are granted, not declared", async () => {
    const { recording } = await load();
    expect(recording.ofType("aws.kms.Key")).toEqual([]);
    expect(recording.ofType("sst.Linkable").filter((linkable) => /SigningKey$/.test(linkable.name))).toEqual([]);
  });

  it("keep every RPC URL, the guardian API URL and the gateway's receipt key in Secrets with no value in code", async () => {
    const { recording } = await load();
    const secrets = recording.ofType("sst.Secret");
    expect(secrets.map((secret) => secret.name).sort()).toEqual(
      ["GatewayReceiptKey", "GuardianApiUrl", ...rpcUrlSecrets].sort(),
    );
    for (const secret of secrets) expect(secret.args, `${secret.name} has a placeholder value`).toEqual({});
  });

  it("give the relay queue a dead-letter queue after 5 receives and a visibility timeout >= 6x the relay timeout", async () => {
    const { recording } = await load();
    const queue = recording.named("sst.aws.Queue", "RelayQueue");
    const deadLetterQueue = recording.named("sst.aws.Queue", "RelayDeadLetterQueue");
    expect(queue.args.dlq).toEqual({ queue: deadLetterQueue.instance.arn, retry: 5 });
    const subscriber = recording.named("sst.aws.Function", "Relay");
    expect(seconds(queue.args.visibilityTimeout)).toBeGreaterThanOrEqual(6 * seconds(subscriber.args.timeout));
    for (const name of ["RelayDeadLetterQueue", "ScheduleDeadLetterQueue"]) {
      expect(recording.named("sst.aws.Queue", name).args.transform, name).toEqual({
        queue: { messageRetentionSeconds: 14 * 86_400 },
      });
    }
  });

  it("subscribe the Relay function to the queue with partial batch responses, 10 messages a batch", async () => {
    const { recording } = await load();
    expect(recording.subscriptions).toHaveLength(1);
    const [subscription] = recording.subscriptions;
    expect(subscription?.queue).toBe("RelayQueue");
    expect(functionByArn(recording, subscription?.subscriber)?.name).toBe("Relay");
    expect(subscription?.args).toEqual({ batch: { size: 10, partialResponses: true } });
  });

  it("schedule the watchers every minute and the retry sweep every 5 minutes, each with retries and a DLQ", async () => {
    const { recording } = await load();
    const schedules = recording.ofType("sst.aws.CronV2");
    expect(schedules.map((schedule) => schedule.name).sort()).toEqual(Object.keys(expectedSchedules).sort());
    const queueArns = recording.ofType("sst.aws.Queue").map((queue) => queue.instance.arn);
    for (const schedule of schedules) {
      const expected = expectedSchedules[schedule.name];
      expect(functionByArn(recording, schedule.args.function)?.name, schedule.name).toBe(expected?.target);
      expect(schedule.args.schedule, schedule.name).toBe(expected?.schedule);
      expect(schedule.args.retries, schedule.name).toBeGreaterThanOrEqual(1);
      expect(queueArns, `${schedule.name} DLQ`).toContain(schedule.args.dlq);
      expect(schedule.args.dlq).not.toBe(recording.named("sst.aws.Queue", "RelayQueue").instance.arn);
    }
  });

  it("give every function a trigger: a schedule, the queue subscription, an invoking function or a URL", async () => {
    const { recording } = await load();
    const invoked = recording
      .ofType("sst.aws.Function")
      .flatMap((fn) => permissionsOf(fn).filter((statement) => statement.actions.includes("lambda:InvokeFunction")))
      .flatMap((statement) => statement.resources.map((arn) => functionByArn(recording, arn)?.name));
    const withUrl = recording.ofType("sst.aws.Function").filter((fn) => fn.args.url !== undefined);
    const triggered = new Set([
      ...recording.ofType("sst.aws.CronV2").map((schedule) => functionByArn(recording, schedule.args.function)?.name),
      ...recording.subscriptions.map((subscription) => functionByArn(recording, subscription.subscriber)?.name),
      ...invoked,
      ...withUrl.map((fn) => fn.name),
    ]);
    for (const fn of recording.ofType("sst.aws.Function")) expect(triggered, fn.name).toContain(fn.name);
  });

  it("declare each function with its handler (functions/src/<file>.handler)", async () => {
    const { recording } = await load();
    const functions = recording.ofType("sst.aws.Function");
    const access = expectedAccess(stage);
    expect(functions.map((fn) => fn.name).sort()).toEqual(Object.keys(access).sort());
    for (const fn of functions) expect(fn.args.handler, fn.name).toBe(access[fn.name]?.handler);
  });

  it("link each function to exactly the tables, secrets, signing keys, queues and linkables it needs", async () => {
    const { recording } = await load();
    const access = expectedAccess(stage);
    for (const fn of recording.ofType("sst.aws.Function")) {
      const expected = access[fn.name];
      expect(linkedNames(recording, fn, "sst.aws.Dynamo"), `${fn.name} tables`).toEqual(expected?.tables);
      expect(linkedNames(recording, fn, "sst.Secret"), `${fn.name} secrets`).toEqual(
        [...(expected?.secrets ?? [])].sort(),
      );
      expect(linkedNames(recording, fn, "sst.Linkable"), `${fn.name} linkables`).toEqual(
        [...(expected?.linkables ?? [])].sort(),
      );
      expect(linkedNames(recording, fn, "sst.aws.Queue"), `${fn.name} queues`).toEqual(expected?.queues);
      expect(linkedNames(recording, fn, "sst.aws.Bucket"), `${fn.name} buckets`).toEqual(expected?.buckets ?? []);
    }
  });

  it("let a function sign only with its roles' KMS keys of the manifest: kms:Sign and kms:GetPublicKey on their ARNs", async () => {
    const { recording, kmsArns } = await load();
    const access = expectedAccess(stage);
    const arnOf = (role: string) => {
      const arn = kmsArns[role];
      if (arn === undefined) throw new Error(`the fixture names no key ${role}`);
      return arn;
    };
    for (const fn of recording.ofType("sst.aws.Function")) {
      const kmsStatements = permissionsOf(fn).filter((statement) =>
        statement.actions.some((action) => action.startsWith("kms:")),
      );
      const grantedArns = kmsStatements.flatMap((statement) => statement.resources);
      const expected = (access[fn.name]?.signingKeys ?? []).map(arnOf);
      expect([...grantedArns].sort(), `${fn.name} KMS resources`).toEqual([...expected].sort());
      for (const statement of kmsStatements) {
        expect([...statement.actions].sort(), fn.name).toEqual(["kms:GetPublicKey", "kms:Sign"]);
      }
      // A prober signs with its own key only; no other function signs as a prober.
      const own = proberRegionsOf(stage).findIndex((region) => proberName(region) === fn.name);
      for (const [index, role] of proberKeys.entries()) {
        if (index === own) continue;
        expect(grantedArns, `${fn.name} must not sign as prober ${index + 1}`).not.toContain(arnOf(role));
      }
    }
  });

  it("grant no function a wildcard action or resource", async () => {
    const { recording } = await load();
    for (const fn of recording.ofType("sst.aws.Function")) {
      expect(wildcardGrants(permissionsOf(fn)), fn.name).toEqual([]);
    }
  });

  it("set the Powertools service, stage and stage config file, and never put an RPC URL in the environment", async () => {
    const { recording } = await load();
    const secretValues = recording.ofType("sst.Secret").map((secret) => secret.instance.value);
    const access = expectedAccess(stage);
    for (const fn of recording.ofType("sst.aws.Function")) {
      const environment = (fn.args.environment ?? {}) as Record<string, unknown>;
      expect(environment, fn.name).toMatchObject({
        POWERTOOLS_SERVICE_NAME: access[fn.name]?.service,
        STAGE: stage,
        SLABRIDGE_CONFIG: `config/${stage}.json`,
        SLABRIDGE_MANIFEST: `config/${stage}.manifest.json`,
      });
      for (const [name, value] of Object.entries(environment)) {
        expect(name, `${fn.name} env ${name}`).not.toMatch(/RPC|URL|ENDPOINT/i);
        expect(String(value), `${fn.name} env ${name}`).not.toMatch(/^[a-z][a-z0-9+.-]*:\/\//i);
        expect(secretValues, `${fn.name} env ${name} holds a secret`).not.toContain(value);
      }
    }
  });

  it("run one prober per region of the stage, each with its region's provider, tables in the home region", async () => {
    const { recording } = await load();
    const probers = recording
      .ofType("sst.aws.Function")
      .filter((fn) => fn.args.handler === "functions/src/probe.handler");
    const regions = probers.map((fn) => {
      const provider = recording.byInstance(fn.options.provider);
      expect(provider?.type, `${fn.name} provider`).toBe("aws.Provider");
      return String(provider?.args.region);
    });
    expect(regions).toEqual(proberRegionsOf(stage));
    expect(new Set(regions).size).toBeGreaterThan(1);
    for (const [index, fn] of probers.entries()) {
      expect(fn.name).toBe(proberName(regions[index] ?? ""));
      expect(String(fn.instance.arn), fn.name).toContain(`:lambda:${regions[index]}:`);
      expect(fn.args.environment, fn.name).toMatchObject({
        SLABRIDGE_TABLES_REGION: "us-east-1",
        SLABRIDGE_PROBER_REGION: regions[index],
      });
    }
    // Everything else stays in the home region.
    for (const fn of recording.ofType("sst.aws.Function").filter((f) => !probers.includes(f))) {
      expect(fn.options.provider, fn.name).toBeUndefined();
    }
  });

  it("let the probe coordinator and the evaluator (co-signing) invoke exactly the probers, and link them their region, name and ARN", async () => {
    const { recording } = await load();
    const proberArns = proberRegionsOf(stage).map(
      (region) => recording.named("sst.aws.Function", proberName(region)).instance.arn,
    );
    const invokers = ["ProbeCoordinator", "Evaluate"];
    for (const name of invokers) {
      const invoke = permissionsOf(recording.named("sst.aws.Function", name)).filter((statement) =>
        statement.actions.includes("lambda:InvokeFunction"),
      );
      expect(invoke, name).toEqual([{ actions: ["lambda:InvokeFunction"], resources: proberArns }]);
    }
    for (const fn of recording.ofType("sst.aws.Function").filter((f) => !invokers.includes(f.name))) {
      const actions = permissionsOf(fn).flatMap((statement) => statement.actions);
      expect(actions, `${fn.name} may not invoke functions`).not.toContain("lambda:InvokeFunction");
    }
    expect(recording.named("sst.Linkable", "ProberFunctions").args.properties).toEqual({
      functions: proberRegionsOf(stage).map((region) => {
        const prober = recording.named("sst.aws.Function", proberName(region)).instance;
        return { region, name: prober.name, arn: prober.arn };
      }),
    });
  });

  it("serve the status API on a function URL: IAM auth in production, none on development stages", async () => {
    const { recording } = await load();
    const status = recording.named("sst.aws.Function", "Status");
    expect(status.args.url).toEqual({ authorization: stage === "production" ? "iam" : "none" });
    expect(status.args.streaming).toBeUndefined();
    const gateway = recording.named("sst.aws.Function", "Gateway");
    expect(recording.ofType("sst.aws.Function").filter((fn) => fn.args.url !== undefined)).toEqual([status, gateway]);
  });

  it("ship the built dashboard with the status function only, and tell it where (the dashboard package's dist/)", async () => {
    const { recording } = await load();
    const status = recording.named("sst.aws.Function", "Status");
    const bundled = [{ from: `config/${stage}.json` }, { from: `config/${stage}.manifest.json` }];
    expect(status.args.copyFiles).toEqual([...bundled, { from: "packages/dashboard/dist" }]);
    expect(status.args.environment).toMatchObject({ SLABRIDGE_DASHBOARD_DIR: "packages/dashboard/dist" });
    // The same folder the build writes and the handler reads when run from the repository.
    expect(relative(repoRoot, dashboardDistDir({}))).toBe(join("packages", "dashboard", "dist"));
    for (const fn of recording.ofType("sst.aws.Function").filter((candidate) => candidate !== status)) {
      expect(fn.args.copyFiles, fn.name).toEqual(bundled);
      expect(fn.args.environment, fn.name).not.toHaveProperty("SLABRIDGE_DASHBOARD_DIR");
    }
  });

  it("serve the gateway on a public function URL with response streaming, writing only its five tables", async () => {
    const { recording, kmsArns } = await load();
    const gateway = recording.named("sst.aws.Function", "Gateway");
    // A buyer's x402 payment authorizes the call: the URL takes no IAM signature, in production too.
    expect(gateway.args.url).toEqual({ authorization: "none" });
    expect(gateway.args.streaming).toBe(true);
    // It signs as the x402 facilitator, reads the kill switch's model pauses, and nothing else beyond its links.
    const cursors = recording.named("sst.aws.Dynamo", "Cursors").instance;
    expect(permissionsOf(gateway)).toEqual([
      { actions: ["kms:Sign", "kms:GetPublicKey"], resources: [kmsArns[facilitatorKey]] },
      { actions: ["dynamodb:GetItem", "dynamodb:Query"], resources: [cursors.arn] },
    ]);
    expect(linkedNames(recording, gateway, "sst.aws.Dynamo")).toEqual([
      "Channels",
      "Nonces",
      "RateLimits",
      "UsageReceipts",
      "VoucherCheckpoints",
    ]);
  });

  it("let the status API only read the jobs, payments and cursors tables (the kill switch's pauses are cursors) and the evidence", async () => {
    const { recording } = await load();
    const status = recording.named("sst.aws.Function", "Status");
    const evidence = recording.named("sst.aws.Bucket", "Evidence").instance;
    const jobs = recording.named("sst.aws.Dynamo", "Jobs").instance;
    const payments = recording.named("sst.aws.Dynamo", "Payments").instance;
    const cursors = recording.named("sst.aws.Dynamo", "Cursors").instance;
    expect(permissionsOf(status)).toEqual([
      {
        actions: ["dynamodb:GetItem", "dynamodb:Query"],
        resources: [jobs.arn, payments.arn, cursors.arn, `${jobs.arn}/index/byStatus`],
      },
      { actions: ["s3:GetObject"], resources: [`${evidence.arn}/*`] },
    ]);
    expect(recording.named("sst.Linkable", "EvidenceReadOnly").args.properties).toEqual({ name: evidence.name });
    expect(recording.named("sst.Linkable", "JobsReadOnly").args.properties).toEqual({ name: jobs.name });
    expect(recording.named("sst.Linkable", "PaymentsReadOnly").args.properties).toEqual({ name: payments.name });
    expect(recording.named("sst.Linkable", "CursorsReadOnly").args.properties).toEqual({ name: cursors.name });
  });

  it("return the queue URLs, function names and the status and gateway URLs as outputs", async () => {
    const { recording, outputs } = await load();
    const queueUrl = (name: string) => recording.named("sst.aws.Queue", name).instance.url;
    const functionName = (name: string) => recording.named("sst.aws.Function", name).instance.name;
    expect(outputs).toMatchObject({
      proberFunctions: proberRegionsOf(stage).map((region) => functionName(proberName(region))),
      probeCoordinatorFunction: functionName("ProbeCoordinator"),
      evaluateFunction: functionName("Evaluate"),
      refundFunction: functionName("Refund"),
      settleFunction: functionName("Settle"),
      netFunction: functionName("Net"),
      statusFunction: functionName("Status"),
      statusUrl: recording.named("sst.aws.Function", "Status").instance.url,
      gatewayFunction: functionName("Gateway"),
      gatewayUrl: recording.named("sst.aws.Function", "Gateway").instance.url,
      relayQueueUrl: queueUrl("RelayQueue"),
      relayDeadLetterQueueUrl: queueUrl("RelayDeadLetterQueue"),
      scheduleDeadLetterQueueUrl: queueUrl("ScheduleDeadLetterQueue"),
      watchEvmFunction: functionName("WatchEvm"),
      watchSolanaFunction: functionName("WatchSolana"),
      relayFunction: functionName("Relay"),
      retryFunction: functionName("Retry"),
      alarmTopic: recording.named("sst.aws.SnsTopic", "Alarms").instance.arn,
    });
  });

  it("run every function on Node 22 (nodejs22.x)", async () => {
    const { recording } = await load();
    for (const fn of recording.ofType("sst.aws.Function")) expect(fn.args.runtime, fn.name).toBe("nodejs22.x");
  });

  /** The alarm named `name`, with the topic it notifies resolved to its component. */
  const alarmOf = (recording: SstRecording, name: string) => {
    const alarm = recording.named("aws.cloudwatch.MetricAlarm", name);
    const topics = recording.ofType("sst.aws.SnsTopic");
    const topicOf = (arn: unknown) => topics.find((topic) => topic.instance.arn === arn)?.name;
    return {
      alarm,
      args: alarm.args,
      alarmTopics: (alarm.args.alarmActions as unknown[]).map(topicOf),
      okTopics: (alarm.args.okActions as unknown[]).map(topicOf),
    };
  };
  const allHomeFunctions = ["WatchEvm", "WatchSolana", "Relay", "Retry", "ProbeCoordinator", "Evaluate", "Refund"];
  allHomeFunctions.push("Settle", "Net", "Status", "Gateway");

  it("alarm on dead letters, failed jobs, every function's errors, probe gaps and the relayer's balance", async () => {
    const { recording } = await load();
    const probers = proberRegionsOf(stage).map(proberName);
    expect(
      recording
        .ofType("aws.cloudwatch.MetricAlarm")
        .map((alarm) => alarm.name)
        .sort(),
    ).toEqual(
      [
        "RelayDeadLetterQueueDepthAlarm",
        "ScheduleDeadLetterQueueDepthAlarm",
        "JobsDeadLetteredAlarm",
        "ProbeGapAlarm",
        "RelayerBalanceEvmAAlarm",
        "RelayerBalanceEvmBAlarm",
        ...[...allHomeFunctions, ...probers].map((name) => `${name}ErrorsAlarm`),
      ].sort(),
    );
    for (const alarm of recording.ofType("aws.cloudwatch.MetricAlarm")) {
      // One 5-minute window each, and the way back to OK is announced as well.
      expect(alarm.args, alarm.name).toMatchObject({ period: 300, evaluationPeriods: 1 });
      expect(alarm.args.alarmActions, alarm.name).toEqual(alarm.args.okActions);
    }
  });

  it("alarm when a dead-letter queue holds any message", async () => {
    const { recording } = await load();
    for (const queue of ["RelayDeadLetterQueue", "ScheduleDeadLetterQueue"]) {
      const { args, alarmTopics } = alarmOf(recording, `${queue}DepthAlarm`);
      expect(args, queue).toMatchObject({
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: `slabridge-${stage}-${queue}` },
        statistic: "Maximum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        treatMissingData: "notBreaching",
      });
      expect(alarmTopics).toEqual(["Alarms"]);
    }
  });

  it("alarm on a job the relay gave up on, by the relay's own metric of this stage", async () => {
    const { recording } = await load();
    expect(alarmOf(recording, "JobsDeadLetteredAlarm").args).toMatchObject({
      namespace: "slabridge",
      metricName: "JobDeadLettered",
      dimensions: { service: "slabridge-relay", stage },
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
    });
  });

  it("alarm on any function error, a prober's in its own region with a topic there", async () => {
    const { recording } = await load();
    for (const name of allHomeFunctions) {
      const { alarm, args, alarmTopics } = alarmOf(recording, `${name}ErrorsAlarm`);
      expect(args, name).toMatchObject({
        namespace: "AWS/Lambda",
        metricName: "Errors",
        dimensions: { FunctionName: recording.named("sst.aws.Function", name).instance.name },
        statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
      });
      expect(alarmTopics, name).toEqual(["Alarms"]);
      expect(alarm.options.provider, name).toBeUndefined();
    }
    const regionalTopics = recording.ofType("sst.aws.SnsTopic").filter((topic) => topic.name !== "Alarms");
    for (const region of proberRegionsOf(stage)) {
      const prober = recording.named("sst.aws.Function", proberName(region));
      const { alarm, args, alarmTopics } = alarmOf(recording, `${proberName(region)}ErrorsAlarm`);
      expect(args.dimensions).toEqual({ FunctionName: prober.instance.name });
      // The home region's prober alarms with the app's own provider, like every home alarm.
      expect(alarm.options.provider).toBe(region === "us-east-1" ? undefined : prober.options.provider);
      expect(String(alarm.instance.arn)).toContain(`:${region}:`);
      const topic = region === "us-east-1" ? "Alarms" : `Alarms${proberName(region).slice("Prober".length)}`;
      expect(alarmTopics).toEqual([topic]);
      expect(String(recording.named("sst.aws.SnsTopic", topic).instance.arn)).toContain(`:${region}:`);
    }
    expect(regionalTopics.map((topic) => topic.name).sort()).toEqual(
      proberRegionsOf(stage)
        .filter((region) => region !== "us-east-1")
        .map((region) => `Alarms${proberName(region).slice("Prober".length)}`)
        .sort(),
    );
  });

  it("alarm on probe gaps: fewer than 4 of the 5 rounds a 5-minute window should see, no data counting as none", async () => {
    const { recording } = await load();
    expect(alarmOf(recording, "ProbeGapAlarm").args).toMatchObject({
      namespace: "AWS/Lambda",
      metricName: "Invocations",
      dimensions: { FunctionName: recording.named("sst.aws.Function", "ProbeCoordinator").instance.name },
      statistic: "Sum",
      comparisonOperator: "LessThanThreshold",
      threshold: 4,
      treatMissingData: "breaching",
    });
  });

  it("alarm on the relayer's balance per EVM chain below the floor, as the EVM watcher emits it (no data stays unknown)", async () => {
    const { recording } = await load();
    for (const chain of ["evm-a", "evm-b"]) {
      const suffix = chain === "evm-a" ? "EvmA" : "EvmB";
      expect(alarmOf(recording, `RelayerBalance${suffix}Alarm`).args, chain).toMatchObject({
        namespace: "slabridge",
        metricName: "SignerBalance",
        dimensions: { service: "slabridge-watch", stage, signer: "relayer", chain },
        statistic: "Minimum",
        comparisonOperator: "LessThanThreshold",
        threshold: 0.05,
        treatMissingData: "missing",
      });
    }
  });
});

describe("handler files", () => {
  it("exist for every declared function and export `handler`", async () => {
    const { recording } = await recordDeployment("dev");
    const problems: string[] = [];
    for (const fn of recording.ofType("sst.aws.Function")) {
      const [file, exported] = String(fn.args.handler).split(/\.(?=[^.]+$)/);
      const path = join(repoRoot, `${file}.ts`);
      if (!existsSync(path)) {
        if (!handlersInProgress.has(String(fn.args.handler))) problems.push(`${fn.name}: ${file}.ts is missing`);
      } else if (
        !new RegExp(`export\\s+(const|let|async\\s+function|function)\\s+${exported}\\b`).test(
          readFileSync(path, "utf8"),
        )
      ) {
        problems.push(`${fn.name}: ${file}.ts does not export ${exported}`);
      }
    }
    expect(problems, "handler files the stacks require").toEqual([]);
  });

  it("include the status API's handler: it is not one still being written", () => {
    expect(existsSync(join(repoRoot, "functions/src/status.ts"))).toBe(true);
    expect(handlersInProgress.has("functions/src/status.handler")).toBe(false);
  });
});

describe.each(["dev", "testnet"])("the stacks of stage %s and its config file", (stage) => {
  const config = () =>
    JSON.parse(readFileSync(join(repoRoot, `config/${stage}.json`), "utf8")) as {
      chains: { name: string; rpcUrl: { secret?: string } }[];
      watch: { pollIntervalSeconds: number };
      probing: { periodSeconds: number };
    };

  it("run the watch and probe periods the config says, so the schedules' multiples mean the same", async () => {
    const { stageTopology } = await import("./stages.ts");
    expect(stageTopology(stage).periods).toEqual({
      watch: config().watch.pollIntervalSeconds,
      probe: config().probing.periodSeconds,
    });
  });

  it("declare the RPC URL secrets the config's chains read", async () => {
    const { rpcUrlSecretName, stageTopology } = await import("./stages.ts");
    expect(config().chains.map((chain) => chain.name)).toEqual(stageTopology(stage).chains.map((chain) => chain.name));
    expect(config().chains.map((chain) => chain.rpcUrl.secret)).toEqual(
      stageTopology(stage).chains.map((chain) => rpcUrlSecretName(chain.name)),
    );
  });
});
