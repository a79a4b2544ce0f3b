#!/usr/bin/env node
// `npm run verify`: a buyer's check of one SLA verdict from its published evidence (the logic is @slabridge/verify's).
// Output goes to the terminal, so console is this file's job.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const HELP = `slabridge verify: check one SLA verdict from its published evidence, against the chains.

Usage:
  npm run verify -- --model <id> --epoch <n> [options]

It fetches the epoch's status and evidence bundle from the status API, reads the verdict, the oracle's prober set
and the epoch's SLA terms from the home chain, and checks: the bundle hashes to its published address; every sample
set is signed by its vantage point's oracle prober, every usage receipt by the gateway; the report recomputed from
the bundle (the evaluator's own functions, the on-chain terms) has the recorded roots, p50/p95/p99, uptime and refund
share, and its hash carries M of the oracle's N prober signatures; each payment chain refunded, released and paid out
what the verdict says. One line per check (✓, or ✗ with what was expected and what was found) and a summary.

Options:
  --model <id>         the model NFT id (required)
  --epoch <n>          the epoch (required)
  --status-url <url>   the status API (default: the running npm start's, from .devnet/endpoints.json)
  --rpc <url>          the home chain's RPC (default: the running npm start's, or the devnet's .devnet/manifest.json)
  --oracle <address>   the SlaOracle you trust (default: the running npm start's or the devnet manifest's; without
                       one, the bundle's own oracle is read)
  --json               print the result as JSON (for scripts)
  -h, --help           show this help

Defaults are loopback only; a URL you pass may point anywhere.
Exit status: 0 when every check passed; 1 when one failed; 2 when nothing could be checked (the reason is printed).
`;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function usage(message: string): never {
  console.error(`verify: ${message}\n\nRun "npm run verify -- --help" for usage.`);
  process.exit(2);
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        model: { type: "string" },
        epoch: { type: "string" },
        "status-url": { type: "string" },
        rpc: { type: "string" },
        oracle: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
})();
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const decimal = (name: string, raw: string | undefined): bigint => {
  if (raw === undefined) usage(`--${name} is required`);
  if (!/^\d{1,78}$/.test(raw)) usage(`--${name} must be a decimal integer, got "${raw}"`);
  return BigInt(raw);
};
const modelId = decimal("model", values.model);
const epoch = decimal("epoch", values.epoch);
if (values.oracle !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(values.oracle)) {
  usage(`--oracle must be an address (0x and 40 hex digits), got "${values.oracle}"`);
}

// The rest loads only for a well-formed command line.
const [
  { scrubSecrets, SlabridgeError, parseDeploymentManifest },
  verify,
  { readLocalEndpoints },
  { readVerdictOverRpc },
] = await Promise.all([
  import("@slabridge/core"),
  import("@slabridge/verify"),
  import("./local/localEndpoints.ts"),
  import("./context/verify/readVerdictOverRpc.ts"),
]);

/** The devnet's home chain RPC and oracle from `npm run devnet`'s manifest, when one is there. */
function devnetHome(): { rpcUrl: string; oracle: string | undefined } | undefined {
  try {
    const manifest = parseDeploymentManifest(
      JSON.parse(readFileSync(path.join(repoRoot, ".devnet/manifest.json"), "utf8")),
    );
    const home = manifest.chains.find((chain) => chain.chainId === manifest.homeChainId);
    return home?.family === "evm" ? { rpcUrl: home.rpcUrl, oracle: home.contracts.slaOracle } : undefined;
  } catch {
    return undefined;
  }
}

const local = readLocalEndpoints(path.join(repoRoot, ".devnet/endpoints.json"));
const devnet = local ? undefined : devnetHome();
const statusUrl = values["status-url"] ?? local?.statusUrl;
const rpcUrl = values.rpc ?? local?.homeRpcUrl ?? devnet?.rpcUrl;
const oracle = values.oracle ?? local?.oracle ?? devnet?.oracle;

function fail(error: unknown): never {
  const name = error instanceof Error ? error.name : "Error";
  const message = scrubSecrets(
    error instanceof SlabridgeError ? error.shortMessage : error instanceof Error ? error.message : String(error),
  );
  if (values.json) {
    const retryable = error instanceof SlabridgeError ? error.retryable : false;
    process.stdout.write(`${JSON.stringify({ ok: false, error: { name, message, retryable } }, null, 2)}\n`);
  } else {
    console.error(`verify: ${name}: ${message}`);
  }
  process.exit(2);
}

/** Whether the npm start that wrote the endpoints file still runs (a killed one leaves the file behind). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

if (local && values["status-url"] === undefined && !running(local.pid)) {
  fail(
    new verify.VerifyConfigError(
      `the npm start (pid ${local.pid}) that wrote .devnet/endpoints.json is not running: start it again or pass --status-url`,
    ),
  );
}
if (statusUrl === undefined) {
  fail(
    new verify.VerifyConfigError(
      "no status URL: pass --status-url, or run npm start (it writes .devnet/endpoints.json)",
    ),
  );
}
if (rpcUrl === undefined) {
  fail(new verify.VerifyConfigError("no home chain RPC: pass --rpc, or run npm start or npm run devnet"));
}

try {
  const result = await verify.verifyEpoch({
    modelId,
    epoch,
    statusUrl,
    // Only a URL the buyer named may leave the machine.
    readVerdict: readVerdictOverRpc(rpcUrl, { allowNonLoopback: values.rpc !== undefined }),
    ...(oracle === undefined ? {} : { oracle: oracle as `0x${string}` }),
  });
  if (values.json) process.stdout.write(`${verify.verifyResultJson(result)}\n`);
  else process.stdout.write(`${verify.formatVerifyResult(result).join("\n")}\n`);
  process.exit(result.ok ? 0 : 1);
} catch (error) {
  fail(error);
}
