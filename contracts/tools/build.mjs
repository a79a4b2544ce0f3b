#!/usr/bin/env node
// The contracts' build: Wormhole's bytecode is fetched (once) beside the compile, which does not need it, then the
// compiled contracts are exported as typed artifacts. Extra arguments go to `forge build`.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const tools = path.dirname(fileURLToPath(import.meta.url));

/** Runs a tool with this process's output; resolves when it exits 0, rejects naming it otherwise. */
function run(script, args = []) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(tools, script), ...args], { stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${script} ${args.join(" ")} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

try {
  await Promise.all([
    run("fetch-wormhole.mjs"),
    run("forge.mjs", ["build", "--skip", "test", "--skip", "test/**", ...process.argv.slice(2)]).then(() =>
      run("export-artifacts.mjs"),
    ),
  ]);
} catch (error) {
  process.stderr.write(`build: ${error.message}\n`);
  process.exit(1);
}
