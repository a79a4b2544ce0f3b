#!/usr/bin/env node
// forge's compiler, offline: answers forge's solc CLI calls with solc-js (no native solc exists here and forge
// cannot download one). Supports exactly what forge uses: `--version` and `--standard-json` with import paths.
//
// solc-js runs on one core and forge hands it every file in one call, so the shim splits a call's output selection
// over worker threads (one per core, at most 4; SOLC_SHIM_JOBS=1 turns it off) and merges their answers. Each worker
// generates and optimizes code only for its share of the files, which is most of the time. The selection is not part
// of a contract's metadata, so the bytecode is the one a single call gives. Whenever a part reports an error, the call
// is compiled again in one piece, and that answer is the one forge gets. SOLC_SHIM_DEBUG=1 says which it did.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const require = createRequire(import.meta.url);
const DEFINES_CODE = /^\s*(abstract\s+)?contract\s|^\s*library\s/m;
const DEPLOYABLE = /^\s*contract\s/m;
const IMPORT = /^\s*import\s+(?:[^"']*from\s+)?["']([^"']+)["']/gm;

function findImportsIn(roots) {
  return (importPath) => {
    const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((root) => path.resolve(root, importPath));
    for (const candidate of candidates) {
      try {
        return { contents: readFileSync(candidate, "utf8") };
      } catch {
        // try the next root
      }
    }
    return { error: `File not found: ${importPath} (searched ${roots.join(", ")})` };
  };
}

const compile = (input, roots) => require("solc").compile(input, { import: findImportsIn(roots) });

if (isMainThread) {
  await main();
} else {
  parentPort.postMessage(compile(workerData.input, workerData.roots));
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes("--version")) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${require("solc").version()}\n`);
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

  const input = readFileSync(0, "utf8");
  const parts = splitInput(JSON.parse(input), jobCount());
  const merged = parts.length > 1 ? await compileParts(parts, roots) : undefined;
  if (process.env.SOLC_SHIM_DEBUG) {
    const how = merged ? `in ${parts.length} parts` : parts.length > 1 ? "whole (a part failed)" : "whole";
    process.stderr.write(`solc-shim: compiled ${how}\n`);
  }
  process.stdout.write(merged === undefined ? compile(input, roots) : JSON.stringify(merged));
}

function jobCount() {
  const fromEnv = process.env.SOLC_SHIM_JOBS;
  if (fromEnv === undefined) return Math.min(os.availableParallelism(), 4);
  const jobs = Number(fromEnv);
  if (!Number.isInteger(jobs) || jobs < 1) {
    process.stderr.write(`solc-shim: SOLC_SHIM_JOBS must be a positive integer, not "${fromEnv}"\n`);
    process.exit(2);
  }
  return jobs;
}

/**
 * The input split into at most `jobs` inputs whose output selections together are the original's. A file's cost is
 * the code (contracts and libraries, comments stripped) it pulls in through its imports, which is what codegen and the
 * optimizer work through; files are dealt out heaviest first to the lightest part. Returns the input whole when there
 * is nothing to split, or when an import cycle runs through a contract: solc resolves names along a cycle from where
 * the selection enters it, so a part can fail on a name the whole input resolves (LayerZero's test helpers do).
 */
function splitInput(input, jobs) {
  const selection = input.settings?.outputSelection ?? {};
  const sources = input.sources ?? {};
  const files = Object.keys(selection);
  const inline = Object.values(sources).every((source) => typeof source.content === "string");
  if (jobs < 2 || files.includes("*") || !inline) return [input];
  const imports = importGraph(input);
  if (cyclicUnits(imports).some((unit) => DEPLOYABLE.test(sources[unit].content))) return [input];

  const costs = new Map(
    files.map((file) => [file, DEPLOYABLE.test(sources[file]?.content ?? "") ? cost(input, imports, file) : 0]),
  );
  if (files.filter((file) => costs.get(file) > 0).length < 2) return [input];
  const parts = Array.from({ length: jobs }, () => ({ files: [], cost: 0 }));
  for (const file of [...files].sort((a, b) => costs.get(b) - costs.get(a))) {
    const lightest = parts.reduce((a, b) => (b.cost < a.cost ? b : a));
    lightest.files.push(file);
    lightest.cost += costs.get(file);
  }
  return parts
    .filter((part) => part.cost > 0)
    .map((part) => ({
      ...input,
      settings: {
        ...input.settings,
        outputSelection: Object.fromEntries(part.files.map((file) => [file, selection[file]])),
      },
    }));
}

/** Each source's imports, as source names of the input (forge names some files both relative and absolute). */
function importGraph(input) {
  const { sources } = input;
  const remappings = (input.settings.remappings ?? []).map((entry) => entry.split("="));
  const named = (name) => {
    if (sources[name]) return name;
    const other = path.isAbsolute(name) ? path.relative(process.cwd(), name) : path.resolve(process.cwd(), name);
    return sources[other] ? other : undefined;
  };
  const resolve = (from, imported) => {
    if (imported.startsWith("."))
      return named(path.posix.normalize(path.posix.join(path.posix.dirname(from), imported)));
    const remap = remappings.find(([prefix]) => imported.startsWith(prefix));
    return named(remap ? path.posix.normalize(remap[1] + imported.slice(remap[0].length)) : imported);
  };
  const graph = new Map();
  for (const [name, source] of Object.entries(sources)) {
    const targets = [...source.content.matchAll(IMPORT)].map((match) => resolve(name, match[1]));
    graph.set(
      name,
      targets.filter((target) => target !== undefined),
    );
  }
  return graph;
}

/** Every source on an import cycle (Tarjan's strongly connected components of more than one source, or a self-import). */
function cyclicUnits(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cyclic = [];
  let next = 0;
  const visit = (unit) => {
    index.set(unit, next);
    low.set(unit, next++);
    stack.push(unit);
    onStack.add(unit);
    for (const target of graph.get(unit) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(unit, Math.min(low.get(unit), low.get(target)));
      } else if (onStack.has(target)) low.set(unit, Math.min(low.get(unit), index.get(target)));
    }
    if (low.get(unit) !== index.get(unit)) return;
    const component = [];
    for (let member; member !== unit; ) {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    }
    if (component.length > 1 || (graph.get(unit) ?? []).includes(unit)) cyclic.push(...component);
  };
  for (const unit of graph.keys()) if (!index.has(unit)) visit(unit);
  return cyclic;
}

function cost(input, imports, file) {
  const seen = new Set();
  const pending = [file];
  while (pending.length > 0) {
    const unit = pending.pop();
    if (seen.has(unit)) continue;
    seen.add(unit);
    pending.push(...(imports.get(unit) ?? []));
  }
  let total = 0;
  for (const unit of seen) {
    const content = input.sources[unit].content;
    if (DEFINES_CODE.test(content)) total += content.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "").length;
  }
  return total;
}

/** The parts compiled side by side and merged; undefined when a part reported an error (compile it whole instead). */
async function compileParts(parts, roots) {
  const workers = parts.map(
    (part) => new Worker(new URL(import.meta.url), { workerData: { input: JSON.stringify(part), roots } }),
  );
  try {
    const outputs = await Promise.all(
      workers.map(
        (worker) =>
          new Promise((resolve, reject) => {
            worker.once("message", (text) => {
              const output = JSON.parse(text);
              if ((output.errors ?? []).some((error) => error.severity === "error")) reject(new Error("a part failed"));
              else resolve(output);
            });
            worker.once("error", reject);
          }),
      ),
    );
    return mergeOutputs(outputs);
  } catch {
    return undefined;
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** One output from the parts': every part checked the sources, so sources and warnings repeat across parts. */
function mergeOutputs(outputs) {
  const merged = { contracts: {}, sources: {}, errors: [] };
  const seenErrors = new Set();
  for (const output of outputs) {
    for (const [file, contracts] of Object.entries(output.contracts ?? {})) {
      merged.contracts[file] = { ...merged.contracts[file], ...contracts };
    }
    Object.assign(merged.sources, output.sources);
    for (const error of output.errors ?? []) {
      const key = error.formattedMessage ?? JSON.stringify(error);
      if (seenErrors.has(key)) continue;
      seenErrors.add(key);
      merged.errors.push(error);
    }
  }
  return merged;
}
