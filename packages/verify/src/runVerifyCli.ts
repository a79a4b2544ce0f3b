import { parseArgs } from "node:util";
import { type Hex, SlabridgeError, scrubSecrets } from "@slabridge/core";
import { VerifyConfigError } from "./errors.ts";
import { formatVerifyResult, verifyResultJson } from "./formatVerifyResult.ts";
import { type ReadOnChainVerdict, verifyEpoch } from "./verifyEpoch.ts";

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

/** What the command line needs from its surroundings; the caller binds it to the process and the files. */
export interface VerifyCliContext {
  out(text: string): void;
  err(text: string): void;
  /** What a running `npm start` wrote (`.devnet/endpoints.json`), read only when no flag names a status URL. */
  localEndpoints(): { statusUrl: string; homeRpcUrl: string; oracle: string; pid: number } | undefined;
  /** The home chain of `npm run devnet`'s manifest, when there is one. */
  devnetHome(): { rpcUrl: string; oracle: string | undefined } | undefined;
  /** Whether a process still runs (an npm start that was killed leaves its endpoints file behind). */
  isRunning(pid: number): boolean;
  /** Home-chain reads over `rpcUrl` (the EVM adapter's); off loopback only for a URL the buyer named. */
  readVerdictOver(rpcUrl: string, options: { allowNonLoopback: boolean }): ReadOnChainVerdict;
}

class UsageError extends Error {}

/**
 * `npm run verify`: parses the command line, finds the status API and the home chain (flags, else the running npm
 * start's endpoints, else the devnet manifest), runs {@link verifyEpoch} and prints one line per check (or JSON).
 * Returns the exit status: 0 when every check passed, 1 when one failed, 2 when nothing could be checked.
 *
 * @example process.exitCode = await runVerifyCli(process.argv.slice(2), context);
 */
export async function runVerifyCli(argv: readonly string[], context: VerifyCliContext): Promise<number> {
  let values: ReturnType<typeof parse>;
  let modelId: bigint;
  let epoch: bigint;
  try {
    values = parse(argv);
    if (values.help) {
      context.out(HELP);
      return 0;
    }
    modelId = decimal("model", values.model);
    epoch = decimal("epoch", values.epoch);
    if (values.oracle !== undefined && !/^0x[0-9a-fA-F]{40}$/.test(values.oracle)) {
      throw new UsageError(`--oracle must be an address (0x and 40 hex digits), got "${values.oracle}"`);
    }
  } catch (error) {
    context.err(
      `verify: ${error instanceof Error ? error.message : String(error)}\n\nRun "npm run verify -- --help" for usage.\n`,
    );
    return 2;
  }

  const fail = (error: unknown): number => {
    const name = error instanceof Error ? error.name : "Error";
    const message = scrubSecrets(
      error instanceof SlabridgeError ? error.shortMessage : error instanceof Error ? error.message : String(error),
    );
    if (values.json) {
      const retryable = error instanceof SlabridgeError ? error.retryable : false;
      context.out(`${JSON.stringify({ ok: false, error: { name, message, retryable } }, null, 2)}\n`);
    } else {
      context.err(`verify: ${name}: ${message}\n`);
    }
    return 2;
  };

  const local = context.localEndpoints();
  if (local && values["status-url"] === undefined && !context.isRunning(local.pid)) {
    return fail(
      new VerifyConfigError(
        `the npm start (pid ${local.pid}) that wrote .devnet/endpoints.json is not running: start it again or pass --status-url`,
      ),
    );
  }
  const devnet = local ? undefined : context.devnetHome();
  const statusUrl = values["status-url"] ?? local?.statusUrl;
  const rpcUrl = values.rpc ?? local?.homeRpcUrl ?? devnet?.rpcUrl;
  const oracle = values.oracle ?? local?.oracle ?? devnet?.oracle;
  if (statusUrl === undefined) {
    return fail(
      new VerifyConfigError("no status URL: pass --status-url, or run npm start (it writes .devnet/endpoints.json)"),
    );
  }
  if (rpcUrl === undefined) {
    return fail(new VerifyConfigError("no home chain RPC: pass --rpc, or run npm start or npm run devnet"));
  }

  try {
    const result = await verifyEpoch({
      modelId,
      epoch,
      statusUrl,
      // Only a URL the buyer named may leave the machine.
      readVerdict: context.readVerdictOver(rpcUrl, { allowNonLoopback: values.rpc !== undefined }),
      ...(oracle === undefined ? {} : { oracle: oracle as Hex }),
    });
    context.out(values.json ? `${verifyResultJson(result)}\n` : `${formatVerifyResult(result).join("\n")}\n`);
    return result.ok ? 0 : 1;
  } catch (error) {
    return fail(error);
  }
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      options: {
        model: { type: "string" },
        epoch: { type: "string" },
        "status-url": { type: "string" },
        rpc: { type: "string" },
        oracle: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function decimal(name: string, raw: string | undefined): bigint {
  if (raw === undefined) throw new UsageError(`--${name} is required`);
  if (!/^\d{1,78}$/.test(raw)) throw new UsageError(`--${name} must be a decimal integer, got "${raw}"`);
  return BigInt(raw);
}
