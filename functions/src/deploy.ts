#!/usr/bin/env node
// `npm run deploy`: deploys and wires slabridge's contracts on a stage's chains (logic in @slabridge/deploy). Output
// goes to the terminal, so console is this file's job.
// Before anything that builds an AWS SDK client: see the module.
import "@slabridge/core/sdk-node-version-warning";
import { runDeployCli } from "@slabridge/deploy";

process.exitCode = await runDeployCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
