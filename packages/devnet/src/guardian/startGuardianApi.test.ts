import { deserialize } from "@wormhole-foundation/sdk-definitions";
import { bytesToHex, keccak256, numberToHex, recoverAddress } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetGuardianAddress } from "../evm/devnetGuardian.ts";
import { devnetVaaSigner } from "./devnetVaaSigner.ts";
import { type GuardianApi, startGuardianApi } from "./startGuardianApi.ts";
import { submitExternalMessage } from "./submitExternalMessage.ts";
import { VaaStore } from "./VaaStore.ts";

const emitter = "ab".repeat(32);
const guardianAddress = devnetGuardianAddress();

// biome-ignore lint/suspicious/noExplicitAny: JSON response bodies, inspected by the assertions themselves.
async function get(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

describe("guardian API", () => {
  const store = new VaaStore();
  let api: GuardianApi;
  beforeAll(async () => {
    api = await startGuardianApi({ store });
    await submitExternalMessage({ store }, { emitter, payload: new Uint8Array([1, 2, 3]), timestamp: 1_700_000_000 });
    await submitExternalMessage({ store }, { emitter: `0x${emitter}`, payload: new Uint8Array([4]), nonce: 7 });
  });
  afterAll(async () => {
    await api.close();
  });

  it("serves signed VAAs as base64 that sdk-definitions deserializes, signed by the devnet guardian", async () => {
    const { status, body } = await get(`${api.url}/v1/signed_vaa/1/${emitter}/0`);
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(["vaaBytes"]);
    const vaa = deserialize("Uint8Array", Buffer.from(body.vaaBytes, "base64"));
    expect(vaa.emitterChain).toBe("Solana");
    expect(vaa.emitterAddress.toString()).toBe(`0x${emitter}`);
    expect(vaa.sequence).toBe(0n);
    expect(vaa.timestamp).toBe(1_700_000_000);
    expect([...vaa.payload]).toEqual([1, 2, 3]);
    expect(vaa.guardianSet).toBe(0);
    expect(vaa.signatures).toHaveLength(1);
    const signature = vaa.signatures[0]?.signature;
    if (signature === undefined) throw new Error("no signature");
    // Guardians sign keccak256 of the body hash (a double hash of the body).
    const signer = await recoverAddress({
      hash: keccak256(vaa.hash),
      signature: {
        r: numberToHex(signature.r, { size: 32 }),
        s: numberToHex(signature.s, { size: 32 }),
        yParity: signature.v,
      },
    });
    expect(signer).toBe(guardianAddress);

    const second = await get(`${api.url}/v1/signed_vaa/1/${emitter.toUpperCase()}/1`);
    const vaa1 = deserialize("Uint8Array", Buffer.from(second.body.vaaBytes, "base64"));
    expect([vaa1.sequence, vaa1.nonce, [...vaa1.payload]]).toEqual([1n, 7, [4]]);
  });

  it("answers unknown VAAs and routes with the gateway's 404 shape", async () => {
    expect(await get(`${api.url}/v1/signed_vaa/1/${emitter}/2`)).toEqual({
      status: 404,
      body: { code: 5, message: "requested VAA not found in store", details: [] },
    });
    expect((await get(`${api.url}/v1/signed_vaa/2/${emitter}/0`)).status).toBe(404);
    expect(await get(`${api.url}/v1/nope`)).toEqual({
      status: 404,
      body: { code: 5, message: "Not Found", details: [] },
    });
    const post = await fetch(`${api.url}/v1/signed_vaa/1/${emitter}/0`, { method: "POST" });
    expect(post.status).toBe(405);
  });

  it("rejects bad parameters with 400 and code 3", async () => {
    const cases: [string, string][] = [
      [`1/0x${emitter.slice(2)}/0`, "failed to decode address: encoding/hex: invalid byte: U+0078 'x'"],
      [`1/${emitter.slice(1)}/0`, "failed to decode address: encoding/hex: odd length hex string"],
      [`1/${emitter.slice(2)}/0`, "address must be 32 bytes"],
      [`1/${emitter}/abc`, "message_id.sequence"],
      [`1/${emitter}/18446744073709551616`, "message_id.sequence"],
      [`1/${emitter}/-1`, "message_id.sequence"],
      [`solana/${emitter}/0`, "message_id.emitter_chain"],
      [`65536/${emitter}/0`, "message_id.emitter_chain"],
    ];
    for (const [path, message] of cases) {
      const { status, body } = await get(`${api.url}/v1/signed_vaa/${path}`);
      expect(status, path).toBe(400);
      expect(body.code, path).toBe(3);
      expect(body.message, path).toContain(message);
      expect(body.details).toEqual([]);
    }
  });

  it("serves the current guardian set", async () => {
    expect(await get(`${api.url}/v1/guardianset/current`)).toEqual({
      status: 200,
      body: { guardianSet: { index: 0, addresses: [guardianAddress] } },
    });
  });
});

describe("VaaStore and submitExternalMessage", () => {
  it("assigns per-emitter sequences, even to concurrent submissions", async () => {
    const store = new VaaStore();
    const results = await Promise.all(
      [1, 2, 3].map((n) => submitExternalMessage({ store }, { emitter, payload: new Uint8Array([n]) })),
    );
    expect(results.map((r) => r.id.sequence).sort()).toEqual([0n, 1n, 2n]);
    const other = await submitExternalMessage({ store }, { emitter: "cd".repeat(32), payload: new Uint8Array() });
    expect(other.id).toEqual({ chain: 1, emitter: "cd".repeat(32), sequence: 0n });
    expect(store.nextSequence(1, emitter)).toBe(3n);
  });

  it("stores identical bytes once and refuses a different VAA under the same id", async () => {
    const store = new VaaStore();
    const body = {
      emitterChain: 1,
      emitterAddress: new Uint8Array(32).fill(9),
      sequence: 5n,
      nonce: 0,
      consistencyLevel: 1,
      timestamp: 1,
      payload: new Uint8Array([1]),
    };
    const first = await devnetVaaSigner(body);
    // Signing is deterministic (RFC 6979), which lets the observer re-sign a message it already filed.
    expect(bytesToHex(await devnetVaaSigner(body))).toBe(bytesToHex(first));
    expect(store.put(first).stored).toBe(true);
    expect(store.put(first).stored).toBe(false);
    const conflicting = await devnetVaaSigner({ ...body, payload: new Uint8Array([2]) });
    expect(() => store.put(conflicting)).toThrow(
      expect.objectContaining({ name: "GuardianError", code: "conflicting-vaa" }),
    );
    expect(() => store.put(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: "invalid-vaa" }));
    await expect(submitExternalMessage({ store }, { emitter: "ab", payload: new Uint8Array() })).rejects.toMatchObject({
      name: "GuardianError",
      code: "invalid-message",
    });
  });
});
