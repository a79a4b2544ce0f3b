import { CreateKeyCommand, GetPublicKeyCommand } from "@aws-sdk/client-kms";
import { type KeyReference, MemoryUsageReceiptStore, MemoryVoucherCheckpointStore } from "@slabridge/core";
import {
  type AnvilInstance,
  createDevnetClients,
  type DemoHost,
  type DevnetClients,
  deployDevnetStablecoin,
  devnetFacilitatorSigner,
  placeX402StandIn,
  type StablecoinDeployment,
  startAnvil,
  startDemoHost,
  startLocalKms,
} from "@slabridge/devnet";
import { anvilDevAccount, evmPayingFetch } from "@slabridge/evm";
import {
  createGateway,
  type LoopbackServer,
  localFacilitatorClient,
  MemoryChannelRecordStore,
  serveOnLoopback,
  VersionedChannelStorage,
} from "@slabridge/gateway";
import type { ProbeRoundPayload, ProberWorld } from "@slabridge/measuring";
import { recordProbeRound } from "@slabridge/measuring";
import { FakeHomeChain, inProcessProbers, measureConfig } from "@slabridge/measuring/testing";
import { MemorySampleStore } from "@slabridge/store";
import { x402Facilitator } from "@x402/core/facilitator";
import { BatchSettlementEvmScheme as BatchSettlementFacilitator } from "@x402/evm/batch-settlement/facilitator";
import { bytesToHex, erc20Abi } from "viem";
import { generatePrivateKey, privateKeyToAccount, publicKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKmsClient } from "../createKmsClient.ts";
import { buildProbePayer, type ProbePaidCall } from "./buildProbePayer.ts";

const CHAIN_ID = 31_337;
const NETWORK = `eip155:${CHAIN_ID}` as const;
/** Anvil dev accounts: the funded prober payer, an unfunded one, and a buyer. */
const PAYER = 5;
const BROKE = 6;
const BUYER = 7;
const devAccount = (index: number) => {
  const account = anvilDevAccount(index);
  return { account, ref: { kind: "anvil-dev-account" as const, index, address: account.address } };
};

/**
 * Probers as paying clients: a gateway on a loopback anvil (x402 stand-in placed) in front of loopback demo hosts,
 * probed by `recordProbeRound` with the prober's own payer (`buildProbePayer`: the stock x402 EVM client). What the
 * gateway forwards is recorded at the host, to compare a probe with a buyer's call.
 */
