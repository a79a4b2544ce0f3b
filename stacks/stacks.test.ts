import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tables } from "./tables.ts";
import { installRecordingSst, type RecordedConstruct, type SstRecording } from "./testing/recordingSst.ts";

// Loads sst.config.ts against the recording stand-in for SST's globals and checks the wiring the stacks declare.

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

interface Deployment {
  readonly recording: SstRecording;
  readonly outputs: Record<string, unknown>;
}

async function deploy(stage: string): Promise<Deployment> {
  const sst = installRecordingSst({ name: "slabridge", stage });
  try {
    const config = (await import("../sst.config.ts")).default;
    const outputs = await config.run();
    return { recording: sst.recording, outputs };
  } finally {
    sst.uninstall();
  }
}

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
    for (const resource of statement.resources) if (String(resource).includes("*")) found.push(`resource ${resource}`);
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
const solanaOperatorKeys = ["SolanaOperator1SigningKey", "SolanaOperator2SigningKey", "SolanaOperator3SigningKey"];

/** What each function may reach: tables, secrets and signing keys, exactly (least privilege). */
const expectedAccess: Record<string, { tables: string[]; secrets: string[]; signingKeys: string[] }> = {
  WatchEvm: { tables: ["Cursors", "Jobs", "Payments"], secrets: ["RpcUrlEvmA", "RpcUrlEvmB"], signingKeys: [] },
  WatchSolana: { tables: ["Cursors", "Jobs", "Payments"], secrets: ["RpcUrlSolana"], signingKeys: [] },
  Relay: {
    tables: ["Idempotency", "Jobs", "Nonces", "Payments"],
    secrets: ["GuardianApiUrl", ...rpcUrlSecrets],
    signingKeys: ["DvnSigningKey", "RelayerSigningKey", ...solanaOperatorKeys],
  },
  Retry: { tables: ["Jobs"], secrets: [], signingKeys: [] },
};

const expectedSchedules: Record<string, { target: string; schedule: string }> = {
  WatchEvmSchedule: { target: "WatchEvm", schedule: "rate(1 minute)" },
  WatchSolanaSchedule: { target: "WatchSolana", schedule: "rate(1 minute)" },
  RetrySchedule: { target: "Retry", schedule: "rate(5 minutes)" },
};

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

