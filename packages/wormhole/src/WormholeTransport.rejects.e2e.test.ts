import { wormholeMessengerAbi } from "@slabridge/contracts";
import { MalformedMessageError, SOLANA_CHAIN_ID, UnknownKindError, UnsupportedVersionError } from "@slabridge/core";
import { submitTransaction, wormholeCoreAbi } from "@slabridge/devnet";
import { type Address, type Hex, pad, parseEventLogs, toHex } from "viem";
import { generatePrivateKey } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessengerRevert } from "./decodeMessengerRevert.ts";
import { AlreadyDeliveredError } from "./errors/AlreadyDeliveredError.ts";
import { ForgedVaaError } from "./errors/ForgedVaaError.ts";
import { MalformedPayloadError } from "./errors/MalformedPayloadError.ts";
import { UntrustedEmitterError } from "./errors/UntrustedEmitterError.ts";
import { WrongDestinationError } from "./errors/WrongDestinationError.ts";
import {
  HOME_CHAIN,
  PAYMENT_CHAIN,
  type RecordingSubmitter,
  receiptBatch,
  startWormholeDevnet,
  type WormholeDevnet,
} from "./testing/devnetWormhole.ts";
import { signTestVaa } from "./testing/signTestVaa.ts";
import { formatVaaId } from "./vaaId.ts";

let world: WormholeDevnet;
/** Sequences far above anything evm-a's messenger publishes, for VAAs the tests sign as that emitter. */
let nextSequence = 1_000_000n;

