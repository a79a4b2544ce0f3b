#!/usr/bin/env node
// `npm start`: the main job. Starts the devnet and the bot's handlers, lets demo buyers pay on every payment chain
// for a few epochs and shows the whole story live, then prints what settled, with the balances that prove it.
// Output goes to the terminal, so console is this file's job.
// Before anything that builds an AWS SDK client: see the module.
import "@slabridge/core/sdk-node-version-warning";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HELP = `slabridge main job: SLA enforcement and cross-chain settlement of Model NFTs, end to end, on a local
devnet (127.0.0.1 only: no account, no network).

Usage:
  npm start [-- options]

What it does:
  1. starts the devnet: two anvil EVM chains (evm-a, evm-b = home) with the real LayerZero V2 and Wormhole
     contracts, Solana (LiteSVM behind a loopback RPC), the devnet guardian, a DynamoDB-compatible store and
     three demo model hosts: healthy, slowP95 (too slow for its SLA) and poorUptime (fails too often);
  2. runs the bot's Lambda handlers on a local runtime (queues, schedules, Lambda Invoke API);
  3. demo buyers pay for inference on every payment chain, every epoch, for every model;
  4. shows live progress: payments, receipt batches, probes, verdicts, refunds, releases, payouts, netting rounds;
  5. after the last epoch has settled everywhere, prints a table per model and epoch and the on-chain
     balances that prove it, then checks that every stablecoin unit is accounted for.

Options:
  --epochs <n>           epochs of traffic to settle (default: 3)
  --epoch-seconds <n>    epoch length of the demo models (default: 15)
  --watch                keep paying and settling until Ctrl-C instead of exiting after --epochs
  --timeout <seconds>    give up (exit 1, naming the work still pending) after this long (default: 170;
                         with --watch, counted from the first Ctrl-C)
  --status-port <n>      port of the local status API on 127.0.0.1 (default: 0, any free port)
  --verbose              also print the handlers' JSON logs
  -h, --help             show this help

Ctrl-C stops the traffic and waits for every epoch to settle; a second Ctrl-C stops waiting and prints what
settled and what was left open.

Exit status: 0 when every epoch settled and the books balance; 1 otherwise (the reason is printed); 130 when
stopped by Ctrl-C.
`;

/** Deliveries of one Ctrl-C: the terminal signals the whole group, and npm forwards the signal to its child too. */
const SAME_CTRL_C_MS = 500;

function fail(message: string): never {
  console.error(`slabridge: ${message}\n\nRun "npm start -- --help" for usage.`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        epochs: { type: "string", default: "3" },
        "epoch-seconds": { type: "string", default: "15" },
        watch: { type: "boolean", default: false },
        timeout: { type: "string", default: "170" },
        verbose: { type: "boolean", default: false },
        "status-port": { type: "string", default: "0" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
})();

if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const positiveInt = (name: string, raw: string, min: number): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
};
const epochs = positiveInt("epochs", values.epochs, 1);
const epochSeconds = positiveInt("epoch-seconds", values["epoch-seconds"], 6);
const timeoutSeconds = positiveInt("timeout", values.timeout, 10);
const statusPort = positiveInt("status-port", values["status-port"], 0);

// The handlers log JSON lines through Powertools; the main job tells the story instead unless asked.
if (!values.verbose) process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED = "true";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const configPath = path.join(repoRoot, "config/devnet.json");
// `npm run verify` finds the status API and the home chain of this run here while it runs.
const endpointsFile = path.join(repoRoot, ".devnet/endpoints.json");
mkdirSync(path.dirname(endpointsFile), { recursive: true });
const { runMainJob } = await import("./local/runMainJob.ts");
const stop = stopOnSigint();
const code = await runMainJob({
  epochs,
  epochSeconds,
  watch: values.watch,
  timeoutMs: timeoutSeconds * 1_000,
  configJson: JSON.parse(readFileSync(configPath, "utf8")) as unknown,
  out: (line) => process.stdout.write(`${line}\n`),
  signal: stop.traffic,
  stopWaiting: stop.waiting,
  statusPort,
  endpointsFile,
});
// Interrupted, the run ends as any command a Ctrl-C stopped (130), whatever it managed to settle, unless it failed.
process.exit(code === 0 && stop.traffic.aborted ? 130 : code);

/**
 * Ctrl-C in two steps, as a terminal sends it (SIGINT to the whole foreground group; the devnet's chains run in their
 * own group and are stopped by the job): the first stops the traffic and waits for every epoch to settle, the second
 * stops waiting (one line says what settled and what is left open), a third exits at once.
 */
function stopOnSigint(): { traffic: AbortSignal; waiting: AbortSignal } {
  const traffic = new AbortController();
  const waiting = new AbortController();
  let presses = 0;
  let lastAt = Number.NEGATIVE_INFINITY;
  process.on("SIGINT", () => {
    const now = Date.now();
    if (now - lastAt < SAME_CTRL_C_MS) return;
    lastAt = now;
    presses += 1;
    if (presses === 1) {
      process.stdout.write(
        "\nstopping: no new calls; waiting for every epoch to settle (Ctrl-C again to stop waiting)…\n",
      );
      traffic.abort();
    } else if (presses === 2) {
      process.stdout.write("\nstopping without waiting (Ctrl-C again to force)…\n");
      waiting.abort();
    } else {
      process.exit(130);
    }
  });
  return { traffic: traffic.signal, waiting: waiting.signal };
}
