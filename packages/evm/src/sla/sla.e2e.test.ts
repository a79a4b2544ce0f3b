import { modelRegistryAbi, slaOracleAbi } from "@slabridge/contracts";
import {
  type EvmChainManifest,
  evaluateEpoch,
  manifestRpcUrlOf,
  type ProbeSample,
  pickRefundBps,
  type SlaReport,
} from "@slabridge/core";
import { type Devnet, startDevnet } from "@slabridge/devnet";
import { MemoryNonceStore } from "@slabridge/store";
import {
  type Address,
  createTestClient,
  decodeFunctionData,
  decodeFunctionResult,
  hashTypedData,
  http,
  parseGwei,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evmChainsOf } from "./../chain/evmChainsOf.ts";
import { createEvmChainClient, type EvmChainClient } from "../createEvmChainClient.ts";
import { ContractRevertedError } from "../errors.ts";
import { EvmSender } from "../sender/EvmSender.ts";
import { buildSubmitReportTx } from "./buildSubmitReportTx.ts";
import { SlaSigningError } from "./errors.ts";
import { SlaOracleReader } from "./SlaOracleReader.ts";
import { type SlaReportSigner, signSlaReport, walletClientSigner } from "./signSlaReport.ts";
import { slaReportTypedData } from "./slaReportTypedData.ts";

const EPOCH_SECONDS = 3;
let devnet: Devnet;
let home: EvmChainManifest;
let client: EvmChainClient;
let oracle: Address;
let registry: Address;
let probers: SlaReportSigner[];
let sender: EvmSender;

beforeAll(async () => {
  devnet = await startDevnet({ epochSeconds: EPOCH_SECONDS, hosts: ["healthy"], signer: "anvil" });
  const found = evmChainsOf(devnet.manifest).find((c) => c.chainId === devnet.manifest.homeChainId);
  if (!found?.contracts.slaOracle || !found.contracts.modelRegistry) throw new Error("no home chain oracle/registry");
  home = found;
  oracle = found.contracts.slaOracle;
  registry = found.contracts.modelRegistry;
  client = createEvmChainClient({ chainId: home.chainId, rpcUrl: manifestRpcUrlOf(home), pollingIntervalMs: 20 });
  const clients = devnet.evm.clients(home.chainId);
  probers = devnet.manifest.keys.probers.map((key) => {
    if (key.kind !== "anvil-dev-account") throw new Error(`unexpected prober key kind ${key.kind}`);
    return walletClientSigner(clients.wallet(key.address), key.address);
  });
  const [, , , , , , , , , keeper] = await clients.accounts();
  if (!keeper) throw new Error("no dev account 9");
  sender = new EvmSender({
    client,
    account: keeper,
    nonceStore: new MemoryNonceStore(),
    senderId: `evm:${home.chainId}:${keeper}`,
    gasBump: { factor: 1.125, maxFeePerGasCap: parseGwei("100") },
    stuckAfterMs: 5_000,
    receiptTimeoutMs: 20_000,
  });
}, 60_000);

afterAll(async () => {
  await devnet?.stop();
});

const revertName = async (promise: Promise<unknown>): Promise<string | undefined> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ContractRevertedError);
  return (error as ContractRevertedError).errorName;
};

