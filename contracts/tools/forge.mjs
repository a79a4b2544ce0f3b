#!/usr/bin/env node
// Runs the npm-installed forge binary directly (the .bin wrapper costs ~100 ms a call) from contracts/.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const contractsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tool = process.env.FOUNDRY_TOOL ?? "forge";
const binary = path.join(path.dirname(require.resolve(`@foundry-rs/${tool}-linux-amd64/package.json`)), "bin", tool);
const result = spawnSync(binary, process.argv.slice(2), { cwd: contractsDir, stdio: "inherit" });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
