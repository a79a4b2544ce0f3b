import { MemoryUsageReceiptStore, MemoryVoucherCheckpointStore, type SlaTerms } from "@slabridge/core";
import { createDevnetClients, devnetFacilitatorSigner } from "@slabridge/devnet";
import { x402Facilitator } from "@x402/core/facilitator";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { BatchSettlementEvmScheme as BatchSettlementFacilitator } from "@x402/evm/batch-settlement/facilitator";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { MemoryChannelRecordStore } from "../channels/MemoryChannelRecordStore.ts";
import { VersionedChannelStorage } from "../channels/VersionedChannelStorage.ts";
import { createGateway } from "../createGateway.ts";
import { localFacilitatorClient } from "../http/localFacilitatorClient.ts";
import type { SlaTermsSource } from "./SlaTermsCache.ts";

const CHAIN_ID = 31_337;
const NETWORK = `eip155:${CHAIN_ID}` as const;
const EPOCH_MS = 60_000;
const terms = (maxP95LatencyMs: number): SlaTerms => ({
  maxP95LatencyMs,
  minUptimeBps: 9_900,
  probeTimeoutMs: 2_000,
  latencyBreachRefundBps: 2_500,
  tiers: [{ uptimeBelowBps: 9_900, refundBps: 1_000 }],
});

/**
 * The 402's SLA terms from a source read per model and epoch: no chain is reached (an unpaid call asks nothing of the
 * facilitator), the clock is the test's.
 */
async function gatewayWith(source: SlaTermsSource, clock: { ms: number }, errors: unknown[]) {
  // Nothing listens there: a 402 never reaches the chain.
  const clients = createDevnetClients({ rpcUrl: "http://127.0.0.1:9", chainId: CHAIN_ID });
  const relayer = privateKeyToAccount(generatePrivateKey()).address;
  const receiver = privateKeyToAccount(generatePrivateKey()).address;
  return createGateway({
    models: [
      {
        key: "llama",
        model: "llama-demo",
        modelId: 7n,
        network: NETWORK,
        asset: privateKeyToAccount(generatePrivateKey()).address,
        assetName: "USD Coin",
        assetVersion: "2",
        payTo: receiver,
        receiverAuthorizer: receiver,
        hostUrl: "http://127.0.0.1:9",
        price: { perInputToken: 1n, perOutputToken: 1n, ceiling: 100n },
        clock: { genesis: 0n, epochSeconds: BigInt(EPOCH_MS / 1_000) },
        rateLimit: { burst: 10, perSecond: 10 },
      },
    ],
    facilitator: localFacilitatorClient(
      new x402Facilitator().register(
        NETWORK,
        new BatchSettlementFacilitator(devnetFacilitatorSigner(clients, relayer)),
      ),
    ),
    storage: new VersionedChannelStorage(new MemoryChannelRecordStore()),
    checkpoints: new MemoryVoucherCheckpointStore(),
    usageReceipts: new MemoryUsageReceiptStore(),
    receiptSigner: privateKeyToAccount(generatePrivateKey()),
    slaTerms: source,
    now: () => clock.ms,
    monotonicNow: () => clock.ms,
    onError: (error) => errors.push(error),
  });
}

async function slaShown(gateway: Awaited<ReturnType<typeof createGateway>>): Promise<unknown> {
  const response = await gateway.handle(
    new Request("http://gw/models/llama/v1/chat/completions", { method: "POST", body: "{}" }),
  );
  expect(response.status).toBe(402);
  const [accept] = decodePaymentRequiredHeader(response.headers.get("payment-required") ?? "").accepts;
  expect(accept?.extra).toMatchObject({ slabridge: { model: "llama-demo", modelId: "7" } });
  return (accept?.extra?.slabridge as Record<string, unknown> | undefined)?.sla;
}

describe("SLA terms in the 402", () => {
  it("shows the running epoch's terms, read once per epoch, and the new ones from the epoch they change in", async () => {
    const reads: bigint[] = [];
    const source: SlaTermsSource = {
      termsAt: async (modelId, epoch) => {
        expect(modelId).toBe(7n);
        reads.push(epoch);
        return terms(epoch < 3n ? 500 : 800);
      },
    };
    const clock = { ms: 2 * EPOCH_MS + 1_000 };
    const errors: unknown[] = [];
    const gateway = await gatewayWith(source, clock, errors);
    for (let call = 0; call < 5; call++) {
      expect(await slaShown(gateway)).toMatchObject({ asOfEpoch: "2", maxP95LatencyMs: 500 });
    }
    expect(reads).toEqual([2n]);
    clock.ms = 3 * EPOCH_MS;
    expect(await slaShown(gateway)).toMatchObject({ asOfEpoch: "3", maxP95LatencyMs: 800, minUptimeBps: 9_900 });
    expect(await slaShown(gateway)).toMatchObject({ asOfEpoch: "3", maxP95LatencyMs: 800 });
    expect(reads).toEqual([2n, 3n]);
    expect(errors).toEqual([]);
  });

  it("goes out without terms while the read fails (told to onError), retries after the backoff, then shows them without a restart", async () => {
    let homeDown = true;
    let reads = 0;
    const source: SlaTermsSource = {
      termsAt: async () => {
        reads++;
        if (homeDown) throw new Error("home chain unreachable");
        return terms(600);
      },
    };
    const clock = { ms: 1_000 };
    const errors: unknown[] = [];
    const gateway = await gatewayWith(source, clock, errors);
    expect(await slaShown(gateway)).toBeUndefined();
    expect(errors).toHaveLength(1);
    // Within the backoff nothing is read again.
    clock.ms += 1_000;
    expect(await slaShown(gateway)).toBeUndefined();
    expect(reads).toBe(1);
    homeDown = false;
    clock.ms += 5_000;
    expect(await slaShown(gateway)).toMatchObject({ asOfEpoch: "0", maxP95LatencyMs: 600 });
    expect(reads).toBe(2);
    expect(await slaShown(gateway)).toMatchObject({ maxP95LatencyMs: 600 });
    expect(reads).toBe(2);
    expect(errors).toHaveLength(1);
  });
});
