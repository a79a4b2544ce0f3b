// The operator's commands, as a function of the command line: `ops.ts` is its process wrapper, and tests run it in
// process (a child process per run cost about a second of CPU each, and dozens ran at once).
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import type { JobStatus } from "@slabridge/core";
import type { PauseScope } from "@slabridge/relay";

const HELP = `slabridge operator commands

Usage:
  npm run ops -- jobs [--status S] [--manifest F]      list jobs in a state (default: dead-lettered)
  npm run ops -- retry <jobId> [--manifest F] [--queue-url U]
                                                      give a dead-lettered job a fresh set of attempts
  npm run ops -- pause chain <chainId> --reason R [--config C] [--manifest F]
  npm run ops -- pause route <source>-<destination> --reason R [--config C] [--manifest F]
                                                      kill switch: the relay stops sending there (status: /controls)
  npm run ops -- pause model <modelId> --reason R [--config C] [--manifest F]
                                                      stop selling the model: its gateways answer 503 model_paused
                                                      before asking for payment (settlement goes on)
  npm run ops -- resume chain <chainId> | route <source>-<destination> | model <modelId> [--config C] [--manifest F]
  npm run ops -- paused [--config C] [--manifest F]   list the pauses in force

Add --json to any command for one JSON document on stdout (jobs in full, bigints as decimal strings), for scripts.

States: observed, finalized, submitted, confirmed, failed, dead-lettered.
--manifest  deployment manifest (default .devnet/manifest.json, written by npm run devnet)
--table     <key>=<name>, key one of jobs, cursors, payments, nonces: a table the manifest does not name (a public
            stage's names none: in AWS the functions get them from SST links; sst deploy prints them)
--queue-url the relay queue (SQS) to put the job on; without it the next retry sweep queues it
--config    the stage config naming the chains and routes (default config/devnet.json)
--reason    why (shown by the status API); required to pause
`;

const STATUSES: readonly JobStatus[] = ["observed", "finalized", "submitted", "confirmed", "failed", "dead-lettered"];

/** Where the command's output goes, and what relative paths are resolved against. */
export interface OpsIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: string;
}

/** A refusal of the command line or its files: exit code 2, nothing written. */
class UsageError extends Error {}

function fail(message: string): never {
  throw new UsageError(message);
}

const TABLE_KEYS = ["jobs", "cursors", "payments", "nonces"] as const;

/** `--table <key>=<name>` flags as a table map (they win over the manifest's). */
function tablesOf(flags: readonly string[]): Record<string, string> {
  const tables: Record<string, string> = {};
  for (const flag of flags) {
    const match = /^([a-z]+)=([A-Za-z0-9_.-]{3,255})$/.exec(flag);
    const key = match?.[1];
    if (!match || !TABLE_KEYS.some((known) => known === key)) {
      fail(`--table ${flag}: expected <key>=<table name>, key one of ${TABLE_KEYS.join(", ")}`);
    }
    tables[match[1] as string] = match[2] as string;
  }
  return tables;
}

/** A command line, checked before any file is read or the store is touched. */
type Command =
  | { name: "jobs"; status: JobStatus }
  | { name: "retry"; jobId: string }
  | { name: "pause"; scope: PauseScope; reason: string }
  | { name: "resume"; scope: PauseScope }
  | { name: "paused" };

type Options = ReturnType<typeof parse>["values"];

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        status: { type: "string", default: "dead-lettered" },
        manifest: { type: "string", default: ".devnet/manifest.json" },
        "queue-url": { type: "string" },
        config: { type: "string", default: "config/devnet.json" },
        reason: { type: "string" },
        table: { type: "string", multiple: true },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

function pauseScope(kind: string | undefined, target: string | undefined): PauseScope {
  if (kind === "chain" && target && /^\d+$/.test(target)) return { kind: "chain", chainId: Number(target) };
  const route = /^(\d+)-(\d+)$/.exec(target ?? "");
  if (kind === "route" && route) return { kind: "route", source: Number(route[1]), destination: Number(route[2]) };
  if (kind === "model" && target && /^\d+$/.test(target)) return { kind: "model", modelId: BigInt(target) };
  return fail(`expected "chain <chainId>", "route <source>-<destination>" or "model <modelId>"`);
}

function scopeLabel(scope: PauseScope): string {
  if (scope.kind === "model") return `model ${scope.modelId}`;
  return scope.kind === "chain" ? `chain ${scope.chainId}` : `route ${scope.source}-${scope.destination}`;
}

function commandOf([name, first, second]: readonly string[], values: Options): Command {
  switch (name) {
    case "jobs": {
      const status = STATUSES.find((s) => s === values.status);
      return status ? { name, status } : fail(`unknown state "${values.status}"`);
    }
    case "retry":
      return first ? { name, jobId: first } : fail("retry needs a job id");
    case "pause": {
      const scope = pauseScope(first, second);
      const reason = values.reason?.trim();
      return reason ? { name, scope, reason } : fail("pause needs --reason");
    }
    case "resume":
      return { name, scope: pauseScope(first, second) };
    case "paused":
      return { name };
    default:
      return fail(`unknown command "${name}"`);
  }
}

function readText(file: string, hint = ""): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return fail(`cannot read ${file}${hint}`);
  }
}

