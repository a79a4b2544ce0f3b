// `npm run devnet`'s command line: starts the local world and keeps it up until Ctrl-C; `down` stops one started
// elsewhere (by its pid file). Output goes to the terminal, so console is this file's job.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { devnetChainsOf } from "./devnetChainsOf.ts";
import { DEMO_HOST_BOND, type Devnet, startDevnet } from "./startDevnet.ts";

const HELP = `slabridge devnet: the whole local world on 127.0.0.1, no account or network needed.

Usage:
  npm run devnet [-- up] [options]   start everything, print a summary, keep running until Ctrl-C
  npm run devnet -- down [--dir D]   stop a devnet started with "up" (from another terminal)

What starts: two anvil chains (evm-a pays, evm-b is home) with the real LayerZero EndpointV2 + ULN302 and
Wormhole core, slabridge's contracts wired over both bridges, three demo models listed on evm-a, pay per call
(the x402 batch-settlement stand-in and an SLA receiver per model on each EVM chain, as npm start has); Solana
(LiteSVM behind a loopback JSON-RPC) with a stablecoin and a 2-of-3 multisig vault; the devnet guardian's
VAA API; a DynamoDB-compatible server with slabridge's tables; three demo model hosts.

Options:
  --dir <path>            where the manifest and key files go (default: .devnet)
  --epoch-seconds <n>     epoch length of the demo models (default: 10)
  --json                  print the manifest JSON instead of the summary
  --exit-when-ready       stop again as soon as everything is up (smoke test, start-time measurement)
  -h, --help              show this help
`;

/** What a caller adds to a running devnet (the status API and dashboard, in `npm run devnet`): lines to print, and
 * how to stop it before the devnet stops. */
export interface DevnetExtras {
  readonly lines: readonly string[];
  stop(): Promise<void>;
}

/**
 * `npm run devnet [up|down] [options]` (see the help text): parses `argv`, starts the devnet and keeps it up until
 * SIGINT/SIGTERM, or stops one started elsewhere. `afterUp` runs once everything is up, before the summary's last
 * line; its lines are printed with the summary and it is stopped first. Exits the process itself.
 *
 * @example await runDevnetCli(process.argv.slice(2), { afterUp: startDashboard });
 */
