#!/usr/bin/env node
// The real Wormhole core and Token Bridge EVM bytecode ship only inside @certusone/wormhole-sdk@0.10.18, whose
// install drags in ~460 packages. We fetch just its tarball from the npm registry (`npm pack`), check it against
// the registry's published integrity, and extract the contracts we deploy into wormhole-artifacts/ (gitignored).
// Nothing third-party is committed.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const PACKAGE = "@certusone/wormhole-sdk@0.10.18";
// `npm view @certusone/wormhole-sdk@0.10.18 dist.integrity`
const INTEGRITY = "sha512-VuN4AGB018ELkzTT/jN+yWgE6TWqXsHilxxCVWqGctzow2hKSFd8ADUhxhHigies436rS0vPvrgXi6m0J1+Ecw==";
const CONTRACTS = [
  "Setup",
  "Implementation",
  "Wormhole",
  "BridgeSetup",
  "BridgeImplementation",
  "TokenBridge",
  "TokenImplementation",
];

const outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "wormhole-artifacts");
const stamp = path.join(outDir, "SOURCE");

if (existsSync(stamp) && readFileSync(stamp, "utf8").trim() === `${PACKAGE} ${INTEGRITY}`) process.exit(0);

const work = mkdtempSync(path.join(tmpdir(), "slabridge-wormhole-"));
try {
  process.stdout.write(`wormhole: fetching ${PACKAGE} tarball from the npm registry\n`);
  const tarballName = execFileSync("npm", ["pack", PACKAGE, "--silent", "--pack-destination", work], {
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop();
  const tarball = path.join(work, tarballName);
  const digest = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (digest !== INTEGRITY) throw new Error(`wormhole: ${PACKAGE} integrity mismatch: got ${digest}`);
  execFileSync("tar", ["xzf", tarball, "-C", work, "package/lib/cjs/ethers-contracts/factories"]);
  mkdirSync(outDir, { recursive: true });
  for (const name of CONTRACTS) {
    const source = readFileSync(
      path.join(work, "package/lib/cjs/ethers-contracts/factories", `${name}__factory.js`),
      "utf8",
    );
    const bytecode = /const _bytecode = "(0x[0-9a-fA-F]+)";/.exec(source)?.[1];
    const abiLiteral = /const _abi = (\[[\s\S]*?\n\]);/.exec(source)?.[1];
    if (!bytecode || !abiLiteral) throw new Error(`wormhole: cannot find bytecode/abi of ${name}`);
    // The ABI is a JS literal (unquoted keys), not JSON: evaluate it in an empty context.
    const abi = vm.runInNewContext(`(${abiLiteral})`, {});
    writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify({ abi, bytecode: { object: bytecode } }));
  }
  writeFileSync(stamp, `${PACKAGE} ${INTEGRITY}\n`);
  process.stdout.write(`wormhole: wrote ${CONTRACTS.length} artifacts to ${path.relative(process.cwd(), outDir)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
