import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { endpointIdToNetwork } from "@layerzerolabs/lz-definitions";
import { type Address, getAddress } from "viem";
import { z } from "zod";
import { LayerZeroConfigError } from "./errors/LayerZeroConfigError.ts";

/**
 * LayerZero's own address book of deployed contracts: one `deployments/<network>/<Contract>.json` per network. It is
 * about 240 MB unpacked, so it is not a dependency: an operator installs it for a deploy to a public network
 * (`npm install --no-save @layerzerolabs/lz-evm-sdk-v2@3.1.10`), and the devnet never needs it.
 */
export const LAYERZERO_ADDRESS_BOOK = "@layerzerolabs/lz-evm-sdk-v2";

/** How an operator installs {@link LAYERZERO_ADDRESS_BOOK} for one deploy, leaving package.json as it is. */
export const LAYERZERO_ADDRESS_BOOK_INSTALL = `npm install --no-save ${LAYERZERO_ADDRESS_BOOK}@3.1.10`;

const deploymentSchema = z.object({ address: z.string().regex(/^0x[0-9a-fA-F]{40}$/) });

/** The protocol contracts slabridge needs the addresses of on a public network. */
export type LayerZeroProtocolContract = "EndpointV2" | "SendUln302" | "ReceiveUln302";

/** What {@link layerZeroAddressOf} found for one endpoint id. */
export type LayerZeroAddressLookup =
  | { found: true; address: Address; network: string }
  /** The address book is not installed, or lists no such contract for the network. */
  | { found: false; network: string; reason: "address-book-not-installed" | "no-deployment" };

/**
 * The address of a LayerZero protocol contract (EndpointV2, its ULN302 libraries) for a V2 endpoint id, read from
 * LayerZero's npm address book ({@link LAYERZERO_ADDRESS_BOOK}) where it is installed: the network name comes from
 * `@layerzerolabs/lz-definitions` (40161 -> `sepolia-testnet`), the address from that network's
 * `deployments/<network>/<contract>.json`. Never typed by hand.
 *
 * @param from - the file or directory module resolution starts from (default: this package).
 * @throws {LayerZeroConfigError} for an endpoint id lz-definitions does not know, or a deployment file that is not a
 *   deployment (no valid `address`).
 * @example layerZeroAddressOf(40161, "EndpointV2") // { found: true, address: "0x6EDCE65403992e310A62460808c4b910D972f10f", network: "sepolia-testnet" } once installed
 */
export function layerZeroAddressOf(
  eid: number,
  contract: LayerZeroProtocolContract,
  from: string = import.meta.url,
): LayerZeroAddressLookup {
  let network: string;
  try {
    network = endpointIdToNetwork(eid);
  } catch (error) {
    throw new LayerZeroConfigError(`endpoint id ${eid} is not in @layerzerolabs/lz-definitions: ${String(error)}`);
  }
  // The package's folder, found along node's lookup paths (its exports map need not export package.json).
  const bookDir = createRequire(from)
    .resolve.paths(LAYERZERO_ADDRESS_BOOK)
    ?.map((dir) => path.join(dir, LAYERZERO_ADDRESS_BOOK))
    .find((dir) => existsSync(path.join(dir, "package.json")));
  if (bookDir === undefined) return { found: false, network, reason: "address-book-not-installed" };
  const file = path.join(bookDir, "deployments", network, `${contract}.json`);
  if (!existsSync(file)) return { found: false, network, reason: "no-deployment" };
  let parsed: ReturnType<typeof deploymentSchema.safeParse>;
  try {
    parsed = deploymentSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  } catch (error) {
    throw new LayerZeroConfigError(`${LAYERZERO_ADDRESS_BOOK}'s ${network}/${contract}.json is not JSON: ${error}`);
  }
  if (!parsed.success) {
    throw new LayerZeroConfigError(`${LAYERZERO_ADDRESS_BOOK}'s ${network}/${contract}.json has no valid address`);
  }
  return { found: true, address: getAddress(parsed.data.address), network };
}
