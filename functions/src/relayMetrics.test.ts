import type { Context, SQSEvent } from "aws-lambda";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RelayWorld } from "./context/buildRelayWorld.ts";
import { createRelayHandler } from "./relay.ts";

// The stacks alarm on the relay's JobDeadLettered count with dimensions { service, stage }: an alarm matches only a
// metric emitted with exactly those dimensions, so this checks what the handler writes (Powertools' EMF on stdout).

const event = (jobId: string): SQSEvent =>
  ({ Records: [{ messageId: "m-1", body: JSON.stringify({ jobId }), eventSource: "aws:sqs" }] }) as SQSEvent;
const context = { functionName: "Relay", awsRequestId: "r-1" } as Context;
const worldGivingUp = {
  engine: { process: async (jobId: string) => ({ jobId, result: "dead-lettered", job: {} }) },
} as unknown as RelayWorld;

afterEach(() => {
  vi.restoreAllMocks();
  delete process.env.STAGE;
});

/** The EMF documents a run of the handler writes. */
async function emittedMetrics(): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  await createRelayHandler(async () => worldGivingUp)(event("deliver-message:lz:guid-1"), context);
  vi.restoreAllMocks();
  return lines
    .flatMap((line) => line.split("\n"))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("the relay's metrics", () => {
  it("count a job given up on as JobDeadLettered, with the service and stage dimensions the alarm names", async () => {
    process.env.STAGE = "dev";
    const [document] = await emittedMetrics();
    if (!document) throw new Error("no metrics were written");
    expect(document).toMatchObject({ service: "slabridge-relay", stage: "dev", JobDeadLettered: 1, RecordReceived: 1 });
    const { CloudWatchMetrics } = document._aws as { CloudWatchMetrics: Array<{ Namespace: string }> };
    expect(CloudWatchMetrics).toMatchObject([{ Namespace: "slabridge", Dimensions: [["service", "stage"]] }]);
  });

  it("two batches side by side in one process (the local runtime) count both and print no empty-metrics warning", async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    // Powertools warns through its own Console on the process's stderr.
    const warned: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      warned.push(String(chunk));
      return true;
    });
    // Both batches' jobs finish at once: the first to publish carries the other's counts too.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const world = {
      engine: {
        process: async (jobId: string) => {
          await held;
          return { jobId, result: "confirmed", job: {} };
        },
      },
    } as unknown as RelayWorld;
    const handler = createRelayHandler(async () => world);
    const slow = handler(event("slow"), context);
    const fast = handler({ Records: [{ ...event("fast").Records[0], messageId: "m-2" }] } as SQSEvent, context);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    await Promise.all([slow, fast]);
    vi.restoreAllMocks();
    const documents = written
      .flatMap((line) => line.split("\n"))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // EMF writes a metric added twice before a publish as a list of values.
    const counted = documents
      .flatMap((doc) => [doc.RecordReceived ?? []].flat())
      .reduce((sum: number, value) => sum + Number(value), 0);
    expect(counted).toBe(2);
    const all = [...written, ...warned].join("\n");
    expect(all).not.toContain("No application metrics to publish");
  });
});
