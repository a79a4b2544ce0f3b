#!/usr/bin/env node
// forge's compiler, offline: answers forge's solc CLI calls with solc-js (no native solc exists here and forge
// cannot download one). Supports exactly what forge uses: `--version` and `--standard-json` with import paths.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const solc = require("solc");
const args = process.argv.slice(2);

if (args.includes("--version")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write("solc-shim: only --version and --standard-json are supported\n");
  process.exit(2);
}

const roots = [];
for (const flag of ["--base-path", "--include-path", "--allow-paths"]) {
  args.forEach((arg, i) => {
    if (arg === flag && args[i + 1]) roots.push(...args[i + 1].split(","));
  });
}
roots.push(process.cwd());

function findImports(importPath) {
  const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((root) => path.resolve(root, importPath));
  for (const candidate of candidates) {
    try {
      return { contents: readFileSync(candidate, "utf8") };
    } catch {
      // try the next root
    }
  }
  return { error: `File not found: ${importPath} (searched ${roots.join(", ")})` };
}

const input = readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
