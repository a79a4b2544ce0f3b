import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The local entry points import @slabridge/core/sdk-node-version-warning first, so the AWS SDK's Node < 22 notice
// never lands in the middle of their output. Each case runs a fresh process: the SDK warns once per process.

const functionsDir = fileURLToPath(new URL("..", import.meta.url));
const nodeMajor = Number(process.versions.node.split(".")[0]);

/** stderr of a process that (optionally) imports the opt-out first, then builds an SQS client. */
function stderrOf(withOptOut: boolean, extraEnv: Record<string, string> = {}): string {
  const source = [
    withOptOut ? 'import "@slabridge/core/sdk-node-version-warning";' : "",
    'const { SQSClient } = await import("@aws-sdk/client-sqs");',
    'new SQSClient({ region: "us-east-1" });',
  ].join("\n");
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  if (!("AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED" in extraEnv)) {
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED; // vitest.config.ts sets it for every test
  }
  delete env.NODE_OPTIONS;
  const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", source], {
    cwd: functionsDir,
    env,
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(`child exited ${child.status}: ${child.stderr}`);
  return child.stderr;
}

describe("the AWS SDK's Node version notice", () => {
  it("is not printed by a process that imports the opt-out first", () => {
    expect(stderrOf(true)).not.toContain("NodeVersionSupportWarning");
  });

  it.runIf(nodeMajor < 22)("is printed without it, also with --disable-warning (the SDK gives it no type)", () => {
    expect(stderrOf(false)).toContain("NodeVersionSupportWarning");
    expect(stderrOf(false, { NODE_OPTIONS: "--disable-warning=NodeVersionSupportWarning" })).toContain(
      "NodeVersionSupportWarning",
    );
  });

  it.runIf(nodeMajor < 22)("keeps a value the caller set explicitly", () => {
    expect(stderrOf(true, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "false" })).toContain(
      "NodeVersionSupportWarning",
    );
  });
});
