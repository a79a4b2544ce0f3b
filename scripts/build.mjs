#!/usr/bin/env node
// `npm run build`, which npm start, test, bench and deploy run first: the contracts and the dashboard's page bundle
// are independent, so they build side by side.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Runs a command from the repository root with this process's output; rejects naming it when it fails. */
function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${[command, ...args].join(" ")} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

try {
  await Promise.all([
    run(process.execPath, [path.join("contracts", "tools", "build.mjs")]),
    run("npm", ["run", "build", "--silent", "-w", "@slabridge/dashboard"]),
  ]);
} catch (error) {
  process.stderr.write(`build: ${error.message}\n`);
  process.exit(1);
}
