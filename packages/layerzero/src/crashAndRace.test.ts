import { type MessageRef, NotReadyError, SlabridgeError } from "@slabridge/core";
import { type Devnet, startDevnet } from "@slabridge/devnet";
import { evmChainsOf } from "@slabridge/evm";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LayerZeroTransport } from "./LayerZeroTransport.ts";
import { sentPackets } from "./sentPackets.ts";
import {
  deliveriesOf,
  devnetTransport,
  escrowListing,
  HOME,
  PAYMENT,
  publishFreshListing,
} from "./testing/lzDevnetFixture.ts";

describe("LayerZeroTransport: crashes between steps and racing workers", () => {
  let devnet: Devnet;

  beforeAll(async () => {
    devnet = await startDevnet({ hosts: [], signer: "anvil" });
  });

  afterAll(async () => {
    await devnet?.stop();
  });

  async function publish() {
    const { transport } = devnetTransport(devnet);
    const { modelId, sourceTransaction } = await publishFreshListing(devnet, transport);
    const [ref] = await transport.messagesIn(HOME, sourceTransaction);
    if (!ref) throw new Error("no ref");
    const endpoint = evmChainsOf(devnet.manifest).find((c) => c.chainId === HOME)?.layerZero.endpointV2 as Hex;
    const receipt = await devnet.evm.clients(HOME).publicClient.getTransactionReceipt({ hash: sourceTransaction });
    const [packet] = sentPackets(receipt, endpoint);
    if (!packet) throw new Error("no packet");
    return { modelId, ref, packet };
  }

  const steps = ["verify", "commitVerification", "lzReceive"] as const;

  for (const done of [1, 2]) {
    it(`a worker crashing after ${steps[done - 1]} leaves only the remaining steps to a new instance`, async () => {
      const { modelId, ref, packet } = await publish();

      const crashing = devnetTransport(devnet, { crashAfterSends: done });
      await expect(crashing.transport.deliver(ref, PAYMENT)).rejects.toThrow();
      expect(crashing.sent.map((s) => [s.step, s.status])).toEqual(
        steps.slice(0, done).map((step) => [step, "success"]),
      );
      expect(await crashing.transport.status(ref, PAYMENT)).toBe(done === 2 ? "deliverable" : "in-flight");
      expect((await escrowListing(devnet, modelId)).epochSeconds).toBe(0n);

      // The crashed instance is thrown away; a new one (a new Lambda) resumes from the chain's state alone.
      const fresh = devnetTransport(devnet);
      const outcome = await fresh.transport.deliver(ref, PAYMENT);
      expect(outcome.status).toBe("delivered");
      expect(fresh.sent.map((s) => [s.step, s.status])).toEqual(steps.slice(done).map((step) => [step, "success"]));
      expect(outcome.transactions).toEqual(fresh.sent.map((s) => s.transactionHash));
      expect(await deliveriesOf(devnet, packet.nonce, packet.sender)).toBe(1);
      expect((await escrowListing(devnet, modelId)).epochSeconds).toBe(3600n);
    });
  }

  it("a submitter failing after lzReceive was mined: the re-read shows it delivered; a new instance has nothing to do", async () => {
    const { ref, packet } = await publish();
    const crashing = devnetTransport(devnet, { crashAfterSends: 3 });
    // The submitter threw, but the destination shows the step done, so the transport reports it delivered.
    expect((await crashing.transport.deliver(ref, PAYMENT)).status).toBe("delivered");
    expect(crashing.sent.map((s) => s.step)).toEqual(["verify", "commitVerification", "lzReceive"]);
    const fresh = devnetTransport(devnet);
    expect(await fresh.transport.deliver(ref, PAYMENT)).toEqual({ transactions: [], status: "delivered" });
    expect(await deliveriesOf(devnet, packet.nonce, packet.sender)).toBe(1);
  });

  it("two workers delivering the same packet concurrently: one lzReceive, both end delivered without error", async () => {
    const { modelId, ref, packet } = await publish();
    const a = devnetTransport(devnet);
    const b = devnetTransport(devnet);

    const [outA, outB] = await Promise.all([a.transport.deliver(ref, PAYMENT), b.transport.deliver(ref, PAYMENT)]);
    expect(outA.status).toBe("delivered");
    expect(outB.status).toBe("delivered");
    const lzReceives = [...a.sent, ...b.sent].filter((s) => s.step === "lzReceive" && s.status === "success");
    expect(lzReceives).toHaveLength(1);
    expect(await deliveriesOf(devnet, packet.nonce, packet.sender)).toBe(1);
    expect((await escrowListing(devnet, modelId)).epochSeconds).toBe(3600n);
    // The commit is done once too: the loser of each race re-reads the state and moves on.
    const commits = [...a.sent, ...b.sent].filter((s) => s.step === "commitVerification" && s.status === "success");
    expect(commits).toHaveLength(1);
  });

  it("a worker whose step was refused because another worker did it re-reads until its reads show it, then ends delivered", async () => {
    const { modelId, ref, packet } = await publish();
    // The winner delivers; the loser comes right behind it. The node that refuses the loser's lzReceive has the
    // winner's block, but the loser's re-read lands on a block before it (an RPC replica one block behind; on anvil,
    // the moment between a mined block's state and its number). It must not take the refusal for a failure.
    const winner = devnetTransport(devnet);
    expect((await winner.transport.deliver(ref, PAYMENT)).status).toBe("delivered");
    const lagMs = 600;
    const loser = devnetTransport(devnet, { destinationReadsLag: { chainId: PAYMENT, blocks: 1n, forMs: lagMs } });
    const started = Date.now();
    const outcome = await loser.transport.deliver(ref, PAYMENT);
    expect(outcome).toEqual({ transactions: [], status: "delivered" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(lagMs - 50); // it waited for its reads to catch up
    expect(loser.sent).toEqual([]);
    expect(await deliveriesOf(devnet, packet.nonce, packet.sender)).toBe(1);
    expect((await escrowListing(devnet, modelId)).epochSeconds).toBe(3600n);
  });

  it("a later packet of a pathway waits for the earlier one's commit instead of reverting on nonce order", async () => {
    const first = await publish();
    const second = await publish();
    // The later packet's worker starts first, the earlier one's right after: as two jobs of one queue batch do.
    const later = devnetTransport(devnet);
    const earlier = devnetTransport(devnet);
    const laterDelivery = later.transport.deliver(second.ref, PAYMENT);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [outLater, outEarlier] = await Promise.all([laterDelivery, earlier.transport.deliver(first.ref, PAYMENT)]);
    expect([outLater.status, outEarlier.status]).toEqual(["delivered", "delivered"]);
    // No lzReceive was sent, or even tried, before the nonce before it was committed.
    expect(later.sent.filter((s) => s.status !== "success")).toEqual([]);
    for (const { packet, modelId } of [first, second]) {
      expect(await deliveriesOf(devnet, packet.nonce, packet.sender)).toBe(1);
      expect((await escrowListing(devnet, modelId)).epochSeconds).toBe(3600n);
    }
  });

  it("a later packet whose earlier one nobody delivers is not ready (parked without spending an attempt), not failed", async () => {
    const stuck = await publish();
    const next = await publish();
    const worker = devnetTransport(devnet, { earlierNonceWaitMs: 300 });
    const error = await worker.transport.deliver(next.ref, PAYMENT).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).message).toContain(`nonce ${stuck.packet.nonce}`);
    expect(worker.sent.map((s) => s.step)).not.toContain("lzReceive");
    // Once the earlier packet is delivered, the later one goes through.
    expect((await devnetTransport(devnet).transport.deliver(stuck.ref, PAYMENT)).status).toBe("delivered");
    expect((await worker.transport.deliver(next.ref, PAYMENT)).status).toBe("delivered");
  });

  it("a torn view (the attestation in, yet 'not verifiable' although slabridge's DVN alone suffices) is read again, not taken as waiting for other DVNs", async () => {
    const { ref, packet } = await publish();
    // anvil answers a read "at block N" from the block it is mining when N was the head (seen here: 676 of 4,433
    // paired reads differed under load), so concurrent workers saw this view and stopped at "in-flight".
    // The first read is before the DVN's verify (truly not verifiable); the second, after it, is torn.
    const worker = devnetTransport(devnet, { tornVerifiable: { chainId: PAYMENT, skip: 1, times: 1 } });
    const outcome = await worker.transport.deliver(ref, PAYMENT);
    expect(outcome.status).toBe("delivered");
    expect(worker.sent.map((s) => s.step)).toEqual(["verify", "commitVerification", "lzReceive"]);
    expect(await deliveriesOf(devnet, packet.nonce, packet.sender)).toBe(1);
  });

  it("a view that stays contradictory is re-read a bounded number of times, then reported in-flight (the job asks later)", async () => {
    const { ref } = await publish();
    const worker = devnetTransport(devnet, { tornVerifiable: { chainId: PAYMENT, skip: 1, times: 1_000 } });
    expect((await worker.transport.deliver(ref, PAYMENT)).status).toBe("in-flight");
    expect(worker.sent.map((s) => s.step)).toEqual(["verify"]);
    // The next worker, with honest reads, finishes it.
    expect((await devnetTransport(devnet).transport.deliver(ref, PAYMENT)).status).toBe("delivered");
  });

  it("many concurrent workers over several packets deliver each exactly once (retrying what is retryable)", async () => {
    const published = [await publish(), await publish()];
    const workers = Array.from({ length: 4 }, () => devnetTransport(devnet));
    // Packets of one pathway execute in nonce order: a later one waits for the earlier one's commit, and is not ready
    // (retryable) if it does not come in time; the job system asks again, as this does.
    const deliverRetrying = async (transport: LayerZeroTransport, ref: MessageRef) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await transport.deliver(ref, PAYMENT);
        } catch (error) {
          if (!(error instanceof SlabridgeError && error.retryable) || attempt >= 10) throw error;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    };
    const results = await Promise.all(
      published.flatMap(({ ref }) => workers.map(({ transport }) => deliverRetrying(transport, ref))),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => "delivered"));
    for (const { packet, modelId } of published) {
      expect(await deliveriesOf(devnet, packet.nonce, packet.sender)).toBe(1);
      expect((await escrowListing(devnet, modelId)).epochSeconds).toBe(3600n);
    }
  });
});
