import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { x402BatchSettlementAbi } from "@slabridge/contracts";
import { describe, expect, it } from "vitest";
import { z } from "zod";

type Param = { name: string; type: string; indexed?: boolean | undefined; components?: Param[] | undefined };
const param: z.ZodType<Param> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.string(),
    indexed: z.boolean().optional(),
    components: z.array(param).optional(),
  }),
);
const abiItem = z.object({
  type: z.string(),
  name: z.string().optional(),
  inputs: z.array(param).optional(),
  outputs: z.array(param).optional(),
  stateMutability: z.string().optional(),
  anonymous: z.boolean().optional(),
});
type AbiItem = z.infer<typeof abiItem>;

/** Drops compiler-only fields (`internalType`) so the SDK's hand-written ABI and solc's output compare as equal. */
function normalized(item: AbiItem): AbiItem {
  const strip = (p: Param): Param => ({
    name: p.name,
    type: p.type,
    ...(p.indexed === undefined ? {} : { indexed: p.indexed }),
    ...(p.components === undefined ? {} : { components: p.components.map(strip) }),
  });
  return {
    type: item.type,
    name: item.name,
    inputs: item.inputs?.map(strip),
    ...(item.outputs === undefined ? {} : { outputs: item.outputs.map(strip) }),
    ...(item.stateMutability === undefined ? {} : { stateMutability: item.stateMutability }),
  };
}

/**
 * The ABI the stock SDK calls the channel contract with. @x402/evm bundles it in an internal chunk and does not
 * export it, so the chunk that defines it is found and loaded from the installed package.
 */
async function sdkBatchSettlementAbi(): Promise<AbiItem[]> {
  const require = createRequire(import.meta.url);
  // The package exports no ./package.json; its CommonJS entry sits in dist/cjs, next to dist/esm.
  const esm = path.join(path.dirname(require.resolve("@x402/evm")), "..", "esm");
  const chunk = readdirSync(esm).find(
    (file) => file.endsWith(".mjs") && readFileSync(path.join(esm, file), "utf8").includes("var batchSettlementABI"),
  );
  if (chunk === undefined) throw new Error("@x402/evm no longer bundles batchSettlementABI");
  const module: unknown = await import(pathToFileURL(path.join(esm, chunk)).href);
  return z.object({ batchSettlementABI: z.array(abiItem) }).parse(module).batchSettlementABI;
}

describe("x402 stand-in ABI", () => {
  it("has every function and event of the SDK's batchSettlementABI, with identical names, types and layouts", async () => {
    const sdk = await sdkBatchSettlementAbi();
    const ours = z.array(abiItem).parse(x402BatchSettlementAbi);
    expect(sdk.length).toBeGreaterThan(15);
    for (const item of sdk) {
      const match = ours.find((candidate) => candidate.type === item.type && candidate.name === item.name);
      expect(match && normalized(match), `${item.type} ${item.name}`).toEqual(normalized(item));
    }
  });

  it("emits the binding's lifecycle events", () => {
    const events = z
      .array(abiItem)
      .parse(x402BatchSettlementAbi)
      .filter((item) => item.type === "event")
      .map((item) => item.name);
    expect(events).toEqual(
      expect.arrayContaining([
        "ChannelCreated",
        "ChannelClosed",
        "Deposited",
        "Claimed",
        "Settled",
        "Refunded",
        "WithdrawInitiated",
        "WithdrawFinalized",
      ]),
    );
  });
});
