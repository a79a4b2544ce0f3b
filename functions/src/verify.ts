#!/usr/bin/env node
// `npm run verify`: a buyer's check of one SLA verdict from its published evidence (logic and help in @slabridge/verify;
// this file binds it to the terminal, npm start's endpoints file, the devnet manifest and the EVM adapter).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { manifestRpcUrlOf, parseDeploymentManifest } from "@slabridge/core";
import { runVerifyCli } from "@slabridge/verify";
import { readVerdictOverRpc } from "./context/verify/readVerdictOverRpc.ts";
import { readLocalEndpoints } from "./local/localEndpoints.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

process.exitCode = await runVerifyCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  localEndpoints: () => readLocalEndpoints(path.join(repoRoot, ".devnet/endpoints.json")),
  devnetHome: () => {
    try {
      const manifest = parseDeploymentManifest(
        JSON.parse(readFileSync(path.join(repoRoot, ".devnet/manifest.json"), "utf8")),
      );
      const home = manifest.chains.find((chain) => chain.chainId === manifest.homeChainId);
      return home?.family === "evm" ? { rpcUrl: manifestRpcUrlOf(home), oracle: home.contracts.slaOracle } : undefined;
    } catch {
      return undefined;
    }
  },
  isRunning: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === "EPERM";
    }
  },
  readVerdictOver: readVerdictOverRpc,
});
