import { type Job, jobIds } from "@slabridge/core";
import { evmChainsOf } from "@slabridge/evm";
import { solanaChainsOf } from "@slabridge/solana";
import { splitVaa, VaaNotYetAvailableError } from "@slabridge/wormhole";
import { bytesToHex, type Hex, hexToNumber, slice } from "viem";
import type { RelayWorld } from "./buildRelayWorld.ts";

/** What one emitter scan found. */
export interface WatchSolanaEmitterResult {
  /** Deliver-message jobs created (a VAA seen before creates none). */
  messages: number;
  /** The next sequence the following scan starts at. */
  nextSequence: bigint;
}

/** Wormhole chain id of Solana, where slabridge's Solana emitter publishes. */
const SOLANA_WORMHOLE_CHAIN = 1;

/**
 * Scans the guardian API for slabridge's Solana emitter messages (Wormhole chain 1, sequences from 0, no gaps) from
 * its cursor `solana:emitter:<emitter>` (block = next sequence) and turns each VAA into a deliver-message job to the
 * chain named in the payload's first 4 bytes. Stops at the first sequence not yet signed (404). Job ids are the VAA
 * id, so a rescan creates nothing twice. A message to a chain we do not serve is skipped.
 *
 * @example const { messages } = await watchSolanaEmitter(world);
 */
export async function watchSolanaEmitter(world: RelayWorld, maxPerPass = 100): Promise<WatchSolanaEmitterResult> {
  const solana = solanaChainsOf(world.manifest)[0];
  if (!solana) return { messages: 0, nextSequence: 0n };
  const emitter = solana.wormholeEmitter.slice(2).toLowerCase();
  const cursorId = `solana:emitter:${emitter}`;
  const served = new Set(evmChainsOf(world.manifest).map((chain) => chain.chainId));
  const cursor = await world.stores.cursors.get(cursorId);
  let sequence = cursor?.block ?? 0n;
  let version = cursor?.version;
  let messages = 0;
  for (let n = 0; n < maxPerPass; n++) {
    const id = { chain: SOLANA_WORMHOLE_CHAIN, emitter, sequence };
    let bytes: Uint8Array;
    try {
      bytes = await world.guardian.getSignedVaa(id, { maxAttempts: 1 });
    } catch (error) {
      if (error instanceof VaaNotYetAvailableError) break;
      throw error;
    }
    const parts = splitVaa(bytes);
    const payload = parts ? bytesToHex(parts.payload) : "0x";
    // Our payload is `uint32 destination || message`; anything shorter is not ours to deliver.
    const destination = payload.length >= 10 ? hexToNumber(slice(payload, 0, 4)) : undefined;
    if (destination !== undefined && served.has(destination)) {
      const now = world.clock.now();
      const messageId = `${SOLANA_WORMHOLE_CHAIN}/${emitter}/${sequence}`;
      const job: Job = {
        id: jobIds.wormholeMessage({ emitterChain: SOLANA_WORMHOLE_CHAIN, emitter, sequence }),
        kind: "deliver-message",
        status: "observed",
        version: 1,
        source: {
          chainId: solana.chainId,
          transaction: sequence.toString(),
          block: sequence,
          blockHash: `0x${emitter}`,
          index: 0,
        },
        destinationChainId: destination,
        transport: "wormhole",
        payload: slice(payload, 4) as Hex,
        messageRef: {
          transport: "wormhole",
          messageId,
          sourceChainId: solana.chainId,
          sourceTransaction: sequence.toString(),
        },
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      };
      if ((await world.engine.ingest(job)) === "created") messages++;
    }
    const next = sequence + 1n;
    // The job exists before the cursor moves past it, so a crash here only rescans (and finds the job exists).
    const moved = await world.stores.cursors.advance(
      { id: cursorId, block: next, blockHash: `0x${emitter}`, version: (version ?? 0) + 1 },
      version,
    );
    if (!moved) break; // a concurrent scan owns the cursor now; it carries on from where it is
    version = (version ?? 0) + 1;
    sequence = next;
  }
  return { messages, nextSequence: sequence };
}
