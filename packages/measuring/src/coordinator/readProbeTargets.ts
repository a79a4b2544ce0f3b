import { epochAt, MAX_PROBE_TIMEOUT_MS } from "@slabridge/core";
import { type MeasureWorld, measuredModels } from "../MeasureWorld.ts";
import { MAX_ENDPOINT_LENGTH, type ProbeTargetPayload, probeTargetPayloadSchema } from "../probeRoundPayload.ts";

/** The targets of one round, and the models left out because their listing cannot be probed. */
export interface ProbeTargets {
  targets: ProbeTargetPayload[];
  /**
   * Models whose terms do not make a valid probe. Never a model with an unusable endpoint: that one is a target, and
   * probed as down.
   */
  skipped: { modelId: string; reason: string }[];
}

/**
 * Reads every measured model from the home chain's ModelRegistry for a round scheduled at `atMs`: its epoch by the
 * registry's clock (genesis + epochSeconds, at wall-clock time), its host endpoint (`hostOf`) and the epoch's SLA
 * probe timeout (`slaTermsAt`), clamped to `MAX_PROBE_TIMEOUT_MS`, and, for a model sold through an x402 gateway
 * (`probeRoutes`), its gateway URL and the chain the probers pay on. The probe requests the model named by `probing.servedModel`.
 *
 * @example const { targets } = await readProbeTargets(world, Date.now());
 */
export async function readProbeTargets(
  world: Pick<MeasureWorld, "manifest" | "home" | "probing" | "probeRoutes">,
  atMs: number,
): Promise<ProbeTargets> {
  const rows = await Promise.all(
    measuredModels(world).map(async (modelId) => {
      const clock = await world.home.modelClock(modelId);
      const epoch = epochAt(clock, atMs);
      const [endpoint, terms] = await Promise.all([world.home.hostOf(modelId), world.home.slaTermsAt(modelId, epoch)]);
      const gateway = world.probeRoutes?.routeOf(modelId, epoch, atMs);
      return probeTargetPayloadSchema.safeParse({
        modelId: modelId.toString(),
        epoch: epoch.toString(),
        // Any endpoint goes out as listed, a non-URL too: the probers record it as down (see isProbeableEndpoint).
        endpoint: endpoint.length > MAX_ENDPOINT_LENGTH ? "" : endpoint,
        model: world.probing.servedModel.replaceAll("{modelId}", modelId.toString()),
        // Clamped whatever the chain says (older terms, or a registry without the cap): one host can never hold a
        // prober longer than this, so the other hosts' probes and the round's budget are safe.
        timeoutMs: Math.min(terms.probeTimeoutMs, MAX_PROBE_TIMEOUT_MS),
        // Sold through a gateway: probed there as a paying buyer, so the host cannot tell a probe from a sale.
        ...(gateway === undefined
          ? {}
          : {
              gateway: {
                url: gateway.url,
                chainId: gateway.chainId,
                ...(gateway.payUntil === undefined ? {} : { payUntil: gateway.payUntil }),
              },
            }),
      });
    }),
  );
  const result: ProbeTargets = { targets: [], skipped: [] };
  rows.forEach((row, i) => {
    if (row.success) result.targets.push(row.data);
    else {
      const issue = row.error.issues[0];
      result.skipped.push({
        modelId: String(measuredModels(world)[i]),
        reason: `${issue?.path.join(".")}: ${issue?.message ?? "invalid"}`,
      });
    }
  });
  return result;
}
