import type { Clock, CursorStore, DeploymentManifest, StageConfig } from "@slabridge/core";
import { RouteControls } from "@slabridge/relay";

/**
 * The stage's kill switch and rate limits: its chains and routes (with each route's `maxValuePerHour`) and the
 * manifest's models (their sales), kept as records in the cursor store. One per world: the relay engine asks it
 * before sending, the gateway before selling a call, the ops command pauses and resumes through it, the status API
 * lists its pauses.
 *
 * @example const controls = routeControlsOf(config, stores.cursors, clock, manifest);
 */
export function routeControlsOf(
  config: StageConfig,
  records: CursorStore,
  clock: Clock,
  manifest?: Pick<DeploymentManifest, "models">,
): RouteControls {
  const routes = new Map<string, { source: number; destination: number; maxValuePerHour?: bigint }>();
  for (const route of config.routes) {
    // One limit per (source, destination): the smallest of its kinds' limits.
    const key = `${route.source}-${route.destination}`;
    const limit = route.maxValuePerHour === undefined ? undefined : BigInt(route.maxValuePerHour);
    const seen = routes.get(key)?.maxValuePerHour;
    const min = seen === undefined ? limit : limit === undefined || seen < limit ? seen : limit;
    routes.set(key, {
      source: route.source,
      destination: route.destination,
      ...(min === undefined ? {} : { maxValuePerHour: min }),
    });
  }
  return new RouteControls({
    records,
    clock,
    chains: config.chains.map((c) => c.chainId),
    routes: [...routes.values()],
    models: (manifest?.models ?? []).map((model) => BigInt(model.modelId)),
  });
}
