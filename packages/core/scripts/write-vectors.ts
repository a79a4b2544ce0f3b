// Writes contracts/test/vectors/messages.json from the TypeScript codec. Run: npx tsx packages/core/scripts/write-vectors.ts
// The vitest suite (src/codec/messageVectors.test.ts) fails when the committed file drifts from this output.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildMessageVectors, serializeMessageVectors } from "../src/codec/messageVectors.ts";

const target = fileURLToPath(new URL("../../../contracts/test/vectors/messages.json", import.meta.url));
const text = serializeMessageVectors(buildMessageVectors());
let current: string | undefined;
try {
  current = readFileSync(target, "utf8");
} catch {
  current = undefined;
}
if (current === text) {
  process.stdout.write(`${target} is up to date\n`);
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${target}\n`);
}
