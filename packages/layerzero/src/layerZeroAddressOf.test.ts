import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getAddress } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { LayerZeroConfigError } from "./errors/LayerZeroConfigError.ts";
import { LAYERZERO_ADDRESS_BOOK, layerZeroAddressOf } from "./layerZeroAddressOf.ts";

// A project directory with the address book installed as npm lays it out: its package.json exports `./deployments/*`.
const project = mkdtempSync(path.join(tmpdir(), "lz-address-book-"));
const book = path.join(project, "node_modules", ...LAYERZERO_ADDRESS_BOOK.split("/"));
const entry = path.join(project, "index.js");
const SEPOLIA_ENDPOINT = "0x6edce65403992e310a62460808c4b910d972f10f";

function writeDeployment(network: string, body: string, contract = "EndpointV2"): void {
  mkdirSync(path.join(book, "deployments", network), { recursive: true });
  writeFileSync(path.join(book, "deployments", network, `${contract}.json`), body);
}

mkdirSync(book, { recursive: true });
writeFileSync(
  path.join(book, "package.json"),
  JSON.stringify({
    name: LAYERZERO_ADDRESS_BOOK,
    version: "3.1.10",
    exports: { "./deployments/*": "./deployments/*" },
  }),
);
writeDeployment("sepolia-testnet", JSON.stringify({ address: SEPOLIA_ENDPOINT, abi: [] }));
writeDeployment("basesep-testnet", JSON.stringify({ abi: [] }));
writeDeployment("arbsep-testnet", "{ not json");
writeFileSync(entry, "");

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe("layerZeroAddressOf", () => {
  it("reads a network's EndpointV2 address from the installed address book, checksummed", () => {
    expect(layerZeroAddressOf(40161, "EndpointV2", entry)).toEqual({
      found: true,
      network: "sepolia-testnet",
      address: "0x6EDCE65403992e310A62460808c4b910D972f10f",
    });
  });

  it("reads each protocol contract from its own file", () => {
    writeDeployment("sepolia-testnet", JSON.stringify({ address: SEPOLIA_ENDPOINT }), "SendUln302");
    expect(layerZeroAddressOf(40161, "SendUln302", entry)).toMatchObject({
      found: true,
      address: getAddress(SEPOLIA_ENDPOINT),
    });
    expect(layerZeroAddressOf(40161, "ReceiveUln302", entry)).toEqual({
      found: false,
      network: "sepolia-testnet",
      reason: "no-deployment",
    });
  });

  it("says so when the book lists no EndpointV2 for the network", () => {
    // 40232: Optimism Sepolia, which this book has no folder for.
    expect(layerZeroAddressOf(40232, "EndpointV2", entry)).toEqual({
      found: false,
      network: "optsep-testnet",
      reason: "no-deployment",
    });
  });

  it("says so when the address book is not installed (the devnet and tests never install it)", () => {
    const bare = mkdtempSync(path.join(tmpdir(), "lz-no-book-"));
    try {
      expect(layerZeroAddressOf(40161, "EndpointV2", path.join(bare, "index.js"))).toEqual({
        found: false,
        network: "sepolia-testnet",
        reason: "address-book-not-installed",
      });
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it("refuses a deployment file without a valid address, or not JSON, with a LayerZeroConfigError", () => {
    expect(() => layerZeroAddressOf(40245, "EndpointV2", entry)).toThrow(LayerZeroConfigError);
    expect(() => layerZeroAddressOf(40245, "EndpointV2", entry)).toThrow(
      /basesep-testnet\/EndpointV2.json has no valid address/,
    );
    expect(() => layerZeroAddressOf(40231, "EndpointV2", entry)).toThrow(/arbsep-testnet\/EndpointV2.json is not JSON/);
  });

  it("refuses an endpoint id lz-definitions does not know", () => {
    expect(() => layerZeroAddressOf(99_999_999, "EndpointV2", entry)).toThrow(LayerZeroConfigError);
  });
});
