import { bytesToHex, type Clock, type CursorStore, type Hex, type Job, type JobIntake, jobIds } from "@slabridge/core";
import { splitVaa, type VaaId, VaaNotYetAvailableError } from "@slabridge/wormhole";
import { afterBytes, uint32At } from "./hexParts.ts";

/** What one emitter scan found. */
export interface WatchSolanaEmitterResult {
  /** Deliver-message jobs created (a VAA seen before creates none). */
  messages: number;
  /** The next sequence the following scan starts at. */
  nextSequence: bigint;
}

/** Wormhole chain id of Solana, where slabridge's Solana emitter publishes. */
export const SOLANA_WORMHOLE_CHAIN = 1;

/** What {@link watchSolanaEmitter} reads and writes. */
export interface WatchSolanaEmitterOptions {
  /** slabridge chain id of the cluster (the jobs' source). */
  chainId: number;
  /** slabridge's emitter on the cluster (bytes32). */
  wormholeEmitter: Hex;
  guardian: { getSignedVaa(id: VaaId, options?: { maxAttempts?: number }): Promise<Uint8Array> };
  cursors: CursorStore;
  clock: Clock;
  intake: JobIntake;
  /** Whether a messenger delivers to this chain (a chain of the deployment that does not take messages itself). */
  delivers(chainId: number): boolean;
}

/**
 * Scans the guardian API for slabridge's Solana emitter messages (Wormhole chain 1, sequences from 0, no gaps) from
 * its cursor `solana:emitter:<emitter>` (block = next sequence) and turns each VAA into a deliver-message job to the
 * chain named in the payload's first 4 bytes. Stops at the first sequence not yet signed (404). Job ids are the VAA
 * id, so a rescan creates nothing twice. A message to a chain we do not serve is skipped.
 *
 * @example const { messages } = await watchSolanaEmitter({ chainId, wormholeEmitter, guardian, cursors, clock, intake, delivers });
 */
export async function watchSolanaEmitter(
  options: WatchSolanaEmitterOptions,
  maxPerPass = 100,
): Promise<WatchSolanaEmitterResult> {
  const emitter = options.wormholeEmitter.slice(2).toLowerCase();
  const cursorId = `solana:emitter:${emitter}`;
  const cursor = await options.cursors.get(cursorId);
  let sequence = cursor?.block ?? 0n;
  let version = cursor?.version;
  let messages = 0;
  for (let n = 0; n < maxPerPass; n++) {
    const id = { chain: SOLANA_WORMHOLE_CHAIN, emitter, sequence };
    let bytes: Uint8Array;
    try {
      bytes = await options.guardian.getSignedVaa(id, { maxAttempts: 1 });
    } catch (error) {
      if (error instanceof VaaNotYetAvailableError) break;
      throw error;
    }
    const parts = splitVaa(bytes);
    const payload = parts ? bytesToHex(parts.payload) : "0x";
    // Our payload is `uint32 destination || message`; anything shorter is not ours to deliver.
    const destination = uint32At(payload);
    if (destination !== undefined && options.delivers(destination)) {
      const now = options.clock.now();
      const messageId = `${SOLANA_WORMHOLE_CHAIN}/${emitter}/${sequence}`;
      const job: Job = {
        id: jobIds.wormholeMessage({ emitterChain: SOLANA_WORMHOLE_CHAIN, emitter, sequence }),
        kind: "deliver-message",
        status: "observed",
        version: 1,
        source: {
          chainId: options.chainId,
          transaction: sequence.toString(),
          block: sequence,
          blockHash: `0x${emitter}`,
          index: 0,
        },
        destinationChainId: destination,
        transport: "wormhole",
        payload: afterBytes(payload, 4),
        messageRef: {
          transport: "wormhole",
          messageId,
          sourceChainId: options.chainId,
          sourceTransaction: sequence.toString(),
        },
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      };
      if ((await options.intake.ingest(job)) === "created") messages++;
    }
    const next = sequence + 1n;
    // The job exists before the cursor moves past it, so a crash here only rescans (and finds the job exists).
    const moved = await options.cursors.advance(
      { id: cursorId, block: next, blockHash: `0x${emitter}`, version: (version ?? 0) + 1 },
      version,
    );
    if (!moved) break; // a concurrent scan owns the cursor now; it carries on from where it is
    version = (version ?? 0) + 1;
    sequence = next;
  }
  return { messages, nextSequence: sequence };
}
