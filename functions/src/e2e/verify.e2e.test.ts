import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type Hex, jobIds, keccak256, manifestRpcUrlOf, parseStageConfig } from "@slabridge/core";
import { demoSlaTerms } from "@slabridge/devnet";
import { MemoryBlobStore } from "@slabridge/measuring";
import { formatVerifyResult, verifyEpoch } from "@slabridge/verify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProberWorld } from "../context/measuring/buildProberWorld.ts";
import { readVerdictOverRpc } from "../context/verify/readVerdictOverRpc.ts";
import { createEvaluateHandler } from "../evaluate.ts";
import { createProbeHandler } from "../probe.ts";
import { createProbeCoordinatorHandler } from "../probeCoordinator.ts";
import {
  botHarnessForSuite,
  buildMeasureWorld,
  buildStatusWorld,
  epochEndMs,
  type LocalStatusServer,
  type MeasureWorld,
  type RelayWorld,
  startLocalStatusServer,
} from "./testing/botHarness.ts";

// `npm run verify` on the devnet: the slowP95 host is probed for one epoch by three prober functions, the evaluator
// publishes the evidence and records a 2-of-3 verdict, the relay refunds evm-a's two payments and releases the rest;
// then verify (the function, and the CLI once) checks everything against the chains: all ✓. A stored bundle altered
// afterwards fails with the exact reason.

const A = 31_337;
const EPOCH_SECONDS = 6;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const bot = botHarnessForSuite({
  devnet: { epochSeconds: EPOCH_SECONDS, hosts: ["healthy", "slowP95"] },
  stage: () => {
    const committed = JSON.parse(readFileSync(path.join(repoRoot, "config/devnet.json"), "utf8"));
    return parseStageConfig({
      ...committed,
      retry: { tiersMs: [50, 100], maxAttempts: 5, jitter: 0 },
      probing: { ...committed.probing, evaluationGraceSeconds: 1 },
    });
  },
});
const blobs = new MemoryBlobStore();
let measure: MeasureWorld;
let relay: RelayWorld;
let status: LocalStatusServer;

beforeAll(async () => {
  const { config, stores, runtime, scenario } = bot;
  const samples = stores.samples;
  const probing = config.probing;
  if (!samples || !probing) throw new Error("no sample store or probing config");
  const homeRpcUrl = scenario.rpcUrl(scenario.manifest.homeChainId);
  for (const vantage of probing.vantagePoints) {
    const world = buildProberWorld({
      manifest: scenario.manifest,
      config,
      vantage: vantage.name,
      samples,
      blobs,
      homeRpcUrl,
    });
    runtime.addFunction(
      vantage.functionName,
      createProbeHandler(async () => world, vantage.name),
      { timeoutSeconds: 10 },
    );
  }
  await runtime.start();
  relay = bot.world();
  measure = buildMeasureWorld({
    manifest: scenario.manifest,
    config,
    stores: { samples, nonces: stores.nonces },
    blobs,
    rpcUrls: new Map(config.chains.map((chain) => [chain.chainId, scenario.rpcUrl(chain.chainId)])),
    lambdaEndpoint: runtime.server.url,
  });
  // The status API reads the evaluator's evidence store, as in npm start.
  status = await startLocalStatusServer({
    world: buildStatusWorld({
      manifest: scenario.manifest,
      config,
      stores: { jobs: stores.jobs, payments: stores.payments },
      rpcUrls: new Map(scenario.evmChains().map((chain) => [chain.chainId, manifestRpcUrlOf(chain)])),
      evidence: blobs,
    }),
  });
});

