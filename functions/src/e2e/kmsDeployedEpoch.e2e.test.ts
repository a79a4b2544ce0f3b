import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type KeyReference, parseDeploymentManifest } from "@slabridge/core";
import { runDeployCli } from "@slabridge/deploy";
import { demoMeasurements, devnetPaymentChainRoutes, epochsOf } from "@slabridge/devnet/testing";
import type { Address, Hex } from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { readStageFiles } from "../context/stageFiles.ts";
import { botHarnessForSuite } from "./testing/botHarness.ts";

const REPO = path.resolve(import.meta.dirname, "../../..");
const A = 31_337;
const B = 31_338;
const MODEL = 1n; // the slowP95 demo host: p95 900 ms against a 500 ms SLA
const RELEASED = 2;
const bot = botHarnessForSuite({
  // The default devnet: every operator role a key in the loopback KMS, the contracts deployed by the deploy plan.
  devnet: { signer: "kms", epochSeconds: 3, hosts: ["slowP95"] },
  stage: { routes: devnetPaymentChainRoutes(A, B, "layerzero") },
});

/** `npm run deploy` in process, with the devnet's KMS as AWS_ENDPOINT_URL_KMS. */
async function deploy(argv: string[], kmsEndpoint: string) {
  let out = "";
  let err = "";
  const code = await runDeployCli(argv, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    env: { AWS_ENDPOINT_URL_KMS: kmsEndpoint },
    cwd: REPO,
  });
  return { code, out, err };
}

function kmsAddress(ref: KeyReference): Address {
  if (ref.kind !== "kms") throw new Error(`expected a kms key, not ${ref.kind}`);
  return publicKeyToAddress(ref.publicKey as Hex);
}

describe("the devnet deployed through the loopback KMS: npm run deploy's manifest, one epoch through the handlers", () => {
  it("a deploy re-run sends nothing and leaves the manifest byte-identical; the epoch refunds and releases exactly, signed through KMS", async () => {
    const { scenario } = bot;
    const { devnet } = scenario;
    const deployer = devnet.manifest.keys.deployer;
    if (deployer.kind !== "kms" || devnet.kms === undefined) throw new Error("expected a devnet signing through KMS");
    const manifestOut = path.join(devnet.dir, "deployed-manifest.json");
    const args = ["--stage", "devnet", "--devnet-manifest", devnet.manifestPath, "--kms-key", deployer.keyId];
    const allDone = /deploy: (\d+) steps: \1 done, 0 pending, 0 unknown; 0 transactions sent/;
    const first = await deploy([...args, "--manifest", manifestOut], devnet.kms.endpoint);
    expect(first.err).toBe("");
    expect(first.code).toBe(0);
    expect(first.out).toMatch(allDone);
    const written = readFileSync(manifestOut);
    const again = await deploy([...args, "--manifest", manifestOut], devnet.kms.endpoint);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(allDone);
    expect(readFileSync(manifestOut).equals(written)).toBe(true);

    // The handlers run on the manifest the deploy command wrote; its relay keys are KMS keys the node does not hold.
    const manifest = parseDeploymentManifest(JSON.parse(written.toString("utf8")));
    const executor = kmsAddress(manifest.keys.layerZeroExecutor);
    const dvn = kmsAddress(manifest.keys.layerZeroDvn);
    const nodeAccounts = await devnet.evm.clients(A).accounts();
    expect(nodeAccounts).not.toContain(executor);
    expect(nodeAccounts).not.toContain(dvn);
    const w = bot.world({ manifest });

    const payments = await scenario.payEach(A, MODEL, [3n, 2n, 1n]);
    const [e, ...more] = epochsOf(payments);
    expect(more).toEqual([]); // one epoch
    if (!e) throw new Error("no payment");
    const balances = () => Promise.all(payments.map((p) => scenario.balanceOf(A, p.buyer)));
    const before = await balances();
    const client = devnet.evm.clients(A).publicClient;
    const sent = (address: Address) => client.getTransactionCount({ address });
    const [executorBefore, dvnBefore] = await Promise.all([sent(executor), sent(dvn)]);
    await scenario.passEpochs([e]);

    // The probers' report signatures come from their KMS keys too.
    const { refundBps } = await scenario.recordVerdict(MODEL, e.epoch, { measured: demoMeasurements.breachingP95 });
    expect(refundBps).toBe(2_500);
    await scenario.publishVerdict(MODEL, e.epoch, A);
    // The DVN verifies and the executor delivers the verdict to evm-a; the executor refunds, then releases.
    await bot.driveUntil(w, async () => (await scenario.epochRecord(e)).status === RELEASED, {
      rounds: 20,
      pauseMs: 300,
    });

    const after = await balances();
    for (const [i, p] of payments.entries()) {
      expect(after[i]).toBe((before[i] ?? 0n) + (p.amount * 2_500n) / 10_000n);
    }
    const settled = await scenario.epochRecord(e);
    expect(settled.status).toBe(RELEASED);
    expect(settled.count).toBe(3);
    expect(settled.refunded).toBe(payments.reduce((sum, p) => sum + (p.amount * 2_500n) / 10_000n, 0n));
    expect(await sent(dvn)).toBeGreaterThan(dvnBefore);
    expect(await sent(executor)).toBeGreaterThan(executorBefore);
  });

  it("reads a public stage's models from the home chain's registry: its manifest lists none", async () => {
    const { devnet } = bot.scenario;
    // A public stage's manifest, as the deploy command writes it: contracts and keys, no models (hosts mint later).
    const manifestPath = path.join(devnet.dir, "public-manifest.json");
    writeFileSync(manifestPath, JSON.stringify({ ...devnet.manifest, models: [] }));
    const configPath = path.join(devnet.dir, "stage-config.json");
    writeFileSync(configPath, JSON.stringify(bot.config));

    const files = await readStageFiles({ SLABRIDGE_CONFIG: configPath, SLABRIDGE_MANIFEST: manifestPath });
    expect(files.modelsFrom).toBe("registry");
    // Everything the devnet knows of its models, read back from the chain (the registry names no host, only its URL).
    expect(files.manifest.models).toEqual(
      devnet.manifest.models.map((model) => ({ ...model, hostName: new URL(model.hostUrl).hostname })),
    );
    expect(files.manifest.chains).toEqual(devnet.manifest.chains);

    const listed = await readStageFiles({ SLABRIDGE_CONFIG: configPath, SLABRIDGE_MANIFEST: devnet.manifestPath });
    expect(listed.modelsFrom).toBe("manifest");
    expect(listed.manifest.models).toEqual(devnet.manifest.models);
  });
});
