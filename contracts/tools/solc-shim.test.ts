import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SHIM = path.join(import.meta.dirname, "solc-shim.mjs");
const SELECTION = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"];

/** forge's call: a standard JSON input on stdin; returns the output and what the shim says it did. */
function compile(sources: Record<string, string>, jobs: number) {
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: {
      optimizer: { enabled: true, runs: 200 },
      outputSelection: Object.fromEntries(Object.keys(sources).map((name) => [name, { "*": SELECTION }])),
    },
  };
  const run = spawnSync(process.execPath, [SHIM, "--standard-json"], {
    input: JSON.stringify(input),
    encoding: "utf8",
    env: { ...process.env, SOLC_SHIM_JOBS: String(jobs), SOLC_SHIM_DEBUG: "1" },
  });
  expect(run.status).toBe(0);
  return {
    output: JSON.parse(run.stdout) as { contracts?: unknown; errors?: { severity: string }[] },
    how: run.stderr,
  };
}

const pragma = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n";
const counter = `${pragma}import "./Lib.sol";\ncontract Counter { uint256 public n; function add(uint256 x) external { n = Lib.twice(x) + n; } }\n`;
const vault = `${pragma}import "./Lib.sol";\ncontract Vault { mapping(address => uint256) public held; function put() external payable { held[msg.sender] += Lib.twice(msg.value); } }\n`;
const lib = `${pragma}library Lib { function twice(uint256 x) internal pure returns (uint256) { return x * 2; } }\n`;

describe("solc-shim", () => {
  it("compiles independent contracts in parts, with the bytecode and metadata of one whole call", () => {
    const sources = { "Counter.sol": counter, "Vault.sol": vault, "Lib.sol": lib };
    const split = compile(sources, 2);
    const whole = compile(sources, 1);
    expect(split.how).toContain("in 2 parts");
    expect(whole.how).toContain("whole");
    expect(split.output.contracts).toEqual(whole.output.contracts);
    expect(split.output.errors ?? []).toEqual(whole.output.errors ?? []);
  });

  it("answers with the whole call's output when a part fails, so forge sees the error exactly once", () => {
    const broken = `${pragma}contract Broken { function f() external pure returns (uint256) { return missing; } }\n`;
    const sources = { "Counter.sol": counter, "Broken.sol": broken, "Lib.sol": lib };
    const split = compile(sources, 2);
    const whole = compile(sources, 1);
    expect(split.how).toContain("whole (a part failed)");
    expect(split.output).toEqual(whole.output);
    expect(split.output.errors?.filter((error) => error.severity === "error")).toHaveLength(1);
  });

  it("compiles an import cycle through a contract whole: where a part enters the cycle changes what solc resolves", () => {
    const a = `${pragma}import "./B.sol";\ncontract A { function b() external pure returns (uint256) { return 1; } }\n`;
    const b = `${pragma}import "./A.sol";\ncontract B { function a() external pure returns (uint256) { return 2; } }\n`;
    const { how, output } = compile({ "A.sol": a, "B.sol": b }, 2);
    expect(how).toContain("compiled whole");
    expect(Object.keys((output.contracts ?? {}) as object).sort()).toEqual(["A.sol", "B.sol"]);
  });
});
