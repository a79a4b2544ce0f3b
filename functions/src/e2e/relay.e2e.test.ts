import type { TransportName } from "@slabridge/core";
import { devnetPaymentChainRoutes } from "@slabridge/devnet/testing";
import { createLambdaContext } from "@slabridge/runtime";
import type { SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { createRelayHandler } from "../relay.ts";
import { botHarnessForSuite } from "./testing/botHarness.ts";

const A = 31_337;
const B = 31_338;
const routes = (transport: TransportName) => devnetPaymentChainRoutes(A, B, transport, ["ReceiptBatch", "Verdict"]);
const bot = botHarnessForSuite({
  devnet: { epochSeconds: 3, hosts: ["healthy", "slowP95"] },
  stage: { routes: routes("layerzero"), batching: { maxPaymentsPerReceiptBatch: 2 } },
});

const world = (transport: TransportName) =>
  bot.world({
    config: bot.scenario.stageConfig({ routes: routes(transport), batching: { maxPaymentsPerReceiptBatch: 2 } }),
  });

/** Ends the epoch of evm-a's escrow the payments fell in (only the payment chain's clock decides it). */
async function endEpochOnPaymentChain(model: bigint, epoch: bigint): Promise<void> {
  await bot.scenario.passTime(A, await bot.scenario.escrowEpochEnd({ chainId: A, model, epoch }));
}

describe("relay engine on the devnet, through the Lambda handlers", () => {
  it("relays evm-a's payments to the home chain as receipt batches over LayerZero, each exactly once", async () => {
    const w = world("layerzero");
    const { epoch } = await bot.scenario.pay(A, 1n, 0, 3n);
    await bot.scenario.pay(A, 1n, 1, 2n);
    await bot.scenario.pay(A, 1n, 2, 1n);
    await endEpochOnPaymentChain(1n, epoch);
    // Eight rounds usually; more when a loaded machine slows the LayerZero steps (verify, commit, receive).
    await bot.driveUntil(w, async () => (await bot.scenario.revenue(1n, epoch, A)).batches === 2n, { rounds: 16 });
    const recorded = await bot.scenario.revenue(1n, epoch, A);
    expect(recorded.payments).toBe(3n);
    expect(recorded.total).toBe(60_000n);
    // 3 payments in batches of at most 2: two batches, the second final.
    expect(recorded.batches).toBe(2n);
    expect(await bot.jobsIn("dead-lettered")).toEqual([]);

    // Duplicate queue deliveries and extra passes change nothing.
    bot.send(...(await bot.jobsIn("confirmed")).map((job) => job.id));
    await bot.drive(w, 2);
    expect((await bot.scenario.revenue(1n, epoch, A)).total).toBe(60_000n);
  }, 120_000);

  it("reads each fee-paying key's native balance on each EVM chain, as the watcher reports it to the balance alarms", async () => {
    const w = world("layerzero");
    for (const chainId of [A, B]) {
      const chain = w.chains.get(chainId);
      const balances = await chain?.signerBalances?.();
      expect(balances?.map((b) => b.role)).toEqual(["relayer", "dvn"]);
      const client = bot.scenario.devnet.evm.clients(chainId).publicClient;
      for (const { address, balance } of balances ?? []) {
        const wei = await client.getBalance({ address: address as `0x${string}` });
        expect(balance).toBeCloseTo(Number(wei) / 1e18, 9);
        expect(balance).toBeGreaterThan(0);
      }
    }
  });

  it("relays over Wormhole when the route says so (VAAs from the devnet guardian)", async () => {
    const w = world("wormhole");
    const { epoch } = await bot.scenario.pay(A, 2n, 0, 4n);
    await endEpochOnPaymentChain(2n, epoch);
    await bot.drive(w, 8);
    const recorded = await bot.scenario.revenue(2n, epoch, A);
    expect(recorded.total).toBe(40_000n);
    expect(recorded.payments).toBe(1n);
    const wormholeJobs = (await bot.jobsIn("confirmed")).filter((job) => job.id.startsWith("deliver-message:wh:"));
    expect(wormholeJobs.length).toBeGreaterThan(0);
  }, 120_000);

  it("rejects a malformed queue message with a partial batch failure and changes nothing", async () => {
    const relay = createRelayHandler(async () => world("layerzero"));
    const before = (await bot.jobsIn("confirmed")).length;
    const event: Pick<SQSEvent, "Records"> = {
      Records: [
        { messageId: "bad-1", body: "not json" },
        { messageId: "bad-2", body: JSON.stringify({ jobId: 42 }) },
      ].map((record) => ({ ...sqsRecordDefaults, ...record })),
    };
    const response = await relay(
      event,
      createLambdaContext({
        functionName: "relay",
        awsRequestId: `local-${Date.now()}`,
        region: "us-east-1",
        timeoutMs: 120_000,
        memoryLimitInMB: 1024,
        startedAt: Date.now(),
      }),
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(["bad-1", "bad-2"]);
    expect((await bot.jobsIn("confirmed")).length).toBe(before);
  });
});

/** The fields of an SQS record the relay handler does not read. */
const sqsRecordDefaults = {
  receiptHandle: "local",
  attributes: {
    ApproximateReceiveCount: "1",
    SentTimestamp: "0",
    SenderId: "local",
    ApproximateFirstReceiveTimestamp: "0",
  },
  messageAttributes: {},
  md5OfBody: "",
  eventSource: "aws:sqs",
  eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:relay",
  awsRegion: "us-east-1",
};
