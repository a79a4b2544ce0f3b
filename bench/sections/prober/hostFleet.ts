// A fleet of demo hosts in a process of its own, so the prober section times the prober's CPU alone (a deployed
// prober does not serve its hosts). Started by the section with the fleet as JSON in argv; prints one line
// `{"urls":[...]}` when every host listens, and closes them all when stdin closes (the section ends or dies).
import { type DemoHost, startDemoHost } from "@slabridge/devnet";

/** What the section asks of the fleet. */
export interface Fleet {
  readonly count: number;
  readonly firstSeed: number;
  readonly model: string;
  readonly latency: { baseMs: number; jitterMs: number; tailProbability: number; slowMs: number };
}

/** The fleet from argv; a bad one is a clear error before any host starts (startDemoHost checks the latency). */
function fleetOf(arg: string | undefined): Fleet {
  const fleet = JSON.parse(arg ?? "null") as Partial<Fleet> | null;
  const count = fleet?.count;
  if (
    fleet === null ||
    typeof count !== "number" ||
    !Number.isInteger(count) ||
    count < 1 ||
    count > 5_000 ||
    typeof fleet.firstSeed !== "number" ||
    typeof fleet.model !== "string" ||
    typeof fleet.latency !== "object"
  ) {
    throw new Error(`hostFleet: expected {count 1-5000, firstSeed, model, latency} as argv[2], got ${arg}`);
  }
  return fleet as Fleet;
}

async function main(): Promise<void> {
  const fleet = fleetOf(process.argv[2]);
  const hosts: DemoHost[] = [];
  const close = () => void Promise.allSettled(hosts.map((h) => h.close())).finally(() => process.exit(0));
  process.stdin.on("close", close);
  process.stdin.on("end", close);
  process.stdin.resume();
  for (let i = 0; i < fleet.count; i++) {
    hosts.push(
      await startDemoHost({
        name: `h${i}`,
        model: fleet.model,
        latency: fleet.latency,
        failureRate: 0,
        seed: fleet.firstSeed + i,
      }),
    );
  }
  process.stdout.write(`${JSON.stringify({ urls: hosts.map((h) => h.url) })}\n`);
}

await main();