/**
 * `npm run ops`: the relay's jobs (list by state, retry a dead-lettered one) and the kill switch (pause, resume, list
 * the pauses), against the store a deployment manifest names. Returns the exit code: 0 done, 2 a refused command
 * line or file (the message and the usage on `err`; nothing written).
 *
 * @example process.exitCode = await runOpsCli(process.argv.slice(2), { out, err, cwd: process.cwd() });
 */
export async function runOpsCli(argv: readonly string[], io: OpsIo): Promise<number> {
  try {
    return await run(argv, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`ops: ${error.message}\n\n${HELP}\n`);
    return 2;
  }
}

async function run(argv: readonly string[], io: OpsIo): Promise<number> {
  const { values, positionals } = parse(argv);
  if (values.help || positionals.length === 0) {
    (values.help ? io.out : io.err)(HELP);
    return values.help ? 0 : 2;
  }
  const command = commandOf(positionals, values);
  /** Prints `text` for a person, or `document` as JSON with --json (bigints as decimal strings). */
  const print = (text: string, document: unknown): void => {
    if (!values.json) {
      io.out(`${text}\n`);
      return;
    }
    const json = JSON.stringify(
      document,
      (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
      2,
    );
    io.out(`${json}\n`);
  };
  const flaggedTables = tablesOf(values.table ?? []);
  const manifestText = readText(
    path.resolve(io.cwd, values.manifest),
    ' (start the devnet with "npm run devnet", or pass --manifest)',
  );

  // The rest loads only for a well-formed command: a usage error answers without loading the SDKs.
  const [
    { DEFAULT_RETRY_POLICY, parseDeploymentManifest, parseStageConfig },
    { InvalidRouteControlError, RelayEngine },
    { createStores },
    { SendMessageCommand, SQSClient },
    { routeControlsOf },
  ] = await Promise.all([
    import("@slabridge/core"),
    import("@slabridge/relay"),
    import("@slabridge/store"),
    import("@aws-sdk/client-sqs"),
    import("./context/routeControlsOf.ts"),
  ]);
  const manifest = parseDeploymentManifest(JSON.parse(manifestText));
  const tables = { ...manifest.dynamo.tables, ...flaggedTables };
  const stores = createStores({
    ...(manifest.dynamo.endpoint ? { endpoint: manifest.dynamo.endpoint } : {}),
    region: manifest.dynamo.region,
    tableNames: {
      jobs: tables.jobs ?? fail("manifest has no jobs table"),
      cursors: tables.cursors ?? fail("manifest has no cursors table"),
      payments: tables.payments ?? fail("manifest has no payments table"),
      nonces: tables.nonces ?? fail("manifest has no nonces table"),
    },
  });

  try {
    if (command.name === "jobs") {
      const jobs = await stores.jobs.listByStatus(command.status, { limit: 1_000 });
      const lines = jobs.map((job) => {
        const reason = "reason" in job ? `  ${job.reason}` : "";
        return `${job.id}  attempts=${job.attempts}  updated=${new Date(job.updatedAt).toISOString()}${reason}`;
      });
      print(jobs.length === 0 ? `no ${command.status} jobs` : lines.join("\n"), { status: command.status, jobs });
    } else if (command.name === "retry") {
      const { jobId } = command;
      const queueUrl = values["queue-url"];
      const sqs = queueUrl ? new SQSClient({}) : undefined;
      const engine = new RelayEngine({
        jobs: stores.jobs,
        transports: {},
        receiptSources: new Map(),
        clock: { now: () => Date.now() },
        retry: DEFAULT_RETRY_POLICY,
        maxPaymentsPerBatch: 100,
        enqueue: async (id) => {
          await sqs?.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ jobId: id }) }));
        },
      });
      if (!(await engine.retryDeadLettered(jobId))) {
        const job = await stores.jobs.get(jobId);
        fail(job ? `job ${jobId} is ${job.status}, not dead-lettered` : `no job ${jobId}`);
      }
      print(`${jobId}: back to work${queueUrl ? " and queued" : "; the next retry sweep queues it"}`, {
        jobId,
        retried: true,
        queued: queueUrl !== undefined,
      });
    } else {
      const config = parseStageConfig(JSON.parse(readText(path.resolve(io.cwd, values.config))));
      const controls = routeControlsOf(config, stores.cursors, { now: () => Date.now() }, manifest);
      if (command.name === "paused") {
        const paused = await controls.paused();
        const lines = paused.map((p) => `${p.scope}  since ${p.pausedAt}  ${p.reason}`);
        print(paused.length === 0 ? "nothing is paused" : lines.join("\n"), { paused });
      } else if (command.name === "pause") {
        await controls.pause(command.scope, command.reason);
        print(`${scopeLabel(command.scope)}: paused`, { scope: scopeLabel(command.scope), paused: true });
      } else {
        await controls.resume(command.scope);
        print(`${scopeLabel(command.scope)}: resumed`, { scope: scopeLabel(command.scope), paused: false });
      }
    }
  } catch (error) {
    // A chain or route the stage config does not name: the operator's mistake, nothing was written.
    if (error instanceof InvalidRouteControlError) fail(error.message);
    throw error;
  } finally {
    stores.destroy();
  }
  return 0;
}
