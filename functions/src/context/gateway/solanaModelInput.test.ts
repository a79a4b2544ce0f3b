import { SOLANA_CHAIN_ID } from "@slabridge/core";
import { gatewayModelSchema } from "@slabridge/gateway";
import { describe, expect, it } from "vitest";
import { HOME, threeChainManifest } from "../../testing/threeChainManifest.ts";
import { MissingLinkError } from "../linkedResource.ts";
import { solanaModelInput } from "./buildGatewayService.ts";

describe("solanaModelInput", () => {
  const manifest = threeChainManifest();
  const entry = {
    modelId: "1",
    chainId: SOLANA_CHAIN_ID,
    network: "solana:slabridge-devnet",
    model: "llama-demo",
    hostUrl: "http://127.0.0.1:8001",
    price: { perInputToken: "3", perOutputToken: "7", ceiling: "5000" },
    rateLimit: { burst: 20, perSecond: 5 },
  };

  it("sells the model into the cluster's vault: mint as asset, multisig as payTo, the manifest's clock", () => {
    const solana = manifest.chains.find((chain) => chain.family === "solana");
    if (solana?.family !== "solana") throw new Error("no cluster");
    const input = solanaModelInput("llama-sol", entry, manifest, new Map([[SOLANA_CHAIN_ID, "http://127.0.0.1:1"]]));
    expect(input).toMatchObject({
      network: "solana:slabridge-devnet",
      chainId: SOLANA_CHAIN_ID,
      rpcUrl: "http://127.0.0.1:1",
      asset: solana.mint,
      decimals: solana.decimals,
      payTo: solana.multisig,
      vault: solana.vault,
      clock: { genesis: 1_699_000_000n, epochSeconds: 60n },
    });
    expect(gatewayModelSchema.safeParse(input).success).toBe(true);
    expect(solanaModelInput("llama-sol", entry, manifest, undefined).rpcUrl).toBe(solana.rpcUrl);
  });

  it("refuses an EVM chain or a model not in the manifest", () => {
    expect(() => solanaModelInput("x", { ...entry, chainId: HOME }, manifest, undefined)).toThrow(MissingLinkError);
    expect(() => solanaModelInput("x", { ...entry, modelId: "9" }, manifest, undefined)).toThrow(MissingLinkError);
  });
});
