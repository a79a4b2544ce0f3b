import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readLocalEndpoints, writeLocalEndpoints } from "./localEndpoints.ts";

describe("local endpoints file (npm start -> npm run verify)", () => {
  it("reads back what a run wrote, nothing once it removed it, nothing from a file that is not one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "slabridge-endpoints-"));
    const file = path.join(dir, "endpoints.json");
    const endpoints = {
      statusUrl: "http://127.0.0.1:8787",
      homeRpcUrl: "http://127.0.0.1:8546",
      oracle: "0x851356ae760d987E095750cCeb3bC6014560891C",
      pid: 4242,
    };
    const remove = writeLocalEndpoints(file, endpoints);
    expect(readLocalEndpoints(file)).toEqual(endpoints);
    remove();
    expect(readLocalEndpoints(file)).toBeUndefined();
    writeFileSync(file, "{ not json");
    expect(readLocalEndpoints(file)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...endpoints, oracle: "0x12" }));
    expect(readLocalEndpoints(file)).toBeUndefined();
  });
});
