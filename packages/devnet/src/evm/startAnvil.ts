import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Hex, LocalAccount } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { z } from "zod";
import { EvmDevnetError, registerSecret } from "./EvmDevnetError.ts";

/** Options for {@link startAnvil}. */
export interface StartAnvilOptions {
  chainId: number;
  /** Seconds between blocks; omitted = automine (a block per transaction, the fastest for tests). */
  blockTime?: number;
  /** Unlocked dev accounts to create (anvil's default mnemonic; addresses are the same on every chain). */
  accounts?: number;
  /** How long to wait for the RPC to answer. */
  readyTimeoutMs?: number;
  /**
   * Starts the chain's clock this many seconds behind the wall clock (anvil's `--timestamp`). Anvil's own start can
   * leave its clock a second behind (it takes the genesis timestamp before it sets its time offset); tests of clock
   * skew set it on purpose. Default 0.
   */
  clockLagSeconds?: number;
}

/** A running anvil process. */
export interface AnvilInstance {
  /** Loopback JSON-RPC URL, e.g. http://127.0.0.1:41234 */
  rpcUrl: string;
  chainId: number;
  port: number;
  pid: number;
  /**
   * Dev account `index` as a local viem account (the key anvil generated for it, held in memory only): for code that
   * must sign itself rather than have the node sign (`eth_sendTransaction`), as it will with a KMS key elsewhere.
   */
  devAccount(index: number): LocalAccount;
  /** Kills the process and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

const LOOPBACK = "127.0.0.1";
/** The part of anvil's `--config-out` file read here. */
const anvilKeysSchema = z.object({ private_keys: z.array(z.string().regex(/^0x[0-9a-fA-F]{64}$/)) });
const DEFAULT_ACCOUNTS = 10;
const START_ATTEMPTS = 3;

/**
 * Spawns anvil on a free loopback port and waits until its JSON-RPC answers.
 *
 * @example const anvil = await startAnvil({ chainId: 31337 }); await anvil.stop();
 */
export async function startAnvil(options: StartAnvilOptions): Promise<AnvilInstance> {
  if (!Number.isSafeInteger(options.chainId) || options.chainId <= 0) {
    throw new EvmDevnetError("invalid-config", `chainId must be a positive integer, got ${options.chainId}`);
  }
  let lastError: unknown;
  // The port is picked by binding port 0 and released before anvil binds it, so another process can win the race;
  // anvil then exits at once and we retry with a new port.
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await pickFreePort();
    try {
      return await spawnAnvil(options, port);
    } catch (error) {
      lastError = error;
    }
  }
  throw EvmDevnetError.wrap("anvil-start-failed", `anvil did not start after ${START_ATTEMPTS} attempts`, lastError);
}

function anvilBinary(): string {
  try {
    // The binary ships in @foundry-rs/anvil's optional per-platform dependency: resolve it from there, the package
    // this one depends on, so the lookup holds however npm lays out node_modules.
    const require = createRequire(import.meta.url);
    const fromAnvil = createRequire(require.resolve("@foundry-rs/anvil/package.json"));
    const pkg = fromAnvil.resolve("@foundry-rs/anvil-linux-amd64/package.json");
    return path.join(path.dirname(pkg), "bin", "anvil");
  } catch (error) {
    throw EvmDevnetError.wrap(
      "anvil-start-failed",
      "the anvil binary (@foundry-rs/anvil-linux-amd64) is missing",
      error,
    );
  }
}

async function spawnAnvil(options: StartAnvilOptions, port: number): Promise<AnvilInstance> {
  const args = [
    "--host",
    LOOPBACK,
    "--port",
    String(port),
    "--chain-id",
    String(options.chainId),
    "--accounts",
    String(options.accounts ?? DEFAULT_ACCOUNTS),
    "--silent",
  ];
  if (options.blockTime !== undefined) args.push("--block-time", String(options.blockTime));
  if (options.clockLagSeconds !== undefined && options.clockLagSeconds > 0) {
    args.push("--timestamp", String(Math.floor(Date.now() / 1_000) - Math.floor(options.clockLagSeconds)));
  }
  // anvil writes its dev accounts' keys there at start; they are read once into memory and the file removed.
  const keysFile = path.join(tmpdir(), `slabridge-anvil-${randomUUID()}.json`);
  args.push("--config-out", keysFile);

  // Its own process group: a terminal's Ctrl-C goes to the foreground group, and the process that started anvil may
  // still need the chain to stop gracefully (settle what is in flight). That process stops anvil (see installHooks).
  const child = spawn(anvilBinary(), args, { stdio: ["ignore", "ignore", "pipe"], detached: true });
  const stderr: string[] = [];
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    if (stderr.join("").length < 4096) stderr.push(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.once("error", reject));
  spawnError.catch(() => {}); // observed through the race below
  const pid = child.pid;
  if (pid === undefined) throw new EvmDevnetError("anvil-start-failed", "anvil could not be spawned");
  track(child);

  const rpcUrl = `http://${LOOPBACK}:${port}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (!stopped) {
      stopped = true;
      await killAndWait(child, exited);
    }
    untrack(child);
  };

  try {
    await Promise.race([
      waitForRpc(rpcUrl, options.readyTimeoutMs ?? 10_000),
      spawnError,
      exited.then(() => {
        throw new EvmDevnetError("anvil-start-failed", `anvil exited early: ${stderr.join("").trim().slice(0, 300)}`);
      }),
    ]);
  } catch (error) {
    rmSync(keysFile, { force: true });
    await stop();
    throw EvmDevnetError.wrap("anvil-start-failed", "anvil did not become ready", error);
  }
  let keys: Hex[];
  try {
    keys = anvilKeysSchema.parse(JSON.parse(readFileSync(keysFile, "utf8"))).private_keys as Hex[];
  } catch (error) {
    await stop();
    throw EvmDevnetError.wrap("anvil-start-failed", "anvil wrote no readable dev account keys", error);
  } finally {
    rmSync(keysFile, { force: true });
  }
  for (const key of keys) registerSecret(key);
  const devAccount = (index: number): LocalAccount => {
    const key = keys[index];
    if (key === undefined) throw new EvmDevnetError("invalid-config", `anvil has no dev account ${index}`);
    return privateKeyToAccount(key);
  };
  return { rpcUrl, chainId: options.chainId, port, pid, devAccount, stop };
}

async function pickFreePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

async function waitForRpc(rpcUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] });
  while (Date.now() < deadline) {
    try {
      const response = await fetch(rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
      if (response.ok) {
        await response.arrayBuffer();
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new EvmDevnetError("anvil-start-failed", `anvil RPC not ready after ${timeoutMs} ms`);
}

async function killAndWait(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 2_000);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

// Every live anvil, so a test process that crashes or is interrupted leaves none behind.
const live = new Set<ChildProcess>();
let hooksInstalled = false;

function track(child: ChildProcess): void {
  live.add(child);
  child.once("exit", () => live.delete(child));
  installHooks();
}

function untrack(child: ChildProcess): void {
  live.delete(child);
}

function killAllSync(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once("exit", killAllSync);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      // The process handles the signal itself (a graceful stop, which stops its anvils, or exits and so runs the exit
      // hook): leave the chains up for it.
      if (process.listenerCount(signal) > 1) return;
      process.off(signal, onSignal);
      killAllSync();
      // Adding a listener cancels Node's default exit; as nobody else handles the signal, exit as Node would have.
      process.kill(process.pid, signal);
    };
    // First in line, so a `once` handler of the process still counts (Node removes it before calling it).
    process.prependListener(signal, onSignal);
  }
}
