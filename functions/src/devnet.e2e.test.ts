import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

// `npm run devnet` as a user runs it (node with tsx's loader, the script npm runs): the devnet, and the status API
// with its dashboard over it, announced in the summary and stopped with it.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const script = path.join(repoRoot, "functions/src/devnet.ts");
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("npm run devnet: the dashboard over the devnet", { timeout: 120_000 }, () => {
  it("prints one dashboard line; the page and the status API answer; Ctrl-C stops them with the devnet", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "slabridge-devnet-dashboard-"));
    dirs.push(dir);
    const child = spawn(process.execPath, ["--import", "tsx", script, "up", "--dir", dir, "--epoch-seconds", "5"], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "--disable-warning=NodeVersionSupportWarning" },
    });
    children.push(child);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("devnet: running")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`devnet exited early (${code}):\n${stderr}`)));
    });
    await expect.poll(() => stdout).toContain("manifest:");

    const lines = stdout.split("\n").filter((line) => /^\s*dashboard\s/.test(line));
    expect(lines).toHaveLength(1);
    const url = /dashboard\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(lines[0] ?? "")?.[1];
    expect(url, stdout).toBeDefined();

    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("<title>slabridge dashboard</title>");
    const models = (await (await fetch(`${url}/models`)).json()) as { models: { modelId: string }[] };
    expect(models.models.map((model) => model.modelId)).toEqual(["1", "2", "3"]);

    child.kill("SIGINT");
    expect(await exited).toBe(0);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });
});
