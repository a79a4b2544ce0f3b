import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { manifestRpcUrlOf, parseDeploymentManifest } from "@slabridge/core";
import { afterEach, describe, expect, it } from "vitest";
import { devnetChainsOf } from "./devnetChainsOf.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const cli = path.join(repoRoot, "packages/devnet/src/cli.ts");
const tsx = path.join(repoRoot, "node_modules/.bin/tsx");
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function startCli(dir: string): {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
  stdout: () => string;
} {
  const child = spawn(tsx, [cli, "up", "--dir", dir, "--epoch-seconds", "5"], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_OPTIONS: "--disable-warning=NodeVersionSupportWarning" },
  });
  children.push(child);
  let stderr = "";
  let stdout = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("devnet: running")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`devnet exited early (${code}):\n${stderr}`)));
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, ready, exited, stdout: () => stdout };
}

async function codeAt(rpcUrl: string, address: string): Promise<string> {
  const response = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_getCode", params: [address, "latest"] }),
  });
  return ((await response.json()) as { result: string }).result;
}

/** Pids of processes whose command line mentions one of the manifest's anvil ports. */
function anvilPids(dir: string): number[] {
  const manifest = parseDeploymentManifest(JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")));
  const ports = devnetChainsOf(manifest).evm.map((chain) => new URL(manifestRpcUrlOf(chain)).port);
  const table = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return table
    .split("\n")
    .filter((line) => line.includes("anvil") && ports.some((port) => line.includes(`--port ${port}`)))
    .map((line) => Number.parseInt(line.trim(), 10));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("npm run devnet", () => {
  it("prints its usage with --help", () => {
    const out = execFileSync(tsx, [cli, "--help"], { cwd: repoRoot, encoding: "utf8" });
    expect(out).toContain("Usage:");
    expect(out).toContain("npm run devnet -- down");
  });

  it("rejects an unknown command with a clear message and exit code 2", () => {
    const run = () => execFileSync(tsx, [cli, "sideways"], { cwd: repoRoot, encoding: "utf8", stdio: "pipe" });
    expect(run).toThrow(/unknown command "sideways"/);
  });

  it("deploys an SLA receiver per model and the x402 channels on each EVM chain, as npm start does", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "slabridge-cli-"));
    dirs.push(dir);
    const { child, ready, exited, stdout } = startCli(dir);
    await ready;
    // the summary goes to stdout, the ready line to stderr: two pipes, no order between them
    await expect.poll(stdout).toContain("manifest:");
    const manifest = parseDeploymentManifest(JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")));
    const modelIds = manifest.models.map((model) => model.modelId).sort();
    expect(modelIds.length).toBeGreaterThan(0);
    for (const chain of devnetChainsOf(manifest).evm) {
      const { slaReceivers, x402Channels } = chain.contracts;
      expect(Object.keys(slaReceivers ?? {}).sort(), chain.name).toEqual(modelIds);
      for (const receiver of [...Object.values(slaReceivers ?? {}), x402Channels ?? "0x"]) {
        expect((await codeAt(manifestRpcUrlOf(chain), receiver)).length, `${chain.name} ${receiver}`).toBeGreaterThan(
          2,
        );
      }
      for (const [modelId, receiver] of Object.entries(slaReceivers ?? {})) {
        expect(stdout()).toContain(`${`slaReceiver ${modelId}`.padEnd(20)} ${receiver}`);
      }
    }
    // the facilitator's key is in the manifest, as the gateways need it
    expect(manifest.keys.x402Facilitator).toBeDefined();
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  }, 90_000);

  it("stops everything it started on Ctrl-C (SIGINT)", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "slabridge-cli-"));
    dirs.push(dir);
    const { child, ready, exited, stdout } = startCli(dir);
    await ready;
    const anvils = anvilPids(dir);
    expect(anvils).toHaveLength(2);
    // The roles' KMS keys live in this process: the summary says where to reach them.
    // The summary (stdout) and the ready line (stderr) are two pipes with no order between them.
    await expect.poll(stdout).toMatch(/KMS \(stand-in\)\s+http:\/\/127\.0\.0\.1:\d+/);
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    for (const pid of anvils) expect(isAlive(pid)).toBe(false);
    expect(existsSync(path.join(dir, "devnet.pid"))).toBe(false);
  }, 90_000);

  it("`devnet down` stops a devnet started from another process", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "slabridge-cli-"));
    dirs.push(dir);
    const { ready, exited } = startCli(dir);
    await ready;
    const anvils = anvilPids(dir);
    const out = execFileSync(tsx, [cli, "down", "--dir", dir], { cwd: repoRoot, encoding: "utf8" });
    expect(out).toMatch(/devnet: stopped \(pid \d+\)/);
    expect(await exited).toBe(0);
    for (const pid of anvils) expect(isAlive(pid)).toBe(false);
  }, 90_000);
});
