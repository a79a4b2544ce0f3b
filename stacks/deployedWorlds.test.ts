import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deployedFunctions, describedFunctions, type FunctionKey } from "@slabridge/topology";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { regionComponentSuffix } from "./probes.ts";
import { stageTopology } from "./stages.ts";
import { lambdaEnvironment } from "./testing/lambdaEnvironment.ts";
import { recordDeployment } from "./testing/recordDeployment.ts";
import type { RecordedConstruct, SstRecording } from "./testing/recordingSst.ts";
import { deadLoopback } from "./testing/stageManifest.ts";

// Each deployed function's cold start, in exactly the environment its stack gives it: the links SST turns into
// SST_RESOURCE_* variables, the stack's environment, the stage config and manifest bundled with the code. A function
// that reads a link its stack does not give fails here, not at its first cold start in AWS (commit 404fc3a); a table,
// queue or RPC secret linked but never read fails too (least privilege). Building a world opens no connection:
// clients connect lazily, and every URL points at port 9 of loopback, where nothing listens.

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

/** The secrets `sst secret set` gives a deployed stage, pointed at loopback. */
const secretValues: Record<string, string> = {
  RpcUrlEvmA: deadLoopback("evm-a"),
  RpcUrlEvmB: deadLoopback("evm-b"),
  RpcUrlSolana: deadLoopback("solana"),
  GuardianApiUrl: deadLoopback("guardian"),
  GatewayReceiptKey: `0x${randomBytes(32).toString("hex")}`,
};

/**
 * Links a stack gives but no cold start reads yet, each for a reason: the guardian API secret waits for the AWS
 * guardian wiring (the worlds use the manifest's guardian URL); the coordinator invokes the probers named in the stage
 * config's vantage points, not `ProberFunctions`. Signing keys are no links: the worlds sign with the manifest's KMS
 * keys, the ones the stack grants.
 */
const linkedForLater = (name: string) => name === "GuardianApiUrl" || name === "ProberFunctions";

/** Fresh builder modules (their worlds are cached per container), observing the links they read. */
async function coldStartModules() {
  vi.resetModules();
  const [links, relay, measure, status, netting, rpc, gateway] = await Promise.all([
    import("@slabridge/functions/src/context/linkedResource.ts"),
    import("@slabridge/functions/src/context/worldFromEnv.ts"),
    import("@slabridge/functions/src/context/measuring/measureWorldFromEnv.ts"),
    import("@slabridge/functions/src/context/status/statusWorldFromEnv.ts"),
    import("@slabridge/functions/src/context/netting/buildNettingWorld.ts"),
    import("@slabridge/functions/src/context/resolveRpcUrl.ts"),
    import("@slabridge/functions/src/context/gateway/gatewayServiceFromEnv.ts"),
  ]);
  return { links, relay, measure, status, netting, rpc, gateway };
}
type Modules = Awaited<ReturnType<typeof coldStartModules>>;

/**
 * What each deployed handler builds before its first event: its world from the environment (the production
 * `…FromEnv` builders), and the links the handler module reads itself.
 */
const coldStarts = {
  watchEvm: ({ relay }, env) => relay.worldFromEnv(env),
  watchSolana: async ({ relay, rpc }, env) => {
    const world = await relay.worldFromEnv(env);
    const chain = world.config.chains.find((c) => c.family === "solana");
    if (chain) rpc.resolveRpcUrl(chain, world.manifest, env);
  },
  relay: async ({ relay, links }, env) => {
    links.linkedResource("Idempotency", links.linkedTable, env);
    await relay.worldFromEnv(env);
  },
  retry: ({ relay }, env) => relay.worldFromEnv(env),
  prober: ({ measure }, env) => measure.proberWorldFromEnv(env),
  probeCoordinator: ({ measure }, env) => measure.measureWorldFromEnv(env),
  evaluate: ({ measure }, env) => measure.measureWorldFromEnv(env),
  refund: ({ relay }, env) => relay.worldFromEnv(env),
  settle: ({ relay }, env) => relay.worldFromEnv(env),
  net: async ({ relay, netting }, env) => netting.buildNettingWorld(await relay.worldFromEnv(env)),
  status: ({ status }, env) => status.statusWorldFromEnv(env),
  gateway: ({ gateway }, env) => gateway.gatewayServiceFromEnv(env),
} satisfies Record<FunctionKey, (modules: Modules, env: NodeJS.ProcessEnv) => Promise<unknown>>;

/** The description a recorded function was declared from (probers: one per region, one description). */
function keyOf(fn: RecordedConstruct): FunctionKey {
  const found = describedFunctions().find(([, description]) => description.handler === fn.args.handler);
  if (!found) throw new Error(`${fn.name} has no record in @slabridge/topology`);
  return found[0];
}

/** Connections attempted while the guard is on (host or socket path). */
const connections: string[] = [];
const originalConnect = net.Socket.prototype.connect;

/** Records every socket connection and refuses any that is not to loopback (the network rule of these tests). */
function guardConnections(): void {
  Object.defineProperty(net.Socket.prototype, "connect", {
    configurable: true,
    writable: true,
    value: function guardedConnect(this: net.Socket, ...args: unknown[]) {
      const [first, second] = args;
      const host =
        typeof first === "object" && first !== null
          ? String(("host" in first && first.host) || ("path" in first && first.path) || "localhost")
          : typeof second === "string"
            ? second
            : "localhost";
      connections.push(host);
      if (!["127.0.0.1", "::1", "localhost"].includes(host) && !host.startsWith("/")) {
        throw new Error(`a deployed world connected to ${host} while being built`);
      }
      return Reflect.apply(originalConnect, this, args);
    },
  });
}

