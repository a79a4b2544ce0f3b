import type { DeploymentManifest, ModelManifest, StageConfig } from "@slabridge/core";
import { describe, expect, it } from "vitest";
import { MODELS_REFRESH_MS, type StageFiles, stageWorld } from "./stageFiles.ts";

const model = (modelId: string): ModelManifest => ({
  modelId,
  homeChainId: 31_338,
  genesis: 1_700_000_000,
  epochSeconds: 3_600,
  hostName: "host.example",
  hostUrl: "https://host.example",
  pricePerRequest: "4300",
});

/** A registry the test mints into, read as readStageFiles would; `fail` makes the next reads throw. */
function registry(modelsFrom: StageFiles["modelsFrom"] = "registry") {
  const state = { models: [model("1")], reads: 0, fail: false };
  const read = async (): Promise<StageFiles> => {
    state.reads++;
    if (state.fail) throw new Error("rpc down");
    const manifest = { models: [...state.models] } as unknown as DeploymentManifest;
    return { config: {} as StageConfig, manifest, modelsFrom };
  };
  return { state, read };
}

function worldOf(read: () => Promise<StageFiles>, clock: { ms: number }) {
  const builds: string[][] = [];
  const world = stageWorld(
    ({ manifest }) => {
      builds.push(manifest.models.map((m) => m.modelId));
      return { models: manifest.models.map((m) => m.modelId) };
    },
    { read, now: () => clock.ms },
  );
  return { world, builds };
}

describe("stageWorld", () => {
  it("serves the models it read until the refresh period has passed, then rebuilds only when they changed", async () => {
    const { state, read } = registry();
    const clock = { ms: 0 };
    const { world, builds } = worldOf(read, clock);

    const first = await world({});
    expect(first.models).toEqual(["1"]);
    clock.ms = MODELS_REFRESH_MS - 1;
    expect(await world({})).toBe(first);
    expect(state.reads).toBe(1);

    clock.ms = MODELS_REFRESH_MS;
    expect(await world({})).toBe(first); // read again: the same models, the same world
    expect(state.reads).toBe(2);

    state.models.push(model("2")); // a host mints a model
    clock.ms = 2 * MODELS_REFRESH_MS;
    const second = await world({});
    expect(second.models).toEqual(["1", "2"]);
    expect(builds).toEqual([["1"], ["1", "2"]]);
  });

  it("keeps serving the world it has when a re-read fails, and fails a first read", async () => {
    const { state, read } = registry();
    const clock = { ms: 0 };
    const { world } = worldOf(read, clock);
    state.fail = true;
    await expect(world({})).rejects.toThrow("rpc down");

    state.fail = false;
    const first = await world({}); // a failed first read is not kept: the next call reads again
    state.fail = true;
    clock.ms = MODELS_REFRESH_MS;
    expect(await world({})).toBe(first);
    expect(state.reads).toBe(3);
    clock.ms = MODELS_REFRESH_MS + 1; // the failed re-read counts as a read: no retry on every call
    expect(await world({})).toBe(first);
    expect(state.reads).toBe(3);
  });

  it("never reads again a manifest that lists its own models (the devnet's)", async () => {
    const { state, read } = registry("manifest");
    const clock = { ms: 0 };
    const { world } = worldOf(read, clock);
    const first = await world({});
    clock.ms = 10 * MODELS_REFRESH_MS;
    expect(await world({})).toBe(first);
    expect(state.reads).toBe(1);
  });

  it("reads once for calls that arrive while a read is under way", async () => {
    const { state, read } = registry();
    const { world } = worldOf(read, { ms: 0 });
    const [a, b] = await Promise.all([world({}), world({})]);
    expect(a).toBe(b);
    expect(state.reads).toBe(1);
  });

  it("builds again after a build that failed", async () => {
    const { read } = registry();
    let attempts = 0;
    const world = stageWorld(
      () => {
        attempts++;
        if (attempts === 1) throw new Error("bad link");
        return { ok: true };
      },
      { read, now: () => 0 },
    );
    await expect(world({})).rejects.toThrow("bad link");
    expect(await world({})).toEqual({ ok: true });
  });
});