afterAll(async () => {
  await status?.stop();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

describe("npm run verify on the devnet", () => {
  it("passes every check of a measured, refunded and released epoch, and fails a tampered stored bundle by its hash", async () => {
    const { scenario } = bot;
    const slow = BigInt(scenario.manifest.models[1]?.modelId ?? 0);
    const slowHost = scenario.devnet.hosts[1];
    if (!slowHost) throw new Error("the slowP95 demo host is missing");
    // Decisive at 18 samples (see measure.e2e.test.ts): p95 well above the 500 ms SLA.
    slowHost.setConfig({ latency: { baseMs: 40, jitterMs: 20, p95Ms: 900, tailProbability: 0.3 } });

    // Two buyers pay on evm-a at an epoch boundary; the epoch measured is the one the escrow booked them in (its
    // clock is its chain's block time, which can run a little apart from the wall clock the probers keep).
    const clock = await measure.home.modelClock(slow);
    const next = BigInt(Math.floor((Date.now() / 1_000 - Number(clock.genesis)) / EPOCH_SECONDS)) + 1n;
    await sleep(epochEndMs(clock, next - 1n) - Date.now());
    const payments = await scenario.payEach(A, slow, [3n, 1n]);
    const epoch = payments[0]?.epoch ?? -1n;
    expect(payments[1]?.epoch).toBe(epoch);
    const endMs = epochEndMs(clock, epoch);
    const coordinator = createProbeCoordinatorHandler(async () => measure);
    for (let tick = epochEndMs(clock, epoch - 1n); tick < endMs; tick += 1_000) {
      if (tick + 900 < Date.now()) continue; // a round already past when the payments landed
      await sleep(tick + 20 - Date.now());
      await coordinator({ time: new Date(tick).toISOString() });
    }
    await bot.runtime.functions.idle();
    await sleep(endMs + 1_100 - Date.now());
    const { evaluations } = await createEvaluateHandler(async () => measure)();
    const judged = evaluations.find((e) => e.modelId === slow.toString() && e.epoch === epoch.toString());
    expect(judged?.verdict).toBe("submitted");
    expect(judged?.report?.refundBps).toBe(demoSlaTerms.latencyBreachRefundBps);

    // The relay delivers the verdict to evm-a, refunds both payments and releases the rest.
    const settle = jobIds.settle({ chainId: A, modelId: slow, epoch });
    await bot.driveUntil(relay, async () => (await bot.stores.jobs.get(settle))?.status === "confirmed", {
      rounds: 12,
      roundsPerCheck: 2,
    });
    const oracle = scenario.home().contracts.slaOracle as Hex;
    const homeRpcUrl = scenario.rpcUrl(scenario.manifest.homeChainId);
    const run = () =>
      verifyEpoch({ modelId: slow, epoch, statusUrl: status.url, readVerdict: readVerdictOverRpc(homeRpcUrl), oracle });

    const result = await run();
    console.log(formatVerifyResult(result).join("\n"));
    expect(result.checks.filter((c) => c.status !== "pass")).toEqual([]);
    expect(result.ok).toBe(true);
    const passed = result.checks.map((c) => c.check);
    expect(passed).toEqual(
      expect.arrayContaining([
        "bundle hashes to its address",
        "sample signatures",
        "samples root matches the verdict",
        "p95 matches the verdict",
        "report hash (EIP-712) matches the verdict's",
        "verdict signed by a threshold of the oracle's probers",
        "evm-a: refund share applied",
        `evm-a: refunds are 2500 bps of ${payments.reduce((sum, p) => sum + p.amount, 0n)} paid`,
        "evm-a: release is paid minus refunded",
      ]),
    );

    // The CLI, as a buyer runs it, with --json.
    const cli = await promisify(execFile)(
      path.join(repoRoot, "node_modules/.bin/tsx"),
      [
        "functions/src/verify.ts",
        ...["--model", String(slow), "--epoch", String(epoch), "--status-url", status.url],
        ...["--rpc", homeRpcUrl, "--oracle", oracle, "--json"],
      ],
      { cwd: repoRoot },
    );
    const printed = JSON.parse(cli.stdout) as { ok: boolean; checks: { check: string; status: string }[] };
    expect(printed.ok).toBe(true);
    expect(printed.checks.map((c) => c.check)).toEqual(passed);

    // The store's copy altered after publication (one sample's latency): the status API serves the altered bytes,
    // and verify names the mismatch with the published address.
    const address = result.bundle as Hex;
    const stored = new TextDecoder().decode((await blobs.get(address)) ?? new Uint8Array());
    const altered = new TextEncoder().encode(stored.replace(/"rttMs":[0-9.]+/, '"rttMs":1'));
    expect(altered).not.toEqual(new TextEncoder().encode(stored));
    blobs.tamper(address, altered);
    const tampered = await run();
    console.log(formatVerifyResult(tampered).join("\n"));
    expect(tampered.ok).toBe(false);
    expect(tampered.checks.filter((c) => c.status === "fail")[0]).toEqual({
      check: "bundle hashes to its address",
      status: "fail",
      expected: address,
      actual: keccak256(altered),
    });
    expect(tampered.checks.map((c) => `${c.status} ${c.check}`)).toContain("fail samples root matches the verdict");
  }, 120_000);
});
