import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { type DeploymentManifest, manifestRpcUrlOf, parseStageConfig } from "@slabridge/core";
import { type LocalDynamo, startLocalDynamo } from "@slabridge/devnet";
import { createStores } from "@slabridge/store";
import { afterAll, describe, expect, it } from "vitest";
import { routeControlsOf } from "./context/routeControlsOf.ts";
import { buildStatusWorld } from "./context/status/buildStatusWorld.ts";
import { runOpsCli } from "./opsCli.ts";
import { createStatusHandler } from "./status.ts";
import { threeChainManifest } from "./testing/threeChainManifest.ts";

// `npm run ops` as the operator runs it: the command line's function in process (and, for its exit codes, the real
// CLI in a child process), against a local DynamoDB named by a deployment manifest in a temp dir, with the devnet's
// stage config (chains 31337, 31338, Solana).
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ops = path.join(repoRoot, "functions/src/ops.ts");
const configFile = path.join(repoRoot, "config/devnet.json");
const config = parseStageConfig(JSON.parse(readFileSync(configFile, "utf8")));
const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
// A child process loads tsx and the SDKs: seconds each on a busy machine.
const SPAWNING = { timeout: 60_000 };

interface Store {
  readonly dynamo: LocalDynamo;
  readonly manifest: DeploymentManifest;
  readonly manifestFile: string;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const opened: Store[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const store of opened) await store.dynamo.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh local DynamoDB with every table, and a manifest file naming it. */
async function freshStore(): Promise<Store> {
  const dynamo = await startLocalDynamo({ tablePrefix: "ops-" });
  const manifest = threeChainManifest({
    dynamo: { endpoint: dynamo.endpoint, region: "us-east-1", tables: dynamo.tableNames },
  });
  const dir = mkdtempSync(path.join(tmpdir(), "slabridge-ops-"));
  dirs.push(dir);
  const manifestFile = path.join(dir, "manifest.json");
  writeFileSync(manifestFile, JSON.stringify(manifest));
  const store = { dynamo, manifest, manifestFile };
  opened.push(store);
  return store;
}

/** One run of `npm run ops -- ...args` in this process: its exit code and output. */
async function runOps(args: readonly string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runOpsCli(args, {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    cwd: repoRoot,
  });
  return { code, stdout, stderr };
}

/** One run of the real command line, `node --import tsx functions/src/ops.ts ...args`, in a child process. */
function spawnOps(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    // node with tsx's loader, as one process (the tsx binary would start a second node for every run).
    const child = spawn(process.execPath, ["--import", "tsx", ops, ...args], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NODE_OPTIONS: "--disable-warning=NodeVersionSupportWarning",
        POWERTOOLS_LOG_LEVEL: "WARN",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** `runOps` against a store, with the devnet's stage config. */
const opsOn = (store: Store, ...args: string[]) =>
  runOps([...args, "--manifest", store.manifestFile, "--config", configFile]);

/** Every record of the cursor table, where the kill switch keeps its pauses. */
async function controlRecords(store: Store): Promise<number> {
  const scan = new ScanCommand({ TableName: store.dynamo.tableNames.cursors, Select: "COUNT" });
  return (await store.dynamo.client().send(scan)).Count ?? 0;
}

/** `GET /controls` of the status API's deployed handler over the same store. */
async function controlsView(store: Store): Promise<unknown> {
  const stores = createStores({
    endpoint: store.dynamo.endpoint,
    region: "us-east-1",
    tableNames: store.dynamo.tableNames,
  });
  try {
    const world = buildStatusWorld({
      manifest: store.manifest,
      config,
      stores,
      rpcUrls: new Map(store.manifest.chains.map((chain) => [chain.chainId, manifestRpcUrlOf(chain)])),
    });
    const handler = createStatusHandler(async () => world);
    const response = await handler({ rawPath: "/controls", requestContext: { http: { method: "GET" } } });
    expect(response.statusCode).toBe(200);
    return JSON.parse(String(response.body));
  } finally {
    stores.destroy();
  }
}

describe.concurrent("npm run ops: the kill switch", () => {
  it("pause chain and pause route: `paused` lists both with their reasons, and the status API's /controls shows them", async () => {
    const store = await freshStore();
    const [chain, route] = await Promise.all([
      opsOn(store, "pause", "chain", "31337", "--reason", "escrow upgrade"),
      opsOn(store, "pause", "route", "31338-31337", "--reason", "verdict replay"),
    ]);
    expect(chain).toMatchObject({ code: 0, stdout: "chain 31337: paused\n" });
    expect(route).toMatchObject({ code: 0, stdout: "route 31338-31337: paused\n" });

    const paused = await opsOn(store, "paused");
    expect(paused.code).toBe(0);
    expect(paused.stdout.trimEnd().split("\n")).toEqual([
      expect.stringMatching(`^chain:31337  since ${ISO}  escrow upgrade$`),
      expect.stringMatching(`^route:31338-31337  since ${ISO}  verdict replay$`),
    ]);
    expect(await controlsView(store)).toEqual({
      paused: [
        { scope: "chain:31337", reason: "escrow upgrade", pausedAt: expect.stringMatching(`^${ISO}$`) },
        { scope: "route:31338-31337", reason: "verdict replay", pausedAt: expect.stringMatching(`^${ISO}$`) },
      ],
      held: [],
    });
  });

  it("pause model stops a model's sales: `paused` and /controls list it; resume model lifts it; an unknown model is refused", async () => {
    const store = await freshStore();
    expect(await opsOn(store, "pause", "model", "1", "--reason", "host under investigation")).toMatchObject({
      code: 0,
      stdout: "model 1: paused\n",
    });
    expect((await opsOn(store, "paused")).stdout).toMatch(
      new RegExp(`^model:1  since ${ISO}  host under investigation\n$`),
    );
    expect(await controlsView(store)).toMatchObject({
      paused: [{ scope: "model:1", reason: "host under investigation" }],
    });
    const unknown = await opsOn(store, "pause", "model", "7", "--reason", "r");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("model:7 is not a model of the deployment");
    expect(await opsOn(store, "resume", "model", "1")).toMatchObject({ code: 0 });
    expect((await opsOn(store, "paused")).stdout).toBe("nothing is paused\n");
  });

  it("resume chain and resume route lift the pauses: nothing is paused, /controls shows none", async () => {
    const store = await freshStore();
    const stores = createStores({
      endpoint: store.dynamo.endpoint,
      region: "us-east-1",
      tableNames: store.dynamo.tableNames,
    });
    try {
      const controls = routeControlsOf(config, stores.cursors, { now: () => Date.now() });
      await controls.pause({ kind: "chain", chainId: 31_337 }, "escrow upgrade");
      await controls.pause({ kind: "route", source: 31_338, destination: 31_337 }, "verdict replay");
    } finally {
      stores.destroy();
    }

    const [chain, route] = await Promise.all([
      opsOn(store, "resume", "chain", "31337"),
      opsOn(store, "resume", "route", "31338-31337"),
    ]);
    expect(chain).toMatchObject({ code: 0, stdout: "chain 31337: resumed\n" });
    expect(route).toMatchObject({ code: 0, stdout: "route 31338-31337: resumed\n" });
    expect(await opsOn(store, "paused")).toMatchObject({ code: 0, stdout: "nothing is paused\n" });
    expect(await controlsView(store)).toEqual({ paused: [], held: [] });
  });
});

describe("npm run ops on a public stage: the tables come from --table", () => {
  it("pauses and lists through the tables the flags name when the manifest names none, as a public stage's does", async () => {
    const store = await freshStore();
    // As `npm run deploy` writes a public stage's manifest: no tables (in AWS the functions get them from SST links).
    const bare = path.join(path.dirname(store.manifestFile), "public-manifest.json");
    writeFileSync(bare, JSON.stringify({ ...store.manifest, dynamo: { ...store.manifest.dynamo, tables: {} } }));
    const { tableNames } = store.dynamo;
    const tables = (["jobs", "cursors", "payments", "nonces"] as const).flatMap((key) => [
      "--table",
      `${key}=${tableNames[key]}`,
    ]);
    const withoutFlags = await runOps(["paused", "--manifest", bare, "--config", configFile]);
    expect(withoutFlags.code).toBe(2);
    expect(withoutFlags.stderr).toContain("ops: manifest has no jobs table");
    const pause = await runOps([
      "pause",
      "chain",
      "31337",
      "--reason",
      "rpc outage",
      "--manifest",
      bare,
      "--config",
      configFile,
      ...tables,
    ]);
    expect(pause).toMatchObject({ code: 0, stdout: "chain 31337: paused\n" });
    // The pause is in the table the flag named, where the functions read it.
    expect(await controlRecords(store)).toBe(1);
  });
});

/** One store for the runs that must write nothing (its cursor table stays empty): created once, on first use. */
let quietStore: Promise<Store> | undefined;
const quiet = (): Promise<Store> => {
  quietStore ??= freshStore();
  return quietStore;
};

describe.concurrent("npm run ops: bad input exits 2 with a clear message and writes nothing", () => {
  const refused = [
    { args: ["pause", "chain", "31337"], message: "pause needs --reason" },
    { args: ["pause", "route", "1-x", "--reason", "r"], message: `expected "chain <chainId>", "route` },
    { args: ["pause", "chain", "abc", "--reason", "r"], message: `expected "chain <chainId>", "route` },
    { args: ["pause", "chain", "31337", "--reason", " "], message: "pause needs --reason" },
    { args: ["pause", "chain", "99999", "--reason", "r"], message: "chain:99999 is not in the stage config" },
    { args: ["paused", "--table", "jobz=Jobs"], message: "--table jobz=Jobs: expected <key>=<table name>" },
  ];
  for (const { args, message } of refused) {
    const shown = args.map((arg) => (/^\S+$/.test(arg) ? arg : JSON.stringify(arg))).join(" ");
    it(`ops ${shown}: "${message}"`, async () => {
      const store = await quiet();
      const run = await opsOn(store, ...args);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`ops: ${message}`);
      expect(run.stdout).toBe("");
      expect(await controlRecords(store)).toBe(0);
    });
  }

  it(`ops sideways: 'unknown command "sideways"', named before any file is read (the manifest is missing)`, async () => {
    const run = await runOps(["sideways", "--manifest", path.join(tmpdir(), "no-such-dir", "manifest.json")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`ops: unknown command "sideways"`);
  });

  it(`ops paused --config <missing>: "cannot read <missing>"`, async () => {
    const missing = path.join(tmpdir(), "no-such-dir", "stage.json");
    const run = await runOps(["paused", "--manifest", (await quiet()).manifestFile, "--config", missing]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`ops: cannot read ${missing}`);
  });

  it(`ops retry nope: "no job nope"`, async () => {
    const run = await opsOn(await quiet(), "retry", "nope");
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("ops: no job nope");
  });
});

describe.concurrent("npm run ops: help and jobs", () => {
  it("--help prints the usage and exits 0", async () => {
    const run = await runOps(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage:");
    expect(run.stdout).toContain("npm run ops -- pause chain <chainId> --reason R");
  });

  it('jobs with no dead letters prints "no dead-lettered jobs"', async () => {
    const run = await opsOn(await quiet(), "jobs");
    expect(run).toMatchObject({ code: 0, stdout: "no dead-lettered jobs\n" });
  });

  it("--json prints one JSON document per command, for scripts", async () => {
    const store = await freshStore();
    const jobs = await opsOn(store, "jobs", "--status", "failed", "--json");
    expect(jobs.code).toBe(0);
    expect(JSON.parse(jobs.stdout)).toEqual({ status: "failed", jobs: [] });
    const pause = await opsOn(store, "pause", "chain", "31337", "--reason", "escrow upgrade", "--json");
    expect(JSON.parse(pause.stdout)).toEqual({ scope: "chain 31337", paused: true });
    const paused = await opsOn(store, "paused", "--json");
    expect(JSON.parse(paused.stdout)).toEqual({
      paused: [{ scope: "chain:31337", reason: "escrow upgrade", pausedAt: expect.stringMatching(`^${ISO}$`) }],
    });
    const resume = await opsOn(store, "resume", "chain", "31337", "--json");
    expect(JSON.parse(resume.stdout)).toEqual({ scope: "chain 31337", paused: false });
  });
});

describe.concurrent("npm run ops: the process's exit codes", SPAWNING, () => {
  it("--help exits 0 with the usage on stdout", async () => {
    const run = await spawnOps(["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("npm run ops -- pause chain <chainId> --reason R");
  });

  it("a refused command exits 2 with the reason on stderr and writes nothing", async () => {
    const store = await quiet();
    const run = await spawnOps(["pause", "chain", "99999", "--reason", "r", "--manifest", store.manifestFile]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("ops: chain:99999 is not in the stage config");
    expect(run.stdout).toBe("");
    expect(await controlRecords(store)).toBe(0);
  });

  it("a paused chain is listed by the next process: the pause is in the store, not in the process", async () => {
    const store = await freshStore();
    expect(
      await spawnOps(["pause", "chain", "31337", "--reason", "escrow upgrade", "--manifest", store.manifestFile]),
    ).toMatchObject({
      code: 0,
      stdout: "chain 31337: paused\n",
    });
    expect((await spawnOps(["paused", "--manifest", store.manifestFile])).stdout).toMatch(
      new RegExp(`^chain:31337  since ${ISO}  escrow upgrade\n$`),
    );
  });
});
