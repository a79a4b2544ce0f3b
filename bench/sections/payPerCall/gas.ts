// Pay per call, gas: runs the forge gas suites (`test/gas` and `test/x402` `*Gas*`) and reads their printed
// figures: gas per paid call at 1,000 calls per buyer-epoch, beside `Escrow.pay` per call and x402 `exact` per call,
// both measured in the same forge run.
import { spawn } from "node:child_process";
import path from "node:path";
import { SlabridgeError } from "@slabridge/core";
import { type Figure, judge, type Section, type SectionBody } from "../../lib/section.ts";
import { int, out, ratio } from "../../lib/stats.ts";

/** The forge gas suites failed, timed out, or did not print a figure the bench reads. */
class GasSuiteError extends SlabridgeError {
  override readonly name = "GasSuiteError" as const;
}

const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
const FORGE_TIMEOUT_MS = 10 * 60_000;
const CALLS_PER_BUYER_EPOCH = 1_000;

/** Runs the forge gas suites with -vv and returns their console output (bounded by {@link FORGE_TIMEOUT_MS}). */
function runGasSuites(): Promise<string> {
  const child = spawn(
    process.execPath,
    [path.join(REPO_ROOT, "contracts/tools/forge.mjs"), "test", "--match-path", "test/{gas,x402}/*Gas*", "-vv"],
    { cwd: path.join(REPO_ROOT, "contracts"), stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), FORGE_TIMEOUT_MS);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new GasSuiteError("forge could not be started", { cause: error }));
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(text);
      else
        reject(
          new GasSuiteError(`the forge gas suites failed (exit ${code ?? signal})`, { details: text.slice(-2_000) }),
        );
    });
  });
}

/** The numbers printed after `label` on one line of the forge output. */
function figures(text: string, label: string, count: number): number[] {
  const line = text.split("\n").find((l) => l.trim().startsWith(label));
  const numbers = [...(line?.slice(line.indexOf(label) + label.length).matchAll(/\d+/g) ?? [])].map((m) =>
    Number(m[0]),
  );
  if (numbers.length < count) {
    throw new GasSuiteError(`the gas suites did not print "${label}" with ${count} figure(s)`);
  }
  return numbers.slice(0, count);
}

