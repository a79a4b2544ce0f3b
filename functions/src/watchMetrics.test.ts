import type { ChainAdapter } from "@slabridge/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { createWatchHandler } from "./watch.ts";

// The stacks alarm on SignerBalance with dimensions { service, stage, signer, chain }: an alarm matches only a metric
// emitted with exactly those dimensions, so this checks what the handler writes (Powertools' EMF on stdout).

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.STAGE;
});

let nextChainId = 1;
const chain = (name: string, signerBalances?: ChainAdapter["signerBalances"]): ChainAdapter =>
  ({
    family: "evm",
    chainId: nextChainId++,
    name,
    watch: async () => ({ chain: name }),
    ...(signerBalances ? { signerBalances } : {}),
  }) as unknown as ChainAdapter;

/** The EMF documents one run of the watch handler writes over `chains`. */
async function emittedMetrics(chains: ChainAdapter[]): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const world = { chains: new Map(chains.map((c) => [c.chainId, c])) } as unknown as RelayWorld;
  await createWatchHandler(async () => world)();
  vi.restoreAllMocks();
  return lines
    .flatMap((line) => line.split("\n"))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("the watcher's signer balances", () => {
  it("emits SignerBalance per key and chain with the dimensions the balance alarms name", async () => {
    process.env.STAGE = "dev";
    const documents = await emittedMetrics([
      chain("evm-a", async () => [
        { role: "relayer", address: "0x01", balance: 0.25 },
        { role: "dvn", address: "0x02", balance: 0.04 },
      ]),
    ]);
    expect(documents).toHaveLength(2);
    expect(documents[0]).toMatchObject({
      service: "slabridge-watch",
      stage: "dev",
      signer: "relayer",
      chain: "evm-a",
      SignerBalance: 0.25,
    });
    expect(documents[1]).toMatchObject({ signer: "dvn", chain: "evm-a", SignerBalance: 0.04 });
    const [first] = documents;
    if (!first) throw new Error("no metrics were written");
    const { CloudWatchMetrics } = first._aws as {
      CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][] }>;
    };
    expect(CloudWatchMetrics[0]?.Namespace).toBe("slabridge");
    expect(new Set(CloudWatchMetrics[0]?.Dimensions[0])).toEqual(new Set(["service", "stage", "signer", "chain"]));
  });

  it("skips a chain whose balances cannot be read, without failing the watch pass", async () => {
    const documents = await emittedMetrics([
      chain("evm-a", async () => {
        throw new Error("rpc down");
      }),
      chain("evm-b", async () => [{ role: "relayer", address: "0x01", balance: 1 }]),
      chain("solana"),
    ]);
    expect(documents.map((d) => d.chain)).toEqual(["evm-b"]);
  });
});
