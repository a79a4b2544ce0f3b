import { precomputedPublicKey, recoveryBitOf, SlabridgeError } from "@slabridge/core";
import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN, voucherTypes } from "@x402/evm";
import {
  concat,
  encodeAbiParameters,
  getAddress,
  type Hex,
  hashTypedData,
  hexToBigInt,
  hexToBytes,
  keccak256,
  parseSignature,
  recoverAddress,
  toHex,
  verifyTypedData,
} from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { judge, type Section, type SectionBody } from "../../lib/section.ts";
import { int, type MinMedMax, mmm, out, overRepeats, ratio } from "../../lib/stats.ts";

const CHAIN_ID = 31_337;
// The charge of one call at the gateway section's price: vouchers of realistic amounts.
const CHARGE = 12n * 3n + 24n * 7n;

/** A voucher that did not verify or recover to its payer. */
class UnexpectedAnswerError extends SlabridgeError {
  override readonly name = "UnexpectedAnswerError" as const;
}

// 2. Vouchers verified per second per core

interface SignedVoucher {
  readonly message: { readonly channelId: Hex; readonly maxClaimableAmount: bigint };
  readonly signature: Hex;
  readonly digest: Hex;
  readonly bytes: Hex;
}

async function vouchers(quick: boolean): Promise<SectionBody> {
  const repeats = quick ? 1 : 3;
  const count = quick ? 300 : 2_000;
  out(`  vouchers verified per second, one thread: ${repeats} x ${count} vouchers`);
  const payer = privateKeyToAccount(generatePrivateKey());
  const payerKey = precomputedPublicKey(hexToBytes(payer.publicKey));
  const domain = {
    ...BATCH_SETTLEMENT_DOMAIN,
    chainId: CHAIN_ID,
    verifyingContract: getAddress(BATCH_SETTLEMENT_ADDRESS),
  };
  const vouchers: SignedVoucher[] = [];
  for (let i = 0; i < count; i++) {
    const message = { channelId: keccak256(toHex(`bench channel ${i}`)), maxClaimableAmount: BigInt(i + 1) * CHARGE };
    const typed = { domain, types: voucherTypes, primaryType: "Voucher", message } as const;
    const signature = await payer.signTypedData(typed);
    const encoded = encodeAbiParameters(
      [{ type: "bytes32" }, { type: "uint128" }],
      [message.channelId, message.maxClaimableAmount],
    );
    vouchers.push({ message, signature, digest: hashTypedData(typed), bytes: concat([encoded, signature]) });
  }

  const ops = {
    verify: async (v: SignedVoucher) => {
      const ok = await verifyTypedData({
        address: payer.address,
        domain,
        types: voucherTypes,
        primaryType: "Voucher",
        message: v.message,
        signature: v.signature,
      });
      if (!ok) throw new UnexpectedAnswerError("a voucher signed by the payer did not verify");
    },
    recover: async (v: SignedVoucher) => {
      if ((await recoverAddress({ hash: v.digest, signature: v.signature })) !== payer.address) {
        throw new UnexpectedAnswerError("a voucher's signature did not recover to its payer");
      }
    },
    // What a check against a key seen before costs (the evaluator's per-sample check of a registered prober's
    // signature, and a KMS signature's recovery bit): one verification against the kept, precomputed public key.
    known: async (v: SignedVoucher) => {
      const { r, s, yParity } = parseSignature(v.signature);
      if (recoveryBitOf(hexToBytes(v.digest), hexToBigInt(r), hexToBigInt(s), payerKey) !== yParity) {
        throw new UnexpectedAnswerError("a voucher's signature did not verify against its payer's key");
      }
    },
    keccak: async (v: SignedVoucher) => {
      keccak256(v.bytes);
    },
  } as const;
  type Op = keyof typeof ops;
  const names: Op[] = ["verify", "recover", "known", "keccak"];
  const rates: Record<Op, number[]> = { verify: [], recover: [], known: [], keccak: [] };
  // The same count per CPU second of this process: what one core does when it is not shared with other work.
  const cpuRates: Record<Op, number[]> = { verify: [], recover: [], known: [], keccak: [] };
  for (let r = 0; r < repeats; r++) {
    // Rotate the order so no operation always runs first (warmest or coldest) in a repeat.
    for (const name of [...names.slice(r % names.length), ...names.slice(0, r % names.length)]) {
      const op = ops[name];
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (const v of vouchers) await op(v);
      rates[name].push(count / ((performance.now() - started) / 1_000));
      const { user, system } = process.cpuUsage(cpu);
      cpuRates[name].push(count / ((user + system) / 1e6));
    }
    out(
      `  repeat ${r + 1}: verify ${int(rates.verify[r] ?? 0)}/s, recovery alone ${int(rates.recover[r] ?? 0)}/s, ` +
        `against a kept key ${int(rates.known[r] ?? 0)}/s, keccak256 ${int(rates.keccak[r] ?? 0)}/s (per CPU second: verify ${int(cpuRates.verify[r] ?? 0)}/s)`,
    );
  }
  const verify = overRepeats(rates.verify);
  const recover = overRepeats(rates.recover);
  const keccak = overRepeats(rates.keccak);
  const known = overRepeats(rates.known);
  const knownCpu = overRepeats(cpuRates.known);
  const verifyCpu = overRepeats(cpuRates.verify);
  const recoverCpu = overRepeats(cpuRates.recover);
  const verifyVsRecover = overRepeats(rates.verify.map((v, i) => v / (rates.recover[i] ?? Number.NaN)));
  const keccakVsVerify = overRepeats(rates.keccak.map((k, i) => k / (rates.verify[i] ?? Number.NaN)));
  const perSec = (x: number) => `${int(x)}/s`;
  const goals = [judge("vouchers verified per CPU second, one core", verifyCpu.median, ">=", 5_000, perSec)];
  out(`  verifyTypedData (as the server scheme): ${mmm(verify, perSec)}; per CPU second ${mmm(verifyCpu, perSec)}`);
  out(`  baseline secp256k1 recovery alone: ${mmm(recover, perSec)}; verify/recovery ${mmm(verifyVsRecover, ratio)}`);
  out(
    `  baseline verification against a kept public key: ${mmm(known, perSec)}; per CPU second ${mmm(knownCpu, perSec)}`,
  );
  out(`  baseline keccak256 of the voucher bytes: ${mmm(keccak, perSec)}; keccak/verify ${mmm(keccakVsVerify, ratio)}`);
  const row = (what: string, m: MinMedMax, f: (x: number) => string) =>
    `| ${what} | ${f(m.median)} | ${f(m.min)} | ${f(m.max)} |`;
  const markdown = [
    `${int(count)} distinct vouchers signed by one payer, verified one after the other on the main thread as`,
    `\`@x402/evm\`'s server scheme verifies them: viem \`verifyTypedData\` with \`voucherTypes\` and the batch-settlement`,
    `domain (chain ${CHAIN_ID}). Baselines on the same vouchers, same run: secp256k1 recovery alone (\`recoverAddress\` of`,
    `the precomputed EIP-712 digest), one verification against the payer's public key kept with a precomputed table
(core's \`recoveryBitOf\`: how the evaluator checks a registered prober's sample signatures) and a plain \`keccak256\` of the voucher's bytes (channel id, amount, signature:`,
    `129 bytes). ${repeats} repeat(s), operation order rotated per repeat; median over repeats (min, max).`,
    "",
    "| figure | median | min | max |",
    "|---|---:|---:|---:|",
    row("verifyTypedData (the server's check)", verify, perSec),
    row("verifyTypedData per CPU second of the process", verifyCpu, perSec),
    row("baseline: secp256k1 recovery alone", recover, perSec),
    row("baseline: secp256k1 recovery alone, per CPU second", recoverCpu, perSec),
    row("baseline: verification against a kept public key", known, perSec),
    row("baseline: verification against a kept public key, per CPU second", knownCpu, perSec),
    row("baseline: keccak256 of the voucher bytes", keccak, perSec),
    row("ratio verify / recovery alone", verifyVsRecover, ratio),
    row("ratio keccak256 / verify", keccakVsVerify, ratio),
  ].join("\n");
  return {
    title: "Pay per call: vouchers verified per second",
    repeats,
    goals,
    figures: [
      {
        what: "verifyTypedData",
        unit: "/s",
        value: verify,
        baseline: { what: "secp256k1 recovery alone", value: recover },
        ratio: verifyVsRecover,
      },
    ],
    markdown,
    ...(goals.every((g) => g.met)
      ? {}
      : { bounds: "Verifying is one secp256k1 recovery in pure JavaScript (verify / recovery alone is about 1x)." }),
    data: {
      verifyMs: 1_000 / verifyCpu.median,
      recoverMs: 1_000 / recoverCpu.median,
      knownKeyMs: 1_000 / knownCpu.median,
      vouchersPerRepeat: count,
      ratesPerSecond: rates,
      ratesPerCpuSecond: cpuRates,
      summary: { verify, verifyCpu, recoverCpu, recover, known, knownCpu, keccak, verifyVsRecover, keccakVsVerify },
    },
  };
}

export const vouchersSection: Section = { name: "pay-vouchers", run: ({ quick }) => vouchers(quick) };
