import type { DeploymentManifest } from "../config/deploymentManifest.ts";
import type { StageConfig } from "../config/stageConfig.ts";
import type { Clock, CreateJobResult, CursorStore } from "../ports/ports.ts";
import { jobIds } from "./jobIds.ts";
import type { Job } from "./jobTypes.ts";

/** Where new jobs go: the relay engine stores each (once: ids are deterministic) and puts it on the relay queue. */
export interface JobIntake {
  ingest(job: Job): Promise<CreateJobResult>;
}

/** What {@link createEpochReceiptJobs} reads and writes. */
export interface EpochReceiptJobsWorld {
  manifest: Pick<DeploymentManifest, "homeChainId" | "models">;
  config: Pick<StageConfig, "routes">;
  cursors: CursorStore;
  clock: Clock;
  intake: JobIntake;
}

/** Where the payment chain's clock stands, by which its epochs end. */
export interface ChainClock {
  /** slabridge chain id of the payment chain. */
  chainId: number;
  /** Unix seconds on that chain (an EVM block's timestamp; wall time for Solana). */
  nowSeconds: bigint;
  /** The block (or 0) and hash (or a label) the jobs' source records. */
  block: bigint;
  blockHash: string;
}

/**
 * Creates one relay-receipts job per model per epoch that ended on the payment chain since the last pass (a cursor
 * per chain and model keeps the last epoch handled). Ids are deterministic, so an overlapping pass creates nothing
 * twice. Returns how many jobs were new.
 *
 * @example await createEpochReceiptJobs(world, { chainId: 31337, nowSeconds: block.timestamp, block: block.number, blockHash: block.hash });
 */
export async function createEpochReceiptJobs(world: EpochReceiptJobsWorld, clock: ChainClock): Promise<number> {
  const route = world.config.routes.find(
    (r) => r.source === clock.chainId && r.destination === world.manifest.homeChainId && r.kind === "ReceiptBatch",
  );
  if (!route) return 0;
  const now = world.clock.now();
  let created = 0;
  for (const model of world.manifest.models) {
    if (clock.nowSeconds < BigInt(model.genesis)) continue;
    const current = (clock.nowSeconds - BigInt(model.genesis)) / BigInt(model.epochSeconds);
    const cursorId = `epochs:${clock.chainId}:${model.modelId}`;
    const cursor = await world.cursors.get(cursorId);
    // A fresh bot starts with the last ended epoch; older ones are the operator's call (no silent mass backfill).
    const first = cursor ? cursor.block + 1n : current > 0n ? current - 1n : 0n;
    for (let epoch = first; epoch < current; epoch++) {
      const job: Job = {
        id: jobIds.relayReceipts({ chainId: clock.chainId, modelId: BigInt(model.modelId), epoch }),
        kind: "relay-receipts",
        status: "observed",
        version: 1,
        source: {
          chainId: clock.chainId,
          transaction: `epoch-end:${model.modelId}:${epoch}`,
          block: clock.block,
          blockHash: clock.blockHash,
          index: 0,
        },
        destinationChainId: world.manifest.homeChainId,
        transport: route.transport,
        payload: "0x",
        epochRef: { modelId: BigInt(model.modelId), epoch },
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      };
      if ((await world.intake.ingest(job)) === "created") created++;
    }
    if (current > first) {
      await world.cursors.advance(
        { id: cursorId, block: current - 1n, blockHash: clock.blockHash, version: (cursor?.version ?? 0) + 1 },
        cursor?.version,
      );
    }
  }
  return created;
}