describe.each(["dev", "production"])("stacks of stage %s", (stage) => {
  const load = () => deploy(stage);

  it("declare the five tables of tables.ts, each with only its key attributes as fields", async () => {
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
  });

  it("declare a KMS signing key per EVM role and per Solana operator, with a linkable per key", async () => {
    const { recording } = await load();
    const keys = recording.ofType("aws.kms.Key");
    const specs = Object.fromEntries(keys.map((key) => [key.name, key.args.customerMasterKeySpec]));
    expect(specs).toEqual({
      RelayerKmsKey: "ECC_SECG_P256K1",
      DvnKmsKey: "ECC_SECG_P256K1",
      Prober1KmsKey: "ECC_SECG_P256K1",
      Prober2KmsKey: "ECC_SECG_P256K1",
      Prober3KmsKey: "ECC_SECG_P256K1",
      SolanaOperator1KmsKey: "ECC_NIST_EDWARDS25519",
      SolanaOperator2KmsKey: "ECC_NIST_EDWARDS25519",
      SolanaOperator3KmsKey: "ECC_NIST_EDWARDS25519",
    });
    for (const key of keys) {
      expect(key.args.keyUsage, key.name).toBe("SIGN_VERIFY");
      expect(key.args.deletionWindowInDays, key.name).toBe(stage === "production" ? 30 : 7);
      const linkable = recording.named("sst.Linkable", key.name.replace(/KmsKey$/, "SigningKey"));
      expect(linkable.args.properties).toEqual({ keyId: key.instance.keyId, arn: key.instance.arn });
    }
  });

  it("keep every RPC URL and the guardian API URL in Secrets with no value in code", async () => {
    const { recording } = await load();
    const secrets = recording.ofType("sst.Secret");
    expect(secrets.map((secret) => secret.name).sort()).toEqual(["GuardianApiUrl", ...rpcUrlSecrets].sort());
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

  it("give every function a trigger: a schedule or the queue subscription", async () => {
    const { recording } = await load();
    const triggered = new Set([
      ...recording.ofType("sst.aws.CronV2").map((schedule) => functionByArn(recording, schedule.args.function)?.name),
      ...recording.subscriptions.map((subscription) => functionByArn(recording, subscription.subscriber)?.name),
    ]);
    for (const fn of recording.ofType("sst.aws.Function")) expect(triggered, fn.name).toContain(fn.name);
  });

  it("declare each function with a handler at functions/src/<name>.handler", async () => {
    const { recording } = await load();
    const functions = recording.ofType("sst.aws.Function");
    expect(functions.map((fn) => fn.name).sort()).toEqual(Object.keys(expectedAccess).sort());
    for (const fn of functions) {
      const fileName = fn.name.charAt(0).toLowerCase() + fn.name.slice(1);
      expect(fn.args.handler, fn.name).toBe(`functions/src/${fileName}.handler`);
    }
  });

  it("link each function to exactly the tables, secrets and signing keys it needs, and to the relay queue", async () => {
    const { recording } = await load();
    for (const fn of recording.ofType("sst.aws.Function")) {
      const access = expectedAccess[fn.name];
      expect(linkedNames(recording, fn, "sst.aws.Dynamo"), `${fn.name} tables`).toEqual(access?.tables);
      expect(linkedNames(recording, fn, "sst.Secret"), `${fn.name} secrets`).toEqual(access?.secrets.sort());
      expect(linkedNames(recording, fn, "sst.Linkable"), `${fn.name} keys`).toEqual(access?.signingKeys.sort());
      expect(linkedNames(recording, fn, "sst.aws.Queue"), `${fn.name} queues`).toEqual(["RelayQueue"]);
    }
  });

  it("let a function sign only with the keys it links: kms:Sign and kms:GetPublicKey on their ARNs", async () => {
    const { recording } = await load();
    const proberKeyArns = recording
      .ofType("aws.kms.Key")
      .filter((key) => key.name.startsWith("Prober"))
      .map((key) => key.instance.arn);
    for (const fn of recording.ofType("sst.aws.Function")) {
      const kmsStatements = permissionsOf(fn).filter((statement) =>
        statement.actions.some((action) => action.startsWith("kms:")),
      );
      const linkedKeyArns = linked(recording, fn)
        .filter((construct) => construct.type === "sst.Linkable")
        .map((construct) => (construct.args.properties as { arn: unknown }).arn);
      const grantedArns = kmsStatements.flatMap((statement) => statement.resources);
      expect(new Set(grantedArns), `${fn.name} KMS resources`).toEqual(new Set(linkedKeyArns));
      for (const statement of kmsStatements) {
        expect([...statement.actions].sort(), fn.name).toEqual(["kms:GetPublicKey", "kms:Sign"]);
      }
      for (const arn of proberKeyArns) expect(grantedArns, `${fn.name} must not sign as a prober`).not.toContain(arn);
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
    for (const fn of recording.ofType("sst.aws.Function")) {
      const environment = (fn.args.environment ?? {}) as Record<string, unknown>;
      expect(environment, fn.name).toMatchObject({
        POWERTOOLS_SERVICE_NAME: "slabridge-relay",
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

  it("return the queue URLs and function names as outputs", async () => {
    const { recording, outputs } = await load();
    const queueUrl = (name: string) => recording.named("sst.aws.Queue", name).instance.url;
    const functionName = (name: string) => recording.named("sst.aws.Function", name).instance.name;
    expect(outputs).toMatchObject({
      relayQueueUrl: queueUrl("RelayQueue"),
      relayDeadLetterQueueUrl: queueUrl("RelayDeadLetterQueue"),
      scheduleDeadLetterQueueUrl: queueUrl("ScheduleDeadLetterQueue"),
      watchEvmFunction: functionName("WatchEvm"),
      watchSolanaFunction: functionName("WatchSolana"),
      relayFunction: functionName("Relay"),
      retryFunction: functionName("Retry"),
    });
  });
});

describe("handler files", () => {
  it("exist for every declared function and export `handler`", async () => {
    const { recording } = await deploy("dev");
    const problems: string[] = [];
    for (const fn of recording.ofType("sst.aws.Function")) {
      const [file, exported] = String(fn.args.handler).split(/\.(?=[^.]+$)/);
      const path = join(repoRoot, `${file}.ts`);
      if (!existsSync(path)) {
        problems.push(`${fn.name}: ${file}.ts is missing`);
      } else if (
        !new RegExp(`export\\s+(const|let|async\\s+function|function)\\s+${exported}\\b`).test(
          readFileSync(path, "utf8"),
        )
      ) {
        problems.push(`${fn.name}: ${file}.ts does not export ${exported}`);
      }
    }
    expect(problems, "handler files the relay stack requires").toEqual([]);
  });
});
