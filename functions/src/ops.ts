#!/usr/bin/env node
// `npm run ops`: the operator's commands for the relay's jobs and its kill switch (logic in opsCli.ts). Output goes to
// the terminal, so the process is this file's job.
// Before anything that builds an AWS SDK client: see the module.
import "@slabridge/core/sdk-node-version-warning";
import { runOpsCli } from "./opsCli.ts";

process.exitCode = await runOpsCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  cwd: process.cwd(),
});
