import { describe, expect, it } from "vitest";
import { deployedFunctions, describedFunctions } from "./deployedFunctions.ts";
import { type QueueDescription, queues } from "./queues.ts";
import { InvalidSchedulePeriodError, schedulePeriodSeconds, scheduleRate } from "./schedules.ts";
import { tables } from "./tables.ts";

describe("deployedFunctions", () => {
  it("lists every function once, in declaration order, with a distinct component and schedule name", () => {
    const described = describedFunctions();
    expect(described.map(([key]) => key)).toEqual(Object.keys(deployedFunctions));
    const names = described.map(([, fn]) => fn.name);
    expect(new Set(names).size).toBe(names.length);
    const schedules = described.flatMap(([, fn]) => (fn.trigger.kind === "schedule" ? [fn.trigger.name] : []));
    expect(new Set(schedules).size).toBe(schedules.length);
  });

  it("gives a queue's consumer a timeout the queue's visibility covers six times over (AWS's advice)", () => {
    const consumers = describedFunctions().filter(([, fn]) => fn.trigger.kind === "queue");
    expect(consumers.map(([key]) => key)).toEqual(["relay"]);
    for (const [, fn] of consumers) {
      if (fn.trigger.kind !== "queue") continue;
      const queue: QueueDescription = queues[fn.trigger.queue];
      expect(queue.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * fn.timeoutSeconds);
    }
  });

  it("lets only the functions that invoke the probers reach them (fan-out, co-signing)", () => {
    const invoked = describedFunctions().filter(([, fn]) => fn.trigger.kind === "invoke");
    expect(invoked.map(([key]) => key)).toEqual(["prober"]);
    const withProbers = describedFunctions().filter(([, fn]) => fn.links.proberFunctions);
    expect(withProbers.map(([key]) => key)).toEqual(["probeCoordinator", "evaluate"]);
    expect(deployedFunctions.prober.trigger).toEqual({ kind: "invoke", by: "probeCoordinator" });
  });

  it("names only tables that exist, and never a table both writable and read-only", () => {
    for (const [key, fn] of describedFunctions()) {
      for (const table of [...fn.links.tables, ...fn.links.readOnlyTables]) expect(tables, key).toHaveProperty(table);
      expect(
        fn.links.tables.filter((table) => fn.links.readOnlyTables.includes(table)),
        key,
      ).toEqual([]);
    }
  });

  it("gives each prober its own key only (the evaluator none) and the Solana operator keys to the relay worker", () => {
    const holders = (role: string) =>
      describedFunctions()
        .filter(([, fn]) => fn.links.signingKeys.some((held) => held === role))
        .map(([key]) => key);
    expect(holders("ownProber")).toEqual(["prober"]);
    expect(holders("ownProberPayer")).toEqual(["prober"]);
    expect(holders("x402Facilitator")).toEqual(["gateway"]);
    expect(holders("solanaOperators")).toEqual(["relay"]);
    expect(holders("nettingVaults")).toEqual(["net"]);
    // The evaluator submits reports and publishes verdicts with the relayer (executor) key.
    expect(holders("relayer")).toEqual(["relay", "evaluate", "net"]);
  });

  it("ends a scheduled run before the next one starts in AWS (a minute per period)", () => {
    for (const [key, fn] of describedFunctions()) {
      if (fn.trigger.kind !== "schedule") continue;
      expect(fn.timeoutSeconds, key).toBeLessThanOrEqual(schedulePeriodSeconds(fn.trigger, { watch: 60, probe: 60 }));
    }
  });
});

describe("schedules", () => {
  it("take the trigger's multiple of the stage period", () => {
    expect(schedulePeriodSeconds(deployedFunctions.retry.trigger, { watch: 60, probe: 60 })).toBe(300);
    expect(schedulePeriodSeconds(deployedFunctions.retry.trigger, { watch: 2, probe: 1 })).toBe(10);
    expect(schedulePeriodSeconds(deployedFunctions.probeCoordinator.trigger, { watch: 2, probe: 1 })).toBe(1);
  });

  it("write whole minutes as EventBridge rates and refuse anything else", () => {
    expect(scheduleRate(60)).toBe("rate(1 minute)");
    expect(scheduleRate(300)).toBe("rate(5 minutes)");
    expect(() => scheduleRate(90)).toThrow(InvalidSchedulePeriodError);
    expect(() => scheduleRate(0)).toThrow(InvalidSchedulePeriodError);
  });
});
