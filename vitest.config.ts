import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/src/**/*.test.ts", "functions/**/*.test.ts", "stacks/**/*.test.ts", "bench/lib/**/*.test.ts"],
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
  },
});
