import type { Clock, HomeChain, ProbingConfig, SampleStore } from "@slabridge/core";
import { type BlobStore, MemoryBlobStore } from "../attest/BlobStore.ts";
import { cosignReport } from "../attest/cosignReport.ts";
import type { ProberRegistry } from "../attest/ProberRegistry.ts";
import type { ProberInvoker } from "../coordinator/ProberInvoker.ts";
import type { ProberWorld } from "../MeasureWorld.ts";
import type { ProbeRoundPayload } from "../probeRoundPayload.ts";
import { testProberKeys, testRegistry } from "./testProbers.ts";

/** What {@link inProcessProbers} gives a test: the probers' worlds and an invoker that reaches them in-process. */
export interface InProcessProbers {
  registry: ProberRegistry;
  blobs: BlobStore;
  proberWorld(vantage: string): ProberWorld;
  /** Records rounds in `rounds` (a test runs them with recordProbeRound) and co-signs in-process. */
  invoker: Pick<ProberInvoker, "invoke" | "cosign" | "vantages">;
  rounds: { vantage: string; payload: ProbeRoundPayload }[];
}

/**
 * The test deployment's probers in one process: vantage point i holds test key i, all share `samples`, the evidence
 * store and the home chain reads; `invoker.cosign` runs each prober's `cosignReport`, `down` vantage points refuse.
 *
 * @example const probers = inProcessProbers({ probing, samples, clock, home }); world.invoker = probers.invoker;
 */
export function inProcessProbers(options: {
  probing: ProbingConfig;
  samples: SampleStore;
  clock: Clock;
  home: Pick<HomeChain, "chainId" | "modelClock" | "slaTermsAt" | "reportDigest">;
  blobs?: BlobStore;
  down?: ReadonlySet<string>;
  /** The gateway's receipt keys the probers trust (none by default). */
  gatewaySigners?: readonly string[];
}): InProcessProbers {
  const registry = testRegistry(options.probing, options.home.chainId);
  const blobs = options.blobs ?? new MemoryBlobStore();
  const keys = testProberKeys();
  const rounds: { vantage: string; payload: ProbeRoundPayload }[] = [];
  const proberWorld = (vantage: string): ProberWorld => {
    const index = options.probing.vantagePoints.findIndex((v) => v.name === vantage);
    const key = keys[index];
    if (!key) throw new Error(`no test key for vantage point ${vantage}`);
    return {
      samples: options.samples,
      probing: options.probing,
      clock: options.clock,
      key,
      registry,
      blobs,
      home: options.home,
      ...(options.gatewaySigners === undefined ? {} : { gatewaySigners: options.gatewaySigners }),
    };
  };
  return {
    registry,
    blobs,
    proberWorld,
    rounds,
    invoker: {
      vantages: options.probing.vantagePoints.map((v) => v.name),
      invoke: async (vantage, payload) => {
        if (options.down?.has(vantage)) throw new Error(`prober ${vantage} is down`);
        rounds.push({ vantage, payload });
      },
      cosign: async (vantage, request) => {
        if (options.down?.has(vantage)) throw new Error(`prober ${vantage} is down`);
        return cosignReport(proberWorld(vantage), vantage, request);
      },
    },
  };
}