async function gas(): Promise<SectionBody> {
  out("  forge gas suites");
  const started = performance.now();
  const text = await runGasSuites();
  const seconds = (performance.now() - started) / 1_000;
  const [payExec = 0, payTx = 0] = figures(text, "pay (2nd+ payment of the epoch) exec=", 2);
  const [payFirstExec = 0, payFirstTx = 0] = figures(text, "pay (1st payment of the epoch) exec=", 2);
  const [healthyEpoch = 0, breachEpoch = 0] = figures(text, "per buyer-epoch, healthy / breach", 2);
  const steps = {
    deposit: figures(text, "deposit (top-up) exec, tx", 2),
    claimEpoch100: figures(text, "claimEpoch 100 rows exec, tx", 2),
    settle: figures(text, "settle exec, tx", 2),
    relayReceipts100: figures(text, "relayReceipts 100 exec, tx", 2),
    refund100: figures(text, "refund 100 exec, tx", 2),
  };
  const [exactExec = 0, exactTx = 0] = figures(text, "x402 exact per call (transferWithAuthorization) exec, tx", 2);
  const [suiteEscrowPay = 0] = figures(text, "Escrow.pay per call, times cheaper (breach)", 1);
  // The escrow's own refund (pay per request), 100 payments per transaction: the receipt-gas section quotes it.
  // "refund per payment <gas>", not its "(zero balances)" twin: the line is matched whole.
  const refundLine = /^\s*refund per payment (\d+)\s*$/m.exec(text);
  if (!refundLine) throw new GasSuiteError('the gas suites did not print "refund per payment" with a figure');
  const escrowRefundPerPayment = Number(refundLine[1]);
  const healthy = healthyEpoch / CALLS_PER_BUYER_EPOCH;
  const breach = breachEpoch / CALLS_PER_BUYER_EPOCH;
  const cheaperBreach = payTx / breach;
  const cheaperHealthy = payTx / healthy;
  const exactBreach = exactTx / breach;
  const exactHealthy = exactTx / healthy;
  const goals = [
    judge("gas per paid call, breach epoch", breach, "<=", 250, (x) => x.toFixed(1)),
    judge("Escrow.pay / paid call, breach epoch", cheaperBreach, ">=", 340, ratio),
  ];
  out(`  forge gas suites ran in ${seconds.toFixed(1)} s (most of it compiling the tests)`);
  out(
    `  per paid call at ${int(CALLS_PER_BUYER_EPOCH)} calls per buyer-epoch: healthy ${healthy.toFixed(1)} gas, ` +
      `breach ${breach.toFixed(1)} gas (tx gas, deposit + claim + settle + receipts + refund share)`,
  );
  out(
    `  baseline Escrow.pay per call (2nd+ payment of the epoch, tx gas, same forge run): ${int(payTx)}; ` +
      `cheaper per call: healthy ${ratio(cheaperHealthy)}, breach ${ratio(cheaperBreach)}`,
  );
  out(
    `  baseline x402 exact per call (one ERC-3009 transferWithAuthorization, tx gas): ${int(exactTx)}; ` +
      `cheaper per call: healthy ${ratio(exactHealthy)}, breach ${ratio(exactBreach)}`,
  );
  if (suiteEscrowPay !== payTx) {
    out(
      `  note: SlaReceiverGas.t.sol compares with a fixed Escrow.pay of ${int(suiteEscrowPay)}; measured now ${int(payTx)}`,
    );
  }
  const stepRow = (what: string, [exec = 0, tx = 0]: number[], share: number) =>
    `| ${what} | ${int(exec)} | ${int(tx)} | ${int(tx / share)} |`;
  const markdown = [
    `Read from the forge gas suites run by this bench (\`test/gas/EscrowGas.t.sol\`, \`test/x402/SlaReceiverGas.t.sol\`;`,
    `the x402 channel contract is the devnet stand-in, not the canonical one, so channel-side gas is indicative).`,
    `Gas is deterministic: one forge run, no repeats. tx = exec + 21,000 + calldata. 100 buyers per claim batch,`,
    `${int(CALLS_PER_BUYER_EPOCH)} calls per buyer-epoch, one channel top-up per buyer-epoch.`,
    "",
    "| step | exec gas | tx gas | per buyer-epoch |",
    "|---|---:|---:|---:|",
    stepRow("`deposit` (channel top-up, ERC-3009)", steps.deposit, 1),
    stepRow("`claimEpoch`, 100 rows", steps.claimEpoch100, 100),
    stepRow("`settle`", steps.settle, 100),
    stepRow("`relayReceipts` of 100 buyers", steps.relayReceipts100, 100),
    stepRow("`refund` of 100 buyers (breach only)", steps.refund100, 100),
    "",
    "| figure | gas | `Escrow.pay` per call (tx) | times cheaper | x402 `exact` per call (tx) | times cheaper |",
    "|---|---:|---:|---:|---:|---:|",
    `| per paid call, healthy epoch | ${healthy.toFixed(1)} | ${int(payTx)} | ${ratio(cheaperHealthy)} | ${int(exactTx)} | ${ratio(exactHealthy)} |`,
    `| per paid call, breach epoch | ${breach.toFixed(1)} | ${int(payTx)} | ${ratio(cheaperBreach)} | ${int(exactTx)} | ${ratio(exactBreach)} |`,
    "",
    `\`Escrow.pay\` measured in the same forge run: ${int(payTx)} tx gas for the 2nd+ payment of an epoch (exec ${int(payExec)}),`,
    `${int(payFirstTx)} for the first (exec ${int(payFirstExec)}). x402 \`exact\` on the same chain: one ERC-3009`,
    `\`transferWithAuthorization\` per call, buyer and payee already holding balances, ${int(exactTx)} tx gas (exec ${int(exactExec)}).`,
  ].join("\n");
  const one = (x: number) => ({ min: x, median: x, max: x });
  const rows: Figure[] = [
    {
      what: "gas per paid call, breach epoch",
      unit: "gas",
      value: one(breach),
      baseline: { what: "Escrow.pay per call", value: one(payTx) },
      ratio: one(breach / payTx),
    },
    {
      what: "gas per paid call, healthy epoch",
      unit: "gas",
      value: one(healthy),
      baseline: { what: "x402 exact per call", value: one(exactTx) },
      ratio: one(healthy / exactTx),
    },
  ];
  return {
    title: "Pay per call: gas per paid call, all in",
    repeats: 1,
    goals,
    figures: rows,
    markdown,
    data: {
      callsPerBuyerEpoch: CALLS_PER_BUYER_EPOCH,
      forgeSeconds: seconds,
      perBuyerEpoch: { healthy: healthyEpoch, breach: breachEpoch },
      perCall: { healthy, breach },
      steps,
      escrowRefundPerPayment,
      exactPerCall: { exec: exactExec, tx: exactTx },
      escrowPay: { secondOfEpoch: { exec: payExec, tx: payTx }, firstOfEpoch: { exec: payFirstExec, tx: payFirstTx } },
      timesCheaper: { healthy: cheaperHealthy, breach: cheaperBreach },
      timesCheaperThanExact: { healthy: exactHealthy, breach: exactBreach },
    },
  };
}

export const gasSection: Section = { name: "pay-gas", run: () => gas() };
