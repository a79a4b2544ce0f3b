import { encodeMessage, SOLANA_CHAIN_ID } from "@slabridge/core";
import { MemoryCursorStore } from "@slabridge/store";
import { formatVaaId, type VaaId, VaaNotYetAvailableError } from "@slabridge/wormhole";
import { type Address, concat, type Hex, hexToBytes, keccak256, numberToHex, pad } from "viem";
import { generatePrivateKey, privateKeyToAddress, sign } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { SolanaVerdictSource } from "./SolanaVerdictSource.ts";

const HOME_WH = 10_003;
const messenger: Address = "0x4a679253410272dd5232b3ff7cf5dbb88f295319";
const emitter = pad(messenger).toLowerCase() as Hex;
const guardianKey = generatePrivateKey();
const guardianSet = { index: 0, keys: [privateKeyToAddress(guardianKey)] };

/** A v1 VAA (header, one signature, body) signed by `key`: the layout the guardians and the core use. */
async function vaa(fields: { emitter?: Hex; sequence: bigint; payload: Hex; key?: Hex }): Promise<Uint8Array> {
  const body = concat([
    numberToHex(1_700_000_000, { size: 4 }),
    numberToHex(0, { size: 4 }),
    numberToHex(HOME_WH, { size: 2 }),
    fields.emitter ?? emitter,
    numberToHex(fields.sequence, { size: 8 }),
    numberToHex(1, { size: 1 }),
    fields.payload,
  ]);
  const { r, s, yParity } = await sign({ hash: keccak256(keccak256(body)), privateKey: fields.key ?? guardianKey });
  const signature = concat([numberToHex(0, { size: 1 }), r, s, numberToHex(yParity ?? 0, { size: 1 })]);
  return hexToBytes(concat([numberToHex(1, { size: 1 }), numberToHex(0, { size: 4 }), "0x01", signature, body]));
}

const toSolana = (message: Hex): Hex => concat([numberToHex(SOLANA_CHAIN_ID, { size: 4 }), message]);
const verdict = (modelId: bigint, epoch: bigint, refundBps: number, topUp = 0n): Hex =>
  toSolana(encodeMessage({ kind: "Verdict", modelId, epoch, refundBps, reportHash: `0x${"ab".repeat(32)}`, topUp }));
const idOf = (sequence: bigint) => formatVaaId({ chain: HOME_WH, emitter: emitter.slice(2), sequence });

function source(vaas: Map<string, Uint8Array>) {
  const asked: string[] = [];
  const verdicts = new SolanaVerdictSource({
    cursors: new MemoryCursorStore(),
    guardian: {
      getSignedVaa: async (id: VaaId) => {
        const key = formatVaaId(id);
        asked.push(key);
        const bytes = vaas.get(key);
        if (!bytes) throw new VaaNotYetAvailableError(key, 1);
        return bytes;
      },
    },
    guardianSets: { forIndex: async () => guardianSet },
    home: { wormholeChainId: HOME_WH, messenger },
  });
  return { verdicts, asked };
}

describe("SolanaVerdictSource", () => {
  it("knows no verdict until one is recorded and its VAA signed, then verifies it once and caches it", async () => {
    const vaas = new Map<string, Uint8Array>();
    const { verdicts, asked } = source(vaas);
    expect(await verdicts.verified(2n, 7n)).toBeUndefined();
    expect(asked).toEqual([]);
    expect(await verdicts.record(2n, 7n, idOf(0n))).toBe("recorded");
    expect(await verdicts.verified(2n, 7n)).toBeUndefined(); // not signed yet
    vaas.set(idOf(0n), await vaa({ sequence: 0n, payload: verdict(2n, 7n, 2_500) }));
    const found = await verdicts.verified(2n, 7n);
    expect(found).toMatchObject({ modelId: 2n, epoch: 7n, refundBps: 2_500, vaaId: idOf(0n) });
    expect(found?.vaaHash).toMatch(/^0x[0-9a-f]{64}$/);
    // A second record (another publish of the same verdict) keeps the first pointer.
    expect(await verdicts.record(2n, 7n, idOf(5n))).toBe("exists");
    expect(await verdicts.verified(2n, 7n)).toEqual(found);
    expect(asked).toEqual([idOf(0n), idOf(0n)]); // cached once verified
  });

  it("refuses a VAA not signed by the guardian set, from another emitter, or for another (model, epoch)", async () => {
    const vaas = new Map<string, Uint8Array>();
    const { verdicts } = source(vaas);
    vaas.set(idOf(1n), await vaa({ sequence: 1n, payload: verdict(2n, 8n, 10_000), key: generatePrivateKey() }));
    await verdicts.record(2n, 8n, idOf(1n));
    await expect(verdicts.verified(2n, 8n)).rejects.toMatchObject({ name: "ForgedVaaError", retryable: false });

    const other = pad("0x1111111111111111111111111111111111111111").toLowerCase() as Hex;
    const foreignId = formatVaaId({ chain: HOME_WH, emitter: other.slice(2), sequence: 0n });
    vaas.set(foreignId, await vaa({ emitter: other, sequence: 0n, payload: verdict(2n, 9n, 10_000) }));
    await verdicts.record(2n, 9n, foreignId);
    await expect(verdicts.verified(2n, 9n)).rejects.toMatchObject({ name: "UntrustedEmitterError" });

    vaas.set(idOf(2n), await vaa({ sequence: 2n, payload: verdict(3n, 10n, 500) }));
    await verdicts.record(2n, 10n, idOf(2n));
    await expect(verdicts.verified(2n, 10n)).rejects.toMatchObject({ name: "SolanaVerdictMismatchError" });

    const batch = encodeMessage({
      kind: "ReceiptBatch",
      modelId: 2n,
      epoch: 11n,
      paymentChain: SOLANA_CHAIN_ID,
      batchIndex: 0,
      count: 0,
      total: 0n,
      paymentsRoot: `0x${"00".repeat(32)}`,
      finalBatch: true,
    });
    vaas.set(idOf(3n), await vaa({ sequence: 3n, payload: toSolana(batch) }));
    await verdicts.record(2n, 11n, idOf(3n));
    await expect(verdicts.verified(2n, 11n)).rejects.toMatchObject({ name: "SolanaVerdictMismatchError" });

    // Addressed to an EVM chain, not Solana.
    const toEvm = concat([
      numberToHex(31_337, { size: 4 }),
      encodeMessage({
        kind: "Verdict",
        modelId: 2n,
        epoch: 12n,
        refundBps: 1,
        reportHash: `0x${"ab".repeat(32)}`,
        topUp: 0n,
      }),
    ]);
    vaas.set(idOf(4n), await vaa({ sequence: 4n, payload: toEvm }));
    await verdicts.record(2n, 12n, idOf(4n));
    await expect(verdicts.verified(2n, 12n)).rejects.toMatchObject({ name: "WrongDestinationError" });
  });

  it("carries the verdict's bond top-up out of the verified bytes", async () => {
    const vaas = new Map<string, Uint8Array>();
    const { verdicts } = source(vaas);
    vaas.set(idOf(6n), await vaa({ sequence: 6n, payload: verdict(4n, 3n, 2_500, 123_456_789n) }));
    await verdicts.record(4n, 3n, idOf(6n));
    expect(await verdicts.verified(4n, 3n)).toMatchObject({ refundBps: 2_500, topUp: 123_456_789n });
  });

  it("refuses a malformed VAA id at record time", async () => {
    const { verdicts } = source(new Map());
    await expect(verdicts.record(2n, 7n, "not-a-vaa-id")).rejects.toMatchObject({ name: "WormholeConfigError" });
  });
});