describe.each(["dev", "testnet"])(
  "each deployed function of stage %s, built from exactly its stack's links",
  (stage) => {
    const topology = stageTopology(stage);
    let bundleDir: string;
    let recording: SstRecording;

    beforeAll(async () => {
      guardConnections();
      // The function's bundle: the stage config and manifest copied next to the code (`copyFiles`).
      bundleDir = mkdtempSync(join(tmpdir(), "slabridge-deployed-"));
      // The manifest the stack granted the keys of is the one bundled with the functions.
      let manifest: unknown;
      ({ recording, manifest } = await recordDeployment(stage));
      const configFile = join(bundleDir, topology.configFile);
      const manifestFile = join(bundleDir, topology.manifestFile);
      mkdirSync(dirname(configFile), { recursive: true });
      mkdirSync(dirname(manifestFile), { recursive: true });
      writeFileSync(configFile, readFileSync(join(repoRoot, topology.configFile)));
      writeFileSync(manifestFile, JSON.stringify(manifest));
    });

    afterAll(() => {
      Object.defineProperty(net.Socket.prototype, "connect", {
        configurable: true,
        writable: true,
        value: originalConnect,
      });
      rmSync(bundleDir, { recursive: true, force: true });
    });

    it("refuses a connection outside loopback while the guard is on", () => {
      // 192.0.2.1 is TEST-NET-1 (documentation only): were the guard off, nothing would answer anyway.
      expect(() => new net.Socket().connect({ host: "192.0.2.1", port: 9 })).toThrow(/connected to 192\.0\.2\.1/);
    });

    it("covers every function the stacks declare", () => {
      const keys = new Set(recording.ofType("sst.aws.Function").map(keyOf));
      expect([...keys].sort()).toEqual(Object.keys(deployedFunctions).sort());
    });

    it("grants the functions KMS keys of the manifest bundled with them, and no other", () => {
      const bundled: unknown = JSON.parse(readFileSync(join(bundleDir, topology.manifestFile), "utf8"));
      const manifestKeyIds = new Set<string>();
      // Every key reference in the file, wherever it sits (keys, netting vaults, Solana operators).
      const collect = (value: unknown): void => {
        if (Array.isArray(value)) value.forEach(collect);
        else if (typeof value === "object" && value !== null) {
          const record = value as Record<string, unknown>;
          if (record.kind === "kms" && typeof record.keyId === "string") manifestKeyIds.add(record.keyId);
          Object.values(record).forEach(collect);
        }
      };
      collect(bundled);
      const granted = recording
        .ofType("sst.aws.Function")
        .flatMap((fn) =>
          ((fn.args.permissions ?? []) as { actions: string[]; resources: unknown[] }[])
            .filter((statement) => statement.actions.includes("kms:Sign"))
            .flatMap((statement) => statement.resources.map(String)),
        );
      expect(granted.length).toBeGreaterThan(0);
      expect(granted.filter((arn) => !manifestKeyIds.has(arn))).toEqual([]);
    });

    it.each(topology.proberRegions)(
      "signs the prober of %s's samples with KMS in the home region, where its key is",
      async (region) => {
        const fn = recording.named("sst.aws.Function", `Prober${regionComponentSuffix(region)}`);
        const env = lambdaEnvironment(recording, fn, { secretValues, app: { name: "slabridge", stage }, region });
        for (const variable of ["SLABRIDGE_CONFIG", "SLABRIDGE_MANIFEST"]) {
          env[variable] = join(bundleDir, String(env[variable]));
        }
        const { measure } = await coldStartModules();
        const world = await measure.proberWorldFromEnv(env);
        connections.length = 0;
        // The guard refuses the connection (no network here): where it went is the point.
        await expect(world.key.signDigest(`0x${"11".repeat(32)}`)).rejects.toThrow();
        expect(connections).toEqual([`kms.${topology.homeRegion}.amazonaws.com`]);
      },
    );

    it.each(
      describedFunctions().flatMap(([, fn]) =>
        fn.placement === "eachProberRegion"
          ? topology.proberRegions.map((region) => `${fn.name}${regionComponentSuffix(region)}`)
          : [fn.name],
      ),
    )(
      "%s builds its world reading only links it is given, and reads every table, queue and RPC secret given",
      async (name) => {
        const fn = recording.named("sst.aws.Function", name);
        const env = lambdaEnvironment(recording, fn, {
          secretValues,
          app: { name: "slabridge", stage },
          region: String(recording.byInstance(fn.options.provider)?.args.region ?? "us-east-1"),
        });
        for (const variable of ["SLABRIDGE_CONFIG", "SLABRIDGE_MANIFEST"]) {
          env[variable] = join(bundleDir, String(env[variable]));
        }
        const given = Object.keys(env)
          .filter((variable) => variable.startsWith("SST_RESOURCE_") && variable !== "SST_RESOURCE_App")
          .map((variable) => variable.slice("SST_RESOURCE_".length));

        const modules = await coldStartModules();
        const read = new Set<string>();
        const stop = modules.links.observeLinkReads((link) => read.add(link));
        connections.length = 0;
        try {
          await coldStarts[keyOf(fn)](modules, env);
        } finally {
          stop();
        }

        expect(
          [...read].filter((link) => !given.includes(link)),
          `${name} reads links its stack does not give`,
        ).toEqual([]);
        expect(
          given.filter((link) => !read.has(link) && !linkedForLater(link)),
          `${name} is given links it never reads`,
        ).toEqual([]);
        expect(connections, `${name} connected while building its world`).toEqual([]);
      },
    );
  },
);