describe("SLA reports against the devnet's SlaOracle", () => {
  it("signs, hashes and submits a report exactly as the oracle verifies it", async () => {
    const modelId = BigInt(devnet.manifest.models[0]?.modelId ?? "0");
    const epoch = await client.readContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "currentEpoch",
      args: [modelId],
    });
    const terms = await client.readContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "slaTermsAt",
      args: [modelId, epoch],
    });
    const target = { chainId: home.chainId, oracle };
    const reader = new SlaOracleReader(client, oracle);
    const { signers, threshold } = await reader.signerSet();
    expect(threshold).toBe(2n);
    expect(new Set(signers.map((s) => s.toLowerCase()))).toEqual(new Set(probers.map((p) => p.address.toLowerCase())));

    // 100 buckets probed by all three probers, 4 of them down: 96% uptime, below the 99% tier.
    const ids = probers.map((p) => p.address.toLowerCase());
    const samples: ProbeSample[] = [];
    for (let bucket = 0; bucket < 100; bucket++) {
      for (const prober of ids) {
        samples.push({ prober, round: bucket * 1_000, atMs: bucket * 1_000, latencyMs: 120, ok: bucket % 25 !== 0 });
      }
    }
    const report = evaluateEpoch({ modelId, epoch, terms, samples, probers: ids, quorum: 2, bucketMs: 1_000 });
    expect(report.uptimeBps).toBe(9_600);
    expect(report.refundBps).toBe(pickRefundBps(terms, report));
    expect(report.refundBps).toBe(1_000);

    // Before the epoch ends the oracle refuses (names the error), then let it end on the home chain.
    const early = await signSlaReport(report, target, probers.slice(0, 2));
    expect(await revertName(sender.send(buildSubmitReportTx({ oracle, report, signatures: early.signatures })))).toBe(
      "EpochNotOver",
    );
    const test = createTestClient({ mode: "anvil", chain: client.chain, transport: http(home.rpcUrl) });
    await test.increaseTime({ seconds: EPOCH_SECONDS * 2 });
    await test.mine({ blocks: 1 });

    const typedData = slaReportTypedData(report, target);
    expect(await reader.hashReport(report)).toBe(hashTypedData(typedData));

    const one = await signSlaReport(report, target, probers.slice(0, 1));
    expect(await revertName(sender.send(buildSubmitReportTx({ oracle, report, signatures: one.signatures })))).toBe(
      "InsufficientSignatures",
    );

    const greedy: SlaReport = { ...report, refundBps: report.refundBps + 1 };
    const greedySigned = await signSlaReport(greedy, target, probers.slice(1, 3));
    expect(
      await revertName(
        sender.send(buildSubmitReportTx({ oracle, report: greedy, signatures: greedySigned.signatures })),
      ),
    ).toBe("RefundMismatch");

    // Unsorted signatures are what the oracle would reject: prove the order matters, then submit the sorted ones.
    const signed = await signSlaReport(report, target, [probers[2], probers[0]] as SlaReportSigner[]);
    expect(signed.signers.map((a) => BigInt(a))).toEqual(
      [...signed.signers.map((a) => BigInt(a))].sort((a, b) => (a < b ? -1 : 1)),
    );
    expect(
      await revertName(
        sender.send(buildSubmitReportTx({ oracle, report, signatures: [...signed.signatures].reverse() })),
      ),
    ).toBe("SignaturesNotSorted");

    const tx = buildSubmitReportTx({ oracle, report, signatures: signed.signatures });
    const { receipt } = await sender.send(tx);
    expect(receipt.status).toBe("success");
    const verdict = await reader.verdictOf(modelId, epoch);
    expect(verdict.refundBps).toBe(report.refundBps);
    expect(verdict.reportHash).toBe(hashTypedData(typedData));
    expect(verdict.samplesRoot).toBe(report.samplesRoot);
    expect(verdict.recordedAt).toBeGreaterThan(0n);

    // The same report again: returns false, records nothing new.
    const { data } = await client.call({ to: oracle, data: tx.data });
    expect(decodeFunctionResult({ abi: slaOracleAbi, functionName: "submitReport", data: data ?? "0x" })).toBe(false);
    expect((await sender.send(tx)).receipt.status).toBe("success");
    expect(await reader.verdictOf(modelId, epoch)).toEqual(verdict);

    // A different report for the recorded epoch is a conflict.
    const other: SlaReport = { ...report, p99Ms: report.p99Ms + 1 };
    const otherSigned = await signSlaReport(other, target, probers.slice(0, 2));
    expect(
      await revertName(sender.send(buildSubmitReportTx({ oracle, report: other, signatures: otherSigned.signatures }))),
    ).toBe("VerdictAlreadyRecorded");
  });
});

describe("signSlaReport and buildSubmitReportTx (offline)", () => {
  const report: SlaReport = {
    modelId: 1n,
    epoch: 9n,
    p50Ms: 100,
    p95Ms: 200,
    p99Ms: 300,
    uptimeBps: 10_000,
    sampleCount: 42,
    samplesRoot: `0x${"ab".repeat(32)}`,
    receiptCount: 7,
    receiptsRoot: `0x${"cd".repeat(32)}`,
    refundBps: 0,
  };
  const target = { chainId: 31_338, oracle: `0x${"11".repeat(20)}` as Address };
  const accounts = () => Array.from({ length: 4 }, () => privateKeyToAccount(generatePrivateKey()));

  it("sorts signatures by signer address ascending (as uint160), whatever the input order", async () => {
    const signed = await signSlaReport(report, target, accounts());
    const keys = signed.signers.map((a) => BigInt(a));
    expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(signed.signatures).toHaveLength(4);
  });

  it("rejects no signers, a duplicate signer, and a signer whose key is not its address", async () => {
    const [a, b]: SlaReportSigner[] = accounts();
    if (!a || !b) throw new Error("two accounts expected");
    await expect(signSlaReport(report, target, [])).rejects.toBeInstanceOf(SlaSigningError);
    await expect(signSlaReport(report, target, [a, b, a])).rejects.toBeInstanceOf(SlaSigningError);
    const impostor: SlaReportSigner = { address: a.address, signTypedData: b.signTypedData };
    await expect(signSlaReport(report, target, [impostor])).rejects.toThrow(/recovers to/);
  });

  it("encodes submitReport(report, signatures) with the oracle's ABI", () => {
    const tx = buildSubmitReportTx({ oracle: target.oracle, report, signatures: ["0x01", "0x02"] });
    expect(tx.to).toBe(target.oracle);
    expect(decodeFunctionData({ abi: slaOracleAbi, data: tx.data })).toEqual({
      functionName: "submitReport",
      args: [report, ["0x01", "0x02"]],
    });
  });
});
