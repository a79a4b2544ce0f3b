// The relay bot on the devnet, for the relay sections: the devnet (anvils with the real LayerZero V2 and Wormhole
// contracts, the local DynamoDB, the guardian), the DynamoDB stores, the local runtime's relay queue, and relay worlds
// built as a Lambda container builds them, driven through the Lambda handlers (watch, relay queue, retry) as
// `npm start` runs them. The bench only listens: every EVM send's submission time (a sender hook) and every
// transport delivery (its transactions and times) are recorded; nothing the relay does is replaced.
import { type Devnet, devnetStablecoinAbi, startDevnet } from "@slabridge/devnet";
import { DevnetScenario, devnetPaymentChainRoutes } from "@slabridge/devnet/testing";
import type { Address, Hex } from "viem";
import { escrowAbi } from "../../../contracts/artifacts/index.ts";
import { buildRelayWorld, type RelayWorld } from "../../../functions/src/context/buildRelayWorld.ts";
import { createRelayHandler } from "../../../functions/src/relay.ts";
import { createRetryHandler } from "../../../functions/src/retry.ts";
import { createWatchEvmHandler } from "../../../functions/src/watchEvm.ts";
import type { TransportName } from "../../../packages/core/src/index.ts";
import { EvmSenderRegistry, type EvmSenderRequest } from "../../../packages/evm/src/index.ts";
import { LocalRuntime, QueueConsumer } from "../../../packages/runtime/src/index.ts";
import { createStores, type DynamoStores } from "../../../packages/store/src/index.ts";

/** Wall clock in milliseconds with sub-millisecond resolution (jobs stamp `Date.now()`: same origin). */
export const wallMs = (): number => performance.timeOrigin + performance.now();

/** One transport delivery of one message, as the relay engine made it (possibly over several `deliver` calls). */
export interface Delivery {
  readonly transport: TransportName;
  readonly messageId: string;
  readonly destinationChainId: number;
  /** When the first `deliver` call started and the last one returned (wall ms). */
  firstCallAt: number;
  lastReturnAt: number;
  /** `deliver` calls that threw (the engine records the failure and retries the job later). */
  failedCalls: number;
  readonly transactions: string[];
}

/** Devnets still running: the runner stops them on Ctrl-C and at the end. */
const running = new Set<DevnetRelay>();
export async function stopDevnetRelays(): Promise<void> {
  shared = undefined;
  await Promise.allSettled([...running].map((r) => r.stop()));
}

let shared: Promise<DevnetRelay> | undefined;
/**
 * The devnet the relay sections share within one bench run (each case uses epochs of its own), started on first use
 * and stopped by the runner at the end ({@link stopDevnetRelays}): one devnet start instead of one per section.
 */
