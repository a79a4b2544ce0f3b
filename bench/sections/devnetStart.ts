// Devnet start section: cold start as a user meets it. Each run is a fresh process (`devnet up --exit-when-ready`),
// timed from spawn to the "ready" line; the devnet's own figure (startDevnet alone) is read from that line.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { judge, type Section } from "../lib/section.ts";
import { mdTable, overRepeats, ratio, seconds } from "../lib/stats.ts";

// A new user waits for this before anything else happens: ready within 5 s of typing the command.
const TARGET_MS = 5_000;
const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

interface Run {
  readonly wallMs: number;
  readonly devnetMs: number;
}

function once(): Promise<Run> {
  const dir = mkdtempSync(path.join(tmpdir(), "slabridge-bench-"));
  const started = performance.now();
  const child = spawn(
    path.join(REPO_ROOT, "node_modules/.bin/tsx"),
    ["packages/devnet/src/cli.ts", "up", "--exit-when-ready", "--dir", dir],
    {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NODE_OPTIONS: "--disable-warning=NodeVersionSupportWarning" },
    },
  );
  return new Promise((resolve, reject) => {
    let text = "";
    let run: Run | undefined;
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const match = /slabridge devnet ready in ([\d.]+) s/.exec(text);
      if (match && run === undefined) run = { wallMs: performance.now() - started, devnetMs: Number(match[1]) * 1000 };
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0 || run === undefined) reject(new Error(`devnet run failed (exit ${code}):\n${text}`));
      else resolve(run);
    });
  });
}

export const devnetStartSection: Section = {
  name: "devnet-start",
  run: async ({ quick }) => {
    const repeats = quick ? 1 : 5;
    const runs: Run[] = [];
    for (let i = 0; i < repeats; i++) {
      const run = await once();
      runs.push(run);
      process.stdout.write(
        `  run ${i + 1}: spawn -> ready ${seconds(run.wallMs)} (startDevnet ${seconds(run.devnetMs)})\n`,
      );
    }
    const wall = overRepeats(runs.map((r) => r.wallMs));
    const inner = overRepeats(runs.map((r) => r.devnetMs));
    const share = overRepeats(runs.map((r) => r.wallMs / r.devnetMs));
    const goal = judge("devnet cold start, spawn -> ready, median", wall.median, "<=", TARGET_MS, seconds);
    return {
      title: "Devnet cold start",
      repeats,
      figures: [
        {
          what: "spawn -> ready",
          unit: "ms",
          value: wall,
          baseline: { what: "startDevnet alone", value: inner },
          ratio: share,
        },
      ],
      goals: [goal],
      ...(goal.met
        ? {}
        : { bounds: "The spawn -> ready time less startDevnet alone is the process start (tsx compiling)." }),
      markdown: [
        `${repeats} fresh process(es) of \`npm run devnet -- up --exit-when-ready\` (without the npm wrapper), one after`,
        "the other; baseline: startDevnet alone, as the devnet prints it in the same run (the rest is process start).",
        `max/min of spawn -> ready over the runs, ${ratio(wall.max / wall.min)}, is this run's noise.`,
        "",
        mdTable(
          ["figure", " median", " min", " max"],
          [
            ["spawn -> ready", seconds(wall.median), seconds(wall.min), seconds(wall.max)],
            ["baseline: startDevnet alone", seconds(inner.median), seconds(inner.min), seconds(inner.max)],
            ["ratio", ratio(share.median), ratio(share.min), ratio(share.max)],
          ],
        ),
      ].join("\n"),
      data: { runs },
    };
  },
};
