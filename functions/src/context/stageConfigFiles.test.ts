import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseStageConfig } from "@slabridge/core";
import { describe, expect, it } from "vitest";

const configDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../config");

describe("committed stage configs", () => {
  const files = readdirSync(configDir).filter((file) => file.endsWith(".json"));

  it("exist for the devnet and dev", () => {
    expect(files).toEqual(expect.arrayContaining(["devnet.json", "dev.json"]));
  });

  it.each(files)("%s parses, and names RPC URLs by secret or manifest only", (file) => {
    const config = parseStageConfig(JSON.parse(readFileSync(path.join(configDir, file), "utf8")));
    for (const chain of config.chains) expect("url" in chain.rpcUrl).toBe(false);
  });

  it("dev's secrets are the ones the SST signers stack declares", () => {
    const config = parseStageConfig(JSON.parse(readFileSync(path.join(configDir, "dev.json"), "utf8")));
    const secrets = config.chains.map((chain) => ("secret" in chain.rpcUrl ? chain.rpcUrl.secret : ""));
    expect(secrets).toEqual(["RpcUrlEvmA", "RpcUrlEvmB", "RpcUrlSolana"]);
  });
});