export function sharedDevnetRelay(): Promise<DevnetRelay> {
  shared ??= DevnetRelay.start().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

const DEVNET_EPOCH_SECONDS = 3_600; // payments of one case always fall in one epoch; the bench ends it by hand
const BUYER_ALLOWANCE = 10n ** 30n;

/**
 * A devnet with the relay bot around it, for one bench section.
 *
 * @example
 * const relay = await DevnetRelay.start();
 * try { const w = relay.world("layerzero", 1); ... } finally { await relay.stop(); }
 */
export class DevnetRelay {
  readonly scenario: DevnetScenario;
  readonly stores: DynamoStores;
  readonly runtime: LocalRuntime;
  /** Submission time (wall ms) of every EVM transaction the relay's senders broadcast, by hash. */
  readonly submissions = new Map<string, { at: number; chainId: number }>();
  /**
   * When each watch pass ended (wall ms). The local driver drains the queue only after the whole pass; in AWS the
   * relay function takes a job as soon as the watcher queues it, so that wait is the driver's, not the relay's.
   */
  readonly watchPassEnds: number[] = [];
  /** Deliveries by message id. */
  readonly deliveries = new Map<string, Delivery>();
  readonly senders: EvmSenderRegistry;
  readonly paymentChainId: number;
  readonly modelId: bigint;
  #stopped = false;

  private constructor(devnet: Devnet) {
    this.scenario = new DevnetScenario(devnet);
    this.stores = createStores({
      endpoint: devnet.manifest.dynamo.endpoint ?? "",
      region: "us-east-1",
      tableNames: devnet.dynamo.tableNames,
    });
    this.runtime = new LocalRuntime();
    this.runtime.addQueue("relay-dlq");
    this.runtime.addQueue("relay", { visibilityTimeout: 60, maxReceiveCount: 5, dlq: "relay-dlq" });
    const submissions = this.submissions;
    // The process registry's senders keep their first options; a registry of our own adds the timing hook.
    this.senders = new (class extends EvmSenderRegistry {
      override sender(request: EvmSenderRequest) {
        const chainId = request.client.chain.id;
        const inner = request.onSubmitted;
        return super.sender({
          ...request,
          onSubmitted: async (submission) => {
            submissions.set(submission.hash, { at: wallMs(), chainId });
            await inner?.(submission);
          },
        });
      }
    })();
    const home = this.scenario.homeChainId;
    const payment = this.scenario.evmChains().find((c) => c.chainId !== home);
    const model = this.scenario.manifest.models[0];
    if (payment === undefined || model === undefined) throw new Error("the devnet has no payment chain or no model");
    this.paymentChainId = payment.chainId;
    this.modelId = BigInt(model.modelId);
  }

  /** Starts a devnet with one demo model (epochs of an hour: each case ends its epoch itself). */
  static async start(): Promise<DevnetRelay> {
    const devnet = await startDevnet({ epochSeconds: DEVNET_EPOCH_SECONDS, hosts: ["healthy"], signer: "anvil" });
    try {
      const relay = new DevnetRelay(devnet);
      running.add(relay);
      return relay;
    } catch (error) {
      await devnet.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    running.delete(this);
    await this.runtime.stop();
    this.stores.destroy();
    await this.scenario.devnet.stop();
  }

  /** A relay world relaying the payment chain's receipts home over `transport`, `maxPaymentsPerReceiptBatch` each. */
  world(transport: TransportName, maxPaymentsPerReceiptBatch: number): RelayWorld {
    const { scenario } = this;
    const config = scenario.stageConfig({
      routes: devnetPaymentChainRoutes(this.paymentChainId, scenario.homeChainId, transport, ["ReceiptBatch"]),
      batching: { maxPaymentsPerReceiptBatch },
    });
    const world = buildRelayWorld({
      manifest: scenario.manifest,
      config,
      stores: this.stores,
      rpcUrls: new Map(config.chains.map((chain) => [chain.chainId, scenario.rpcUrl(chain.chainId)])),
      enqueue: async (jobId) => {
        this.runtime.queue("relay").send(JSON.stringify({ jobId }));
      },
      senders: this.senders,
    });
    for (const name of ["layerzero", "wormhole"] as const) this.#listen(name, world);
    return world;
  }

  /** Records each delivery of the world's transport (the engine calls the same instance). */
  #listen(name: TransportName, world: RelayWorld): void {
    const transport = world.transports[name];
    const deliver = transport.deliver.bind(transport);
    transport.deliver = async (ref, destinationChainId) => {
      const started = wallMs();
      const delivery: Delivery = this.deliveries.get(ref.messageId) ?? {
        transport: name,
        messageId: ref.messageId,
        destinationChainId,
        firstCallAt: started,
        lastReturnAt: started,
        failedCalls: 0,
        transactions: [],
      };
      this.deliveries.set(ref.messageId, delivery);
      try {
        const result = await deliver(ref, destinationChainId);
        delivery.transactions.push(...result.transactions);
        return result;
      } catch (error) {
        delivery.failedCalls++;
        throw error;
      } finally {
        delivery.lastReturnAt = wallMs();
      }
    };
  }

  /**
   * Rounds of what the deployed bot does on its schedules, until `done` holds: a block on each chain (anvils mine
   * only on transactions), the EVM watch pass, the relay queue drained through the relay handler (SQS-shaped batches
   * of 10), the retry schedule. Returns the rounds it took.
   */
  async drive(w: RelayWorld, done: () => Promise<boolean>, maxRounds: number): Promise<number> {
    const watch = createWatchEvmHandler(async () => w);
    const relay = createRelayHandler(async () => w, {
      idempotency: { tableName: this.scenario.devnet.dynamo.tableNames.idempotency, client: this.stores.client },
    });
    const retry = createRetryHandler(async () => w);
    const consumer = new QueueConsumer({ queue: this.runtime.queue("relay"), handler: relay, batchSize: 10 });
    for (let round = 1; round <= maxRounds; round++) {
      await this.scenario.mine();
      await watch();
      this.watchPassEnds.push(wallMs());
      while ((await consumer.pollOnce()) > 0) {}
      if (await done()) return round;
      await new Promise((resolve) => setTimeout(resolve, 50)); // backoffs of 50-100 ms, the guardian's VAAs
      await retry();
    }
    throw new Error(`the relay did not finish within ${maxRounds} rounds`);
  }

  /** The payment chain's current epoch of the model. */
  currentEpoch(): Promise<bigint> {
    return this.scenario.client(this.paymentChainId).readContract({
      address: this.scenario.escrowOf(this.paymentChainId),
      abi: escrowAbi,
      functionName: "currentEpoch",
      args: [this.modelId],
    });
  }

  /**
   * `count` payments of one request each into the payment chain's escrow, spread over the demo buyers (each approves
   * once), in the current epoch; returns that epoch. Sent one after the other (anvil mines each at once).
   */
  async pay(count: number): Promise<bigint> {
    const { scenario } = this;
    const chainId = this.paymentChainId;
    const escrow = scenario.escrowOf(chainId);
    const { publicClient, wallet } = scenario.devnet.evm.clients(chainId);
    const epoch = await this.currentEpoch();
    const [price] = await publicClient.readContract({
      address: escrow,
      abi: escrowAbi,
      functionName: "termsAt",
      args: [this.modelId, epoch],
    });
    const buyers = scenario.traffic.evmBuyers();
    const token = scenario.chain(chainId).stablecoin.address as Address;
    let last: Hex | undefined;
    for (const buyer of buyers) {
      last = await wallet(buyer).writeContract({
        address: token,
        abi: devnetStablecoinAbi,
        functionName: "approve",
        args: [escrow, BUYER_ALLOWANCE],
      });
    }
    // A fixed limit: the estimate would cost a round trip per payment, and the first payment of an epoch writes fresh slots.
    const gas = 200_000n;
    for (let i = 0; i < count; i++) {
      const buyer = buyers[i % buyers.length] as Address;
      last = await wallet(buyer).writeContract({
        address: escrow,
        abi: escrowAbi,
        functionName: "pay",
        args: [this.modelId, price],
        gas,
      });
    }
    if (last !== undefined) {
      const receipt = await publicClient.waitForTransactionReceipt({ hash: last });
      if (receipt.status !== "success") throw new Error(`payment ${last} reverted`);
    }
    const record = await publicClient.readContract({
      address: escrow,
      abi: escrowAbi,
      functionName: "epochRecord",
      args: [this.modelId, epoch],
    });
    if (BigInt(record.count) < BigInt(count)) {
      throw new Error(`epoch ${epoch} holds ${record.count} payments, expected at least ${count}`);
    }
    return epoch;
  }

  /** Ends `epoch` on the payment chain (its clock decides) and keeps the home chain's clock level with it. */
  async endEpoch(epoch: bigint): Promise<void> {
    const end = await this.scenario.escrowEpochEnd({ chainId: this.paymentChainId, model: this.modelId, epoch });
    await this.scenario.passTime(this.paymentChainId, end);
    await this.scenario.alignClocks();
  }

  /** The home ledger's record of the payment chain's receipts for `epoch`. */
  revenue(epoch: bigint) {
    return this.scenario.revenue(this.modelId, epoch, this.paymentChainId);
  }
}
