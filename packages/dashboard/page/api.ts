import type { ControlsJson, EpochJson, HealthJson, JobsJson, ModelJson } from "../src/view/json.ts";
import { isSettled } from "../src/view/shape.ts";

/** Epochs shown per model: the latest ones (a long `--watch` run keeps growing). */
const MAX_EPOCHS = 24;
/** The latest epochs are read on every refresh whatever they showed (the host's bond is read with them). */
const ALWAYS_READ = 2;
/** Epochs whose view can no longer change, by `modelId/epoch`: not read again (each read scans chain logs). */
const settled = new Map<string, EpochJson>();

/** Everything the page shows, read in one refresh. */
export interface Snapshot {
  readonly health: HealthJson;
  readonly models: readonly ModelJson[];
  /** Per model id, its epochs in ascending order. */
  readonly epochs: ReadonlyMap<string, readonly EpochJson[]>;
  readonly jobs: JobsJson;
  readonly controls: ControlsJson;
}

/** A status API request that did not answer 200. */
class StatusFetchError extends Error {
  override readonly name = "StatusFetchError";
}

async function getJson<T>(route: string): Promise<T> {
  // Relative to the page: the status API is the origin (and path) that served it.
  const url = new URL(route, document.baseURI);
  let response: Response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  } catch (error) {
    throw new StatusFetchError(`GET ${url.pathname}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new StatusFetchError(
      `GET ${url.pathname}: ${response.status} ${body?.error?.message ?? response.statusText}`,
    );
  }
  return (await response.json()) as T;
}

/**
 * Reads /health, /models, every model's latest epochs, /jobs (every unfinished state) and /controls.
 *
 * @throws {StatusFetchError} when any of them fails (the page keeps its last data and shows the error)
 */
export async function loadSnapshot(): Promise<Snapshot> {
  const [health, { models }, jobs, controls] = await Promise.all([
    getJson<HealthJson>("health"),
    getJson<{ models: ModelJson[] }>("models"),
    getJson<JobsJson>("jobs"),
    getJson<ControlsJson>("controls"),
  ]);
  const perModel = await Promise.all(
    models.map(async (model) => {
      const current = Number(model.currentEpoch);
      const first = Math.max(0, current - MAX_EPOCHS + 1);
      const numbers = Array.from({ length: current - first + 1 }, (_, index) => first + index);
      const epochs = await Promise.all(
        numbers.map(async (epoch) => {
          const key = `${model.modelId}/${epoch}`;
          const known = current - epoch >= ALWAYS_READ ? settled.get(key) : undefined;
          if (known) return known;
          const view = await getJson<EpochJson>(`models/${model.modelId}/epochs/${epoch}`);
          if (isSettled(view)) settled.set(key, view);
          return view;
        }),
      );
      return [model.modelId, epochs] as const;
    }),
  );
  return { health, models, epochs: new Map(perModel), jobs, controls };
}