describe("probes through an x402 gateway (loopback anvil)", () => {
  let anvil: AnvilInstance;
  let clients: DevnetClients;
  let token: StablecoinDeployment;
  let hosts: DemoHost[] = [];
  let recorder: LoopbackServer;
  let server: LoopbackServer;
  const seenHeaders: string[][] = [];
  const gatewaySeenHeaders: string[] = [];
  const paid: ProbePaidCall[] = [];

  beforeAll(async () => {
    anvil = await startAnvil({ chainId: CHAIN_ID });
    clients = createDevnetClients({ rpcUrl: anvil.rpcUrl, chainId: CHAIN_ID });
    const [deployer, relayer] = await clients.accounts();
    if (deployer === undefined || relayer === undefined) throw new Error("anvil has too few accounts");
    token = await deployDevnetStablecoin({
      clients,
      deployer,
      fund: [devAccount(PAYER).account.address, devAccount(BUYER).account.address],
      mintAmount: 10_000_000n,
    });
    await placeX402StandIn(clients);
    const healthy = await startDemoHost({ name: "h1", model: "demo-model-1", latency: { baseMs: 5 }, failureRate: 0 });
    const hanging = await startDemoHost({
      name: "h2",
      model: "demo-model-2",
      latency: { baseMs: 5 },
      failureRate: 1,
      failureMode: "timeout",
    });
    hosts = [healthy, hanging];
    // The healthy host behind a recorder of the request headers it receives.
    recorder = await serveOnLoopback(async (request) => {
      seenHeaders.push([...request.headers.keys()].sort());
      const url = new URL(request.url);
      return fetch(`${healthy.url}${url.pathname}`, {
        method: "POST",
        headers: request.headers,
        body: await request.arrayBuffer(),
      });
    });
    const facilitator = localFacilitatorClient(
      new x402Facilitator().register(
        NETWORK,
        new BatchSettlementFacilitator(
          devnetFacilitatorSigner(clients, relayer),
          privateKeyToAccount(generatePrivateKey()),
        ),
      ),
    );
    const model = (key: string, modelId: bigint, name: string, hostUrl: string, hostTimeoutMs: number) => ({
      key,
      model: name,
      modelId,
      network: NETWORK,
      asset: token.address,
      assetName: token.name,
      assetVersion: "2",
      payTo: privateKeyToAccount(generatePrivateKey()).address,
      hostUrl,
      hostTimeoutMs,
      price: { perInputToken: 3n, perOutputToken: 7n, ceiling: 5_000n },
      sla: { p95LatencyMs: 500, uptimeBps: 9_900, refundTiers: [{ breachBps: 0, refundBps: 2_500 }] },
      clock: { genesis: 0n, epochSeconds: 3_600n },
      rateLimit: { burst: 50, perSecond: 50 },
    });
    const gateway = await createGateway({
      models: [
        model("healthy", 1n, "demo-model-1", recorder.url, 2_000),
        model("hanging", 2n, "demo-model-2", hanging.url, 300),
      ],
      facilitator,
      storage: new VersionedChannelStorage(new MemoryChannelRecordStore()),
      checkpoints: new MemoryVoucherCheckpointStore(),
      usageReceipts: new MemoryUsageReceiptStore(),
      receiptSigner: privateKeyToAccount(generatePrivateKey()),
    });
    // The gateway behind a recorder of every request header name it receives.
    server = await serveOnLoopback((request) => {
      gatewaySeenHeaders.push(...request.headers.keys());
      return gateway.handle(request);
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await recorder?.close();
    await Promise.all(hosts.map((host) => host.close()));
    await anvil?.stop();
  });

  const proberWorld = (
    vantage: string,
    payerIndex: number,
    samples: MemorySampleStore,
    payerKey?: { ref: KeyReference; kms: ReturnType<typeof createKmsClient> },
  ): ProberWorld => {
    const probing = measureConfig().probing;
    if (!probing) throw new Error("no probing");
    const clock = { now: () => Date.now() };
    const home = new FakeHomeChain({ chainId: 31_338, nowMs: clock.now, models: new Map() });
    const world = inProcessProbers({ probing, samples, clock, home }).proberWorld(vantage);
    const payer = buildProbePayer({
      ref: payerKey?.ref ?? devAccount(payerIndex).ref,
      vantage,
      rpcUrls: new Map([[CHAIN_ID, anvil.rpcUrl]]),
      onPaid: (call) => paid.push(call),
      kms: payerKey?.kms,
    });
    return { ...world, payer };
  };

  const round = (at: number, key: string, modelId: string, timeoutMs: number): ProbeRoundPayload => ({
    roundId: String(at),
    scheduledAt: at,
    targets: [
      {
        modelId,
        epoch: "9",
        endpoint: modelId === "1" ? recorder.url : (hosts[1]?.url ?? ""),
        model: `demo-model-${modelId}`,
        timeoutMs,
        gateway: { url: `${server.url}/models/${key}`, chainId: CHAIN_ID },
      },
    ],
  });
  const noJitter = { startJitterMs: 0 };

  it("a healthy host: the warm-up call opens the channel unrecorded (the host is probed directly meanwhile), then each probe is a paid ok sample with no deposit in it", async () => {
    const samples = new MemorySampleStore();
    const world = proberWorld("a", PAYER, samples);
    const first = await recordProbeRound(world, "a", round(1_700_000_000_000, "healthy", "1", 2_000), noJitter);
    expect(first).toMatchObject({ warmUps: 1, probed: 1, recorded: 1, outcomes: { ok: 1 }, skipped: [] });
    expect(paid).toHaveLength(1); // the warm-up only: the first round's probe went to the listed endpoint
    const second = await recordProbeRound(world, "a", round(1_700_000_001_000, "healthy", "1", 2_000), noJitter);
    expect(second).toMatchObject({ warmUps: 0, recorded: 1, outcomes: { ok: 1 }, skipped: [] });
    const sample = await samples.get(1n, 9n, "a#1700000001000#1");
    expect(sample).toMatchObject({ ok: true, outcome: "ok", status: 200 });
    // Paid from the payer's one channel: the warm-up and the probe (an ok carrying a deposit would have been skipped).
    expect(paid).toHaveLength(2);
    expect(new Set(paid.map((call) => call.channelId)).size).toBe(1);
    expect(paid[0]?.buyer).toBe(devAccount(PAYER).account.address);
  }, 60_000);

  it("a payer key in KMS pays as an anvil key does: its vouchers and deposit authorization signed through kms:Sign", async () => {
    const kms = await startLocalKms();
    try {
      const client = createKmsClient({ region: "us-east-1", endpoint: kms.endpoint });
      const created = await client.send(new CreateKeyCommand({ KeySpec: "ECC_SECG_P256K1", KeyUsage: "SIGN_VERIFY" }));
      const keyId = created.KeyMetadata?.KeyId ?? "";
      const der = (await client.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey ?? new Uint8Array();
      // The uncompressed point ends the DER SubjectPublicKeyInfo (0x04 || x || y).
      const publicKey = bytesToHex(der.slice(-65));
      const address = publicKeyToAddress(publicKey);
      // Funded with the stablecoin by a buyer: a payer holds no ETH (the facilitator sends the deposit).
      const buyer = devAccount(BUYER).account.address;
      const hash = await clients.wallet(buyer).writeContract({
        address: token.address,
        abi: erc20Abi,
        functionName: "transfer",
        args: [address, 1_000_000n],
      });
      await clients.publicClient.waitForTransactionReceipt({ hash });

      const before = paid.length;
      const samples = new MemorySampleStore();
      const world = proberWorld("c", PAYER, samples, { ref: { kind: "kms", keyId, publicKey }, kms: client });
      await recordProbeRound(world, "c", round(1_700_000_004_000, "healthy", "1", 2_000), noJitter);
      const probe = await recordProbeRound(world, "c", round(1_700_000_005_000, "healthy", "1", 2_000), noJitter);
      expect(probe).toMatchObject({ recorded: 1, outcomes: { ok: 1 }, skipped: [] });
      const mine = paid.slice(before);
      expect(mine).toHaveLength(2);
      expect(mine.every((call) => call.buyer === address)).toBe(true);
    } finally {
      await kms.stop();
    }
  }, 60_000);

  it("a host that times out behind the gateway is a timeout sample (the gateway's host_timeout)", async () => {
    const samples = new MemorySampleStore();
    const world = proberWorld("b", PAYER, samples);
    // Its warm-up cannot open a channel (the host never answers): the prober probes it directly meanwhile.
    const direct = await recordProbeRound(world, "b", round(1_700_000_002_000, "hanging", "2", 1_000), noJitter);
    expect(direct).toMatchObject({ warmUps: 1, recorded: 1, outcomes: { timeout: 1 } });
    expect(direct.skipped[0]?.reason).toMatch(/^warm-up: timeout/);
    // A prober that holds an open channel to it (the host failed after it was opened): the gateway's 504 is the host's.
    world.payer?.met.add(`${server.url}/models/hanging`);
    const paidProbe = await recordProbeRound(world, "b", round(1_700_000_003_000, "hanging", "2", 1_500), noJitter);
    expect(paidProbe).toMatchObject({ recorded: 1, outcomes: { timeout: 1 }, skipped: [] });
    expect(await samples.get(2n, 9n, "b#1700000003000#2")).toMatchObject({
      ok: false,
      outcome: "timeout",
      status: 504,
    });
  }, 60_000);

  it("a prober whose payer cannot pay records nothing through the gateway and reports why", async () => {
    const samples = new MemorySampleStore();
    const world = proberWorld("c", BROKE, samples);
    const warmUp = await recordProbeRound(world, "c", round(1_700_000_004_000, "healthy", "1", 2_000), noJitter);
    expect(warmUp.skipped[0]?.reason).toMatch(/^warm-up: the gateway refused the payment: .*insufficient_balance/);
    world.payer?.met.add(`${server.url}/models/healthy`);
    const result = await recordProbeRound(world, "c", round(1_700_000_005_000, "healthy", "1", 2_000), noJitter);
    expect(result).toMatchObject({ probed: 0, recorded: 0, warmUps: 0 });
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]?.reason).toMatch(/refused the payment: .*insufficient_balance/);
    expect(result.skipped[0]?.reason).not.toMatch(/0x[0-9a-f]{64}/i);
    expect(await samples.get(1n, 9n, "c#1700000005000#1")).toBeUndefined();
  }, 60_000);

  it("the host sees a paid probe exactly as it sees a buyer's call", async () => {
    const samples = new MemorySampleStore();
    const world = proberWorld("a", PAYER, samples);
    world.payer?.met.add(`${server.url}/models/healthy`);
    seenHeaders.length = 0;
    await recordProbeRound(world, "a", round(1_700_000_006_000, "healthy", "1", 5_000), noJitter);
    const probeSeen = seenHeaders.at(-1);
    const buyer = evmPayingFetch({
      account: devAccount(BUYER).account,
      publicClient: clients.publicClient,
      chainId: CHAIN_ID,
    });
    const response = await buyer(`${server.url}/models/healthy/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "demo-model-1", prompt: "What is an SLA?", max_tokens: 32 }),
    });
    expect(response.status).toBe(200);
    expect(seenHeaders).toHaveLength(2);
    expect(seenHeaders[1]).toEqual(probeSeen);
    // The payer's own call marker never leaves the prober: not to the gateway (unpaid, paid or retried requests).
    expect(gatewaySeenHeaders).toContain("payment-signature");
    expect(gatewaySeenHeaders.filter((name) => name.startsWith("x-slabridge"))).toEqual([]);
  }, 60_000);
});