beforeAll(async () => {
  world = await startWormholeDevnet();
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

const homeClient = () => world.devnet.evm.clients(HOME_CHAIN).publicClient;
const messengerA = () => pad(world.chain(PAYMENT_CHAIN).contracts.wormholeMessenger).toLowerCase() as Hex;
const batchMessage = (total = 5_000n) => world.encode(receiptBatch(1n, 500n + nextSequence, PAYMENT_CHAIN, total));

/** Signs `uint32 destination || message` as evm-a's messenger with the devnet guardian (a validly signed VAA). */
const signAsMessengerA = (destination: number, message: Hex) =>
  world.signExternal({
    emitter: messengerA(),
    chain: world.chain(PAYMENT_CHAIN).wormhole.chainId,
    destination,
    message,
    sequence: nextSequence++,
  });

/** Runs `attempt`, expects it to fail, and checks nothing was sent: no submitter call, no new block on evm-b. */
async function refusedOffChain(submitter: RecordingSubmitter, attempt: () => Promise<unknown>): Promise<unknown> {
  const before = await homeClient().getBlockNumber();
  const error = await attempt().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect(submitter.sent).toHaveLength(0);
  expect(await homeClient().getBlockNumber()).toBe(before);
  return error;
}

/** What the home messenger itself says to `receiveVaa(bytes)` (eth_call, nothing mined). */
async function onChainVerdict(bytes: Uint8Array): Promise<string | undefined> {
  try {
    await homeClient().simulateContract({
      address: world.chain(HOME_CHAIN).contracts.wormholeMessenger,
      abi: wormholeMessengerAbi,
      functionName: "receiveVaa",
      args: [toHex(bytes)],
    });
    return "accepted";
  } catch (error) {
    return decodeMessengerRevert(error, HOME_CHAIN)?.errorName;
  }
}

describe("WormholeTransport refuses bad VAAs before spending gas", () => {
  it("a VAA signed by a random key, served by the guardian API", async () => {
    const { transport, submitter } = world.transport();
    const sequence = nextSequence++;
    const forged = await signTestVaa(
      {
        emitterChain: world.chain(PAYMENT_CHAIN).wormhole.chainId,
        emitter: messengerA(),
        sequence,
        payload: world.payload(HOME_CHAIN, batchMessage()),
      },
      [generatePrivateKey()],
    );
    const { id } = world.devnet.guardian.store.put(forged);
    const ref = {
      transport: "wormhole" as const,
      messageId: formatVaaId(id),
      sourceChainId: PAYMENT_CHAIN,
      sourceTransaction: "0x",
    };

    const error = await refusedOffChain(submitter, () => transport.deliver(ref, HOME_CHAIN));
    expect(error).toBeInstanceOf(ForgedVaaError);
    expect(error).toMatchObject({ reason: "signature", retryable: false });
    expect(await transport.status(ref, HOME_CHAIN)).toBe("failed");
    expect(await onChainVerdict(forged)).toBe("InvalidVaa");
  });

  it("a VAA from another emitter publishing through the same core", async () => {
    const { transport, submitter } = world.transport();
    const a = world.chain(PAYMENT_CHAIN);
    const clientsA = world.devnet.evm.clients(PAYMENT_CHAIN);
    const intruder = world.relayers[1] as Address;
    const receipt = await submitTransaction(clientsA.publicClient, "publishMessage", () =>
      clientsA.wallet(intruder).writeContract({
        address: a.wormhole.core,
        abi: wormholeCoreAbi,
        functionName: "publishMessage",
        args: [0, toHex(world.payload(HOME_CHAIN, batchMessage())), 1],
      }),
    );
    const [published] = parseEventLogs({ abi: wormholeCoreAbi, eventName: "LogMessagePublished", logs: receipt.logs });
    if (!published) throw new Error("nothing published");
    // The messenger finds no message of its own in that transaction.
    expect(await transport.messagesIn(PAYMENT_CHAIN, receipt.transactionHash)).toEqual([]);

    const ref = {
      transport: "wormhole" as const,
      messageId: formatVaaId({
        chain: a.wormhole.chainId,
        emitter: pad(intruder).slice(2),
        sequence: published.args.sequence,
      }),
      sourceChainId: PAYMENT_CHAIN,
      sourceTransaction: receipt.transactionHash,
    };
    const error = await refusedOffChain(submitter, () => transport.deliver(ref, HOME_CHAIN));
    expect(error).toBeInstanceOf(UntrustedEmitterError);
    expect(error).toMatchObject({ emitterChain: a.wormhole.chainId, emitter: pad(intruder).toLowerCase() });
    expect(await transport.status(ref, HOME_CHAIN)).toBe("failed");
  });

  it("a payload changed after the guardians signed it", async () => {
    const { transport, submitter } = world.transport();
    const { vaaBytes } = await signAsMessengerA(HOME_CHAIN, batchMessage(5_000n));
    const tampered = vaaBytes.slice();
    // The total's last byte (total is followed by paymentsRoot and finalBatch): 5,000 -> 5,001, a valid message
    // that is no longer the signed one.
    const totalLastByte = tampered.length - 1 - 64;
    tampered[totalLastByte] = (tampered[totalLastByte] ?? 0) ^ 1;
    const error = await refusedOffChain(submitter, () => transport.redeemVaa(tampered, HOME_CHAIN));
    expect(error).toBeInstanceOf(ForgedVaaError);
    expect(await onChainVerdict(tampered)).toBe("InvalidVaa");
  });

  it("a truncated payload, a payload too short to name a destination, an unknown version or kind", async () => {
    const { transport, submitter } = world.transport();
    const full = batchMessage();
    const cases: Array<[Hex, (new (...args: never[]) => Error) | undefined]> = [
      [full.slice(0, -20) as Hex, MalformedMessageError],
      [`0x02${full.slice(4)}`, UnsupportedVersionError],
      [`0x0107${full.slice(6)}`, UnknownKindError],
    ];
    for (const [message, codecError] of cases) {
      const { vaaBytes } = await signAsMessengerA(HOME_CHAIN, message);
      const error = await refusedOffChain(submitter, () => transport.redeemVaa(vaaBytes, HOME_CHAIN));
      expect(error).toBeInstanceOf(MalformedPayloadError);
      expect(error).toHaveProperty("cause", expect.any(codecError));
    }
    // two bytes of payload: not even a destination
    const { vaaBytes: short } = await world.devnet.guardian.submitExternalMessage({
      emitter: messengerA(),
      chain: world.chain(PAYMENT_CHAIN).wormhole.chainId,
      payload: new Uint8Array([0x7a, 0x6a]),
      sequence: nextSequence++,
    });
    expect(await refusedOffChain(submitter, () => transport.redeemVaa(short, HOME_CHAIN))).toBeInstanceOf(
      MalformedPayloadError,
    );
    expect(await onChainVerdict(short)).toBe("MalformedPayload");
  });

  it("a VAA addressed to another chain", async () => {
    const { transport, submitter } = world.transport();
    for (const destination of [PAYMENT_CHAIN, SOLANA_CHAIN_ID]) {
      const { vaaBytes, ref } = await signAsMessengerA(destination, batchMessage());
      const error = await refusedOffChain(submitter, () => transport.redeemVaa(vaaBytes, HOME_CHAIN));
      expect(error).toBeInstanceOf(WrongDestinationError);
      expect(error).toMatchObject({ destination, expected: HOME_CHAIN });
      expect(await transport.status(ref, HOME_CHAIN)).toBe("failed");
      expect(await onChainVerdict(vaaBytes)).toBe("WrongDestination");
    }
  });

  it("a replay of a delivered VAA: refused off-chain, and on-chain with AlreadyDelivered", async () => {
    const { transport: relayer } = world.transport();
    const { vaaBytes, ref } = await signAsMessengerA(HOME_CHAIN, batchMessage(7_000n));
    const first = await relayer.redeemVaa(vaaBytes, HOME_CHAIN);
    expect(first).toMatchObject({ deliveredBy: "this-call" });
    expect(first.transactions).toHaveLength(1);

    const { transport, submitter } = world.transport();
    const error = await refusedOffChain(submitter, () => transport.redeemVaa(vaaBytes, HOME_CHAIN));
    expect(error).toBeInstanceOf(AlreadyDeliveredError);
    expect(error).toMatchObject({ vaaHash: first.verified.hash, retryable: false });
    expect(await onChainVerdict(vaaBytes)).toBe("AlreadyDelivered");
    // through the port, a replay is simply "delivered", with nothing sent
    expect(await transport.deliver(ref, HOME_CHAIN)).toEqual({ transactions: [], status: "delivered" });
    expect(submitter.sent).toHaveLength(0);
  });
});
