import type {
  ChainStatusReader,
  EpochSettlementQuery,
  HomeChainStatusReader,
  Job,
  SentMessageView,
  VerdictView,
} from "@slabridge/core";
import { MemoryJobStore } from "@slabridge/store";
import { describe, expect, it } from "vitest";
import { readEpochStatus } from "./readEpochStatus.ts";
import { readModels } from "./readModels.ts";
import { routeStatusRequest } from "./routeStatusRequest.ts";
import type { StatusWorld } from "./StatusWorld.ts";

const NOW = Date.UTC(2026, 10, 27, 12);
const hash = (byte: string): `0x${string}` => `0x${byte.repeat(32)}`;
const address = (byte: string): `0x${string}` => `0x${byte.repeat(20)}`;
const TERMS = {
  maxP95LatencyMs: 500,
  minUptimeBps: 9_900,
  probeTimeoutMs: 2_000,
  latencyBreachRefundBps: 2_500,
  tiers: [{ uptimeBelowBps: 9_900, refundBps: 1_000 }],
};
const VERDICT: VerdictView = {
  refundBps: 2_500,
  reportHash: hash("aa"),
  samplesRoot: hash("bb"),
  recordedAt: 1_700_000_100n,
  report: {
    p50Ms: 100,
    p95Ms: 600,
    p99Ms: 900,
    uptimeBps: 10_000,
    sampleCount: 40,
    receiptCount: 0,
    receiptsRoot: `0x${"00".repeat(32)}`,
  },
  transaction: { chainId: 31_338, hash: hash("cc"), blockNumber: 120n },
  signatures: null,
};
const SENT: SentMessageView = {
  message: "Verdict",
  destinationChainId: 31_337,
  transport: "layerzero",
  messageId: hash("dd"),
  sourceChainId: 31_338,
  sourceTransaction: hash("ee"),
  jobId: `deliver-message:lz:${hash("dd")}`,
};

/** A home chain (31338) with one model at epoch 9 and a payment chain (31337); records what it was asked. */
function world(options: { verdict?: VerdictView | null; jobs?: MemoryJobStore } = {}) {
  const asked: { fromBlock?: bigint; settlement: EpochSettlementQuery[] } = { settlement: [] };
  const home: HomeChainStatusReader = {
    latestTimestamp: async () => 1_700_000_095n,
    currentEpoch: async () => 9n,
    host: async () => ({ endpoint: "https://host.example/v1?key=secretsecretsecret", signer: address("11") }),
    epochWindow: async (_modelId, epoch) => ({
      startsAt: 1_700_000_000n + 10n * epoch,
      endsAt: 1_700_000_010n + 10n * epoch,
    }),
    slaTerms: async () => TERMS,
    verdict: async () => (options.verdict === undefined ? VERDICT : options.verdict),
    messagesSent: async ({ fromBlock }) => {
      asked.fromBlock = fromBlock;
      return [SENT];
    },
  };
  const payment: ChainStatusReader = {
    chainId: 31_337,
    name: "evm-a",
    settlement: {
      epochSettlement: async (query) => {
        asked.settlement.push(query);
        return { family: "evm", chainId: 31_337, name: "evm-a", escrow: address("99"), listed: false };
      },
      epochMoney: async () => ({
        chainId: 31_337,
        paid: 0n,
        refunded: 0n,
        paidOut: 0n,
        refundsDone: false,
        released: undefined,
      }),
    },
  };
  const w: StatusWorld = {
    manifest: {
      homeChainId: 31_338,
      models: [
        {
          modelId: "1",
          homeChainId: 31_338,
          genesis: 1_700_000_000,
          epochSeconds: 10,
          hostName: "healthy",
          hostUrl: "http://127.0.0.1:9001",
          pricePerRequest: "10000",
        },
      ],
    },
    config: { stage: "devnet", chains: [] },
    stores: { jobs: options.jobs ?? new MemoryJobStore({ clock: { now: () => NOW } }) },
    chains: [payment, { chainId: 31_338, name: "evm-b", home }],
    clock: { now: () => NOW },
  };
  return { world: w, asked };
}

function refundJob(id: string): Job {
  return {
    id,
    kind: "refund",
    version: 1,
    status: "observed",
    source: { chainId: 31_337, transaction: hash("ab"), block: 100n, blockHash: hash("cd"), index: 2 },
    destinationChainId: 31_337,
    transport: "layerzero",
    payload: "0x",
    epochRef: { modelId: 1n, epoch: 7n },
    attempts: 0,
    createdAt: NOW,
    updatedAt: NOW,
  };
}

describe("readEpochStatus over ChainStatusReaders", () => {
  it("joins the home chain's verdict and sent messages, each payment chain's settlement and the epoch's jobs", async () => {
    const jobs = new MemoryJobStore({ clock: { now: () => NOW } });
    await jobs.create(refundJob("refund:31337:1:7"));
    const { world: w, asked } = world({ jobs });
    const view = await readEpochStatus(w, 1n, 7n);
    expect(view).toMatchObject({
      modelId: 1n,
      epoch: 7n,
      homeChainId: 31_338,
      startsAt: 1_700_000_070n,
      endsAt: 1_700_000_080n,
      ended: true,
      sla: TERMS,
      verdict: VERDICT,
      deliveries: [{ ...SENT, status: "not-seen" }],
      settlement: [{ family: "evm", chainId: 31_337, listed: false }],
    });
    expect(view.jobs.map((job) => job.id)).toEqual(["refund:31337:1:7"]);
    // Publications are searched from the verdict's block; each payment chain learns the verdict's refund share.
    expect(asked.fromBlock).toBe(120n);
    expect(asked.settlement).toEqual([{ modelId: 1n, epoch: 7n, refundBps: 2_500 }]);
  });

  it("reads no messages before a verdict, and answers 404 for unknown models and epochs not started", async () => {
    const { world: w, asked } = world({ verdict: null });
    const view = await readEpochStatus(w, 1n, 9n);
    expect(view).toMatchObject({ verdict: null, deliveries: [], ended: false });
    expect(asked.fromBlock).toBeUndefined();
    expect(asked.settlement).toEqual([{ modelId: 1n, epoch: 9n, refundBps: undefined }]);
    await expect(readEpochStatus(w, 2n, 1n)).rejects.toMatchObject({ name: "StatusNotFoundError", kind: "model" });
    await expect(readEpochStatus(w, 1n, 10n)).rejects.toMatchObject({ name: "StatusNotFoundError", kind: "epoch" });
  });

  it("refuses a model whose home chain has no reader", async () => {
    const { world: w } = world();
    const headless: StatusWorld = { ...w, chains: w.chains.filter((chain) => !chain.home) };
    await expect(readEpochStatus(headless, 1n, 7n)).rejects.toMatchObject({ name: "StatusConfigError" });
    const { statusCode } = await routeStatusRequest(async () => headless, {
      method: "GET",
      path: "/models",
      query: {},
    });
    expect(statusCode).toBe(500);
  });
});

describe("readModels over ChainStatusReaders", () => {
  it("lists each model with its host (endpoint scrubbed), current epoch, its end and its terms", async () => {
    const { models } = await readModels(world().world);
    expect(models).toEqual([
      {
        modelId: 1n,
        name: "healthy",
        homeChainId: 31_338,
        host: { endpoint: expect.not.stringContaining("secretsecretsecret"), signer: address("11") },
        genesis: 1_700_000_000,
        epochSeconds: 10,
        pricePerRequest: 10_000n,
        currentEpoch: 9n,
        currentEpochEndsAt: 1_700_000_100n,
        sla: TERMS,
      },
    ]);
  });
});
