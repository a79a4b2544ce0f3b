import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { createDevnetClients } from "./devnetClients.ts";
import { isRunning, waitUntilGone } from "./fixtures/processState.ts";
import { startAnvil } from "./startAnvil.ts";

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "anvilOrphanFixture.ts");

/**
 * Runs the fixture in a child Node process; resolves with anvil's pid and the fixture's later output once the child
 * has exited. `group`: the signal goes to the fixture's whole process group, as a terminal's Ctrl-C (SIGINT) or hang-up
 * (SIGHUP) does, instead of to the fixture alone.
 */
async function orphanCheck(
  mode: "throw" | "SIGTERM" | "SIGINT" | "graceful",
  signal?: { name: NodeJS.Signals; group: boolean },
): Promise<{ pid: number; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, mode], {
    stdio: ["ignore", "pipe", "ignore"],
    detached: signal?.group === true,
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let output = "";
  const pid = await new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding("utf8");
    child.stdout.once("data", (line: string) => {
      resolve(Number.parseInt(line, 10));
      child.stdout.on("data", (more: string) => {
        output += more;
      });
    });
    child.once("exit", () => reject(new Error("fixture exited before reporting a pid")));
  });
  const childPid = child.pid ?? 0;
  if (signal?.group) process.kill(-childPid, signal.name);
  else if (mode !== "throw" && mode !== "graceful") child.kill(mode);
  await exited;
  return { pid, output };
}

describe("startAnvil", () => {
  it("starts on a loopback port with the requested chain id and stops without leaving a process", async () => {
    const anvil = await startAnvil({ chainId: 31_337 });
    expect(anvil.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(isRunning(anvil.pid)).toBe(true);
    const clients = createDevnetClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId });
    expect(await clients.publicClient.getChainId()).toBe(31_337);
    expect(await clients.accounts()).toHaveLength(10);

    await anvil.stop();
    expect(isRunning(anvil.pid)).toBe(false);
    await anvil.stop(); // idempotent
  });

  it("runs two instances at once on different ports", async () => {
    const [a, b] = await Promise.all([startAnvil({ chainId: 31_337 }), startAnvil({ chainId: 31_338 })]);
    try {
      expect(a.port).not.toBe(b.port);
      const chainA = createDevnetClients({ rpcUrl: a.rpcUrl, chainId: a.chainId }).publicClient;
      const chainB = createDevnetClients({ rpcUrl: b.rpcUrl, chainId: b.chainId }).publicClient;
      expect([await chainA.getChainId(), await chainB.getChainId()]).toEqual([31_337, 31_338]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(isRunning(a.pid) || isRunning(b.pid)).toBe(false);
  });

  it.each(["throw", "SIGTERM", "SIGINT"] as const)(
    "leaves no anvil behind when its process dies (%s)",
    async (mode) => {
      const { pid } = await orphanCheck(mode);
      expect(pid).toBeGreaterThan(0);
      expect(await waitUntilGone(pid)).toBe(true);
    },
  );

  it.each(["SIGINT", "SIGHUP"] as const)(
    "leaves no anvil behind when its terminal sends %s to the whole process group",
    async (name) => {
      const { pid } = await orphanCheck("SIGTERM", { name, group: true });
      expect(await waitUntilGone(pid)).toBe(true);
    },
  );

  it("keeps anvil up through a Ctrl-C its process handles, so a graceful stop can still use the chain", async () => {
    const { pid, output } = await orphanCheck("graceful", { name: "SIGINT", group: true });
    expect(output.trim()).toBe("anvil answered after SIGINT");
    expect(await waitUntilGone(pid)).toBe(true);
  });

  it("rejects a non-loopback RPC URL for clients", () => {
    expect(() => createDevnetClients({ rpcUrl: "https://rpc.example.org", chainId: 1 })).toThrow(/loopback/);
  });
});