export async function runDevnetCli(
  argv: readonly string[],
  hooks: { afterUp?: (devnet: Devnet) => Promise<DevnetExtras> } = {},
): Promise<void> {
  function fail(message: string): never {
    console.error(`devnet: ${message}\n\nRun "npm run devnet -- --help" for usage.`);
    process.exit(2);
  }

  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: [...argv],
        allowPositionals: true,
        options: {
          dir: { type: "string", default: ".devnet" },
          "epoch-seconds": { type: "string", default: "10" },
          json: { type: "boolean", default: false },
          "exit-when-ready": { type: "boolean", default: false },
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
  const command = positionals[0] ?? "up";
  const dir = path.resolve(values.dir);
  const pidFile = path.join(dir, "devnet.pid");

  if (command === "down") {
    await down();
  } else if (command === "up") {
    const epochSeconds = Number(values["epoch-seconds"]);
    if (!Number.isInteger(epochSeconds) || epochSeconds < 1) fail("--epoch-seconds must be a positive integer");
    await up(epochSeconds);
  } else {
    fail(`unknown command "${command}"`);
  }

  async function up(epochSeconds: number): Promise<void> {
    if (existsSync(pidFile)) {
      const pid = Number(readFileSync(pidFile, "utf8"));
      if (isAlive(pid))
        fail(`a devnet is already running from ${dir} (pid ${pid}); stop it with "npm run devnet -- down"`);
    }
    const quiet = values.json;
    let devnet: Devnet;
    try {
      devnet = await startDevnet({
        dir,
        epochSeconds,
        hostBond: DEMO_HOST_BOND,
        // The same world as npm start's: the x402 channels and each model's SLA receiver on every EVM chain.
        payPerCall: true,
        onProgress: (step, ms) => {
          if (!quiet) console.error(`[${(ms / 1000).toFixed(2).padStart(6)}s] ${step}`);
        },
      });
    } catch (error) {
      console.error(`devnet: failed to start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
    let extras: DevnetExtras | undefined;
    try {
      extras = await hooks.afterUp?.(devnet);
    } catch (error) {
      await devnet.stop();
      console.error(`devnet: failed to start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    }
    writeFileSync(pidFile, String(process.pid));
    if (values.json) console.log(JSON.stringify(devnet.manifest, null, 2));
    else console.log([summary(devnet), ...(extras?.lines ?? [])].join("\n"));

    let stopping = false;
    const shutdown = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      if (!quiet) console.error(`\n${signal}: stopping the devnet...`);
      try {
        await extras?.stop();
        await devnet.stop();
      } finally {
        rmSync(pidFile, { force: true });
      }
      if (!quiet) console.error("devnet: stopped; nothing left running.");
      process.exit(0);
    };
    if (values["exit-when-ready"]) return shutdown("ready");
    process.on("SIGINT", () => void shutdown("SIGINT"));
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
    console.error('devnet: running. Ctrl-C (or "npm run devnet -- down") stops everything.');
    // Keep the event loop alive; the servers would too, but do not rely on it.
    setInterval(() => {}, 1 << 30);
  }

  async function down(): Promise<void> {
    if (!existsSync(pidFile)) fail(`no devnet is running from ${dir} (no ${path.relative(process.cwd(), pidFile)})`);
    const pid = Number(readFileSync(pidFile, "utf8"));
    if (!isAlive(pid)) {
      rmSync(pidFile, { force: true });
      console.log(`devnet: pid ${pid} is not running any more; removed its stale pid file.`);
      return;
    }
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + 15_000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    if (isAlive(pid)) fail(`pid ${pid} did not stop within 15 s`);
    console.log(`devnet: stopped (pid ${pid}).`);
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function summary(devnet: Devnet): string {
  const m = devnet.manifest;
  const lines = [`slabridge devnet ready in ${(devnet.startupMs / 1000).toFixed(1)} s`, ""];
  const { evm, solana } = devnetChainsOf(m);
  for (const chain of evm) {
    const role = chain.chainId === m.homeChainId ? "home chain" : "payment chain";
    lines.push(
      `  ${chain.name.padEnd(8)} ${role.padEnd(14)} ${chain.rpcUrl}  chainId ${chain.chainId}  LZ eid ${chain.layerZero.eid}  Wormhole ${chain.wormhole.chainId}`,
    );
    const { slaReceivers, ...contracts } = chain.contracts;
    for (const [name, address] of Object.entries(contracts)) lines.push(`             ${name.padEnd(20)} ${address}`);
    for (const [modelId, address] of Object.entries(slaReceivers ?? {}))
      lines.push(`             ${`slaReceiver ${modelId}`.padEnd(20)} ${address}`);
    lines.push(`             ${"stablecoin".padEnd(20)} ${chain.stablecoin.address} (${chain.stablecoin.symbol})`);
  }
  if (solana) {
    lines.push(`  solana   payment chain  ${solana.rpcUrl}  (ws ${solana.wsUrl})`);
    lines.push(`             ${"mint".padEnd(20)} ${solana.mint}`);
    lines.push(
      `             ${"vault".padEnd(20)} ${solana.vault} (${solana.threshold}-of-${solana.operators.length} multisig)`,
    );
  }
  lines.push(`  guardian API           ${m.guardian.apiUrl}/v1/signed_vaa/{chain}/{emitter}/{sequence}`);
  lines.push(`  DynamoDB               ${m.dynamo.endpoint}  tables: ${Object.values(m.dynamo.tables).join(", ")}`);
  // The roles' kms keys live in this process: another process signs with them through this endpoint.
  if (devnet.kms)
    lines.push(`  KMS (stand-in)         ${devnet.kms.endpoint}  (AWS_ENDPOINT_URL_KMS for npm run deploy)`);
  lines.push("", "  model  host         endpoint                        epoch");
  for (const model of m.models) {
    lines.push(
      `  ${model.modelId.padEnd(6)} ${model.hostName.padEnd(12)} ${model.hostUrl.padEnd(31)} ${model.epochSeconds}s`,
    );
  }
  lines.push(
    "",
    `  manifest: ${path.relative(process.cwd(), devnet.manifestPath)}  (keys: ${path.relative(process.cwd(), path.join(devnet.dir, "keys"))}/, mode 0600)`,
  );
  return lines.join("\n");
}
