import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Abi, Hex } from "viem";
import { z } from "zod";
import { EvmDevnetError } from "./EvmDevnetError.ts";

/** ABI and creation bytecode of a contract the devnet deploys. */
export interface ContractArtifact {
  name: string;
  abi: Abi;
  bytecode: Hex;
}

/** Where an artifact comes from: our Foundry build, a LayerZero npm package (Hardhat format), or the Wormhole fetch. */
export type ArtifactSource =
  | { kind: "slabridge"; file: string; contract: string }
  | { kind: "layerzero"; path: string }
  | { kind: "wormhole"; contract: string };

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

const hexBytecode = z.string().regex(/^(0x)?[0-9a-fA-F]+$/, "bytecode must be linked hex");
// Both shapes are untyped JSON: Hardhat stores `bytecode` as a string, Foundry as `{ object }`.
const artifactSchema = z.object({
  abi: z.array(z.record(z.string(), z.unknown())),
  bytecode: z.union([hexBytecode, z.object({ object: hexBytecode })]),
});

const cache = new Map<string, ContractArtifact>();

/**
 * Loads (and caches) a contract artifact. This is the one place that knows artifact paths, so switching to the
 * generated `@slabridge/contracts` module later touches only this file.
 *
 * @example const endpoint = loadArtifact({ kind: "layerzero", path: "lz-evm-protocol-v2/artifacts/contracts/EndpointV2.sol/EndpointV2.json" });
 */
export function loadArtifact(source: ArtifactSource): ContractArtifact {
  const file = artifactPath(source);
  const cached = cache.get(file);
  if (cached) return cached;
  if (!existsSync(file)) {
    throw new EvmDevnetError("artifact-missing", `${describe(source)} not found (${hint(source)})`);
  }
  const parsed = artifactSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success) {
    throw new EvmDevnetError(
      "artifact-invalid",
      `${describe(source)}: ${parsed.error.issues[0]?.message ?? "invalid"}`,
    );
  }
  const raw = typeof parsed.data.bytecode === "string" ? parsed.data.bytecode : parsed.data.bytecode.object;
  const bytecode: Hex = raw.startsWith("0x") ? (raw as Hex) : `0x${raw}`;
  if (bytecode.length <= 2) throw new EvmDevnetError("artifact-invalid", `${describe(source)} has no bytecode`);
  // The ABI is trusted compiler output; zod checked its outer shape only.
  const artifact: ContractArtifact = { name: describe(source), abi: parsed.data.abi as unknown as Abi, bytecode };
  cache.set(file, artifact);
  return artifact;
}

function artifactPath(source: ArtifactSource): string {
  switch (source.kind) {
    case "slabridge":
      return path.join(repoRoot, "contracts", "out", `${source.file}.sol`, `${source.contract}.json`);
    case "layerzero":
      return path.join(repoRoot, "node_modules", "@layerzerolabs", source.path);
    case "wormhole":
      return path.join(repoRoot, "contracts", "wormhole-artifacts", `${source.contract}.json`);
  }
}

function describe(source: ArtifactSource): string {
  switch (source.kind) {
    case "slabridge":
      return source.contract;
    case "layerzero":
      return path.basename(source.path, ".json");
    case "wormhole":
      return `Wormhole ${source.contract}`;
  }
}

function hint(source: ArtifactSource): string {
  switch (source.kind) {
    case "slabridge":
      return "run `npm run build` or `cd contracts && node tools/forge.mjs build`";
    case "layerzero":
      return "run `npm install`";
    case "wormhole":
      return "run `node contracts/tools/fetch-wormhole.mjs`";
  }
}

/** The artifacts the EVM devnet deploys. */
export const devnetArtifacts = {
  endpointV2: { kind: "layerzero", path: "lz-evm-protocol-v2/artifacts/contracts/EndpointV2.sol/EndpointV2.json" },
  sendUln302: {
    kind: "layerzero",
    path: "lz-evm-messagelib-v2/artifacts/contracts/uln/uln302/SendUln302.sol/SendUln302.json",
  },
  receiveUln302: {
    kind: "layerzero",
    path: "lz-evm-messagelib-v2/artifacts/contracts/uln/uln302/ReceiveUln302.sol/ReceiveUln302.json",
  },
  devnetDvn: { kind: "slabridge", file: "DevnetWorkers", contract: "DevnetDVN" },
  devnetExecutor: { kind: "slabridge", file: "DevnetWorkers", contract: "DevnetExecutor" },
  devnetPingOApp: { kind: "slabridge", file: "DevnetPingOApp", contract: "DevnetPingOApp" },
  devnetStablecoin: { kind: "slabridge", file: "DevnetStablecoin", contract: "DevnetStablecoin" },
  wormholeSetup: { kind: "wormhole", contract: "Setup" },
  wormholeImplementation: { kind: "wormhole", contract: "Implementation" },
  wormholeProxy: { kind: "wormhole", contract: "Wormhole" },
  tokenBridgeSetup: { kind: "wormhole", contract: "BridgeSetup" },
  tokenBridgeImplementation: { kind: "wormhole", contract: "BridgeImplementation" },
  tokenBridgeProxy: { kind: "wormhole", contract: "TokenBridge" },
  tokenImplementation: { kind: "wormhole", contract: "TokenImplementation" },
} as const satisfies Record<string, ArtifactSource>;
