import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/** The main job's end-to-end test (what `npm start` runs). */
const MAIN_JOB_E2E = "functions/src/local/runMainJob.e2e.test.ts";

export default defineConfig({
  test: {
    // Vitest runs cores - 1 files at once: one on a 2-core CI machine. Most files wait on local chains and schedules,
    // not on the CPU, so two at once there take 600 s instead of 880 s (the main job still runs alone, below).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests talk to loopback only; make sure the AWS SDK never probes the EC2 metadata address.
    env: {
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_REGION: "us-east-1",
      // The SDK's opt-out of its Node < 22 notice (see packages/core/src/process/sdkNodeVersionWarning.ts); the
      // processes tests spawn inherit it.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    projects: [
      {
        extends: true,
        test: {
          name: "unit and e2e",
          include: [
            "packages/*/src/**/*.test.ts",
            "functions/**/*.test.ts",
            "stacks/**/*.test.ts",
            "bench/lib/**/*.test.ts",
            "contracts/tools/**/*.test.ts",
          ],
          exclude: [MAIN_JOB_E2E, "**/node_modules/**"],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The main job runs the devnet, every handler, the gateways and the demo hosts in one process and measures
        // the hosts' latency there: it runs after the rest, alone, as a user runs `npm start`, so other test files'
        // CPU is not timed as the hosts' latency.
        extends: true,
        test: { name: "main job", include: [MAIN_JOB_E2E], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
