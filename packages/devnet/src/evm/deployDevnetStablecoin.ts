import type { Address } from "viem";
import { devnetStablecoinAbi } from "./abis.ts";
import { deployContract } from "./deployContract.ts";
import type { DevnetClients } from "./devnetClients.ts";
import { devnetArtifacts } from "./loadArtifact.ts";
import { submitTransaction } from "./submitTransaction.ts";

/** Options for {@link deployDevnetStablecoin}. */
export interface DeployDevnetStablecoinOptions {
  clients: DevnetClients;
  /** Owner (the only minter, and the OFT's delegate on the endpoint). */
  deployer: Address;
  /**
   * This chain's LayerZero EndpointV2, which the OFT sends and receives through. When absent (single-chain tests),
   * a bare EndpointV2 (eid `standaloneEid`, no libraries) is deployed for it: the token then works as a plain ERC-20
   * and cannot `send`.
   */
  endpointV2?: Address;
  /** Endpoint id of the bare endpoint deployed when `endpointV2` is absent (default 1). */
  standaloneEid?: number;
  name?: string;
  symbol?: string;
  /** Accounts to mint to, each `mintAmount` base units (6 decimals). */
  fund?: readonly Address[];
  mintAmount?: bigint;
}

/** The deployed stablecoin. */
export interface StablecoinDeployment {
  address: Address;
  name: string;
  symbol: string;
  decimals: 6;
  owner: Address;
  /** The LayerZero endpoint the OFT is bound to. */
  endpointV2: Address;
}

/** 1 000 000 units with 6 decimals. */
const DEFAULT_MINT = 1_000_000n * 10n ** 6n;

/**
 * Deploys DevnetStablecoin (a LayerZero OFT: OZ ERC20 with 6 decimals, owner mint, burn on `send` / mint on
 * receive) and mints to the given accounts. Peers between chains are set by {@link wireDevnetStablecoins}.
 *
 * @example const usdc = await deployDevnetStablecoin({ clients, deployer, endpointV2, fund: [alice, bob] });
 */
export async function deployDevnetStablecoin(options: DeployDevnetStablecoinOptions): Promise<StablecoinDeployment> {
  const { clients, deployer } = options;
  const name = options.name ?? "Devnet USD Coin";
  const symbol = options.symbol ?? "dUSDC";
  const wallet = clients.wallet(deployer);
  const endpointV2 =
    options.endpointV2 ??
    (await deployContract(clients.publicClient, wallet, devnetArtifacts.endpointV2, [
      options.standaloneEid ?? 1,
      deployer,
    ]));
  const address = await deployContract(clients.publicClient, wallet, devnetArtifacts.devnetStablecoin, [
    name,
    symbol,
    endpointV2,
    deployer,
  ]);
  for (const account of options.fund ?? []) {
    await submitTransaction(clients.publicClient, "DevnetStablecoin.mint", () =>
      wallet.writeContract({
        address,
        abi: devnetStablecoinAbi,
        functionName: "mint",
        args: [account, options.mintAmount ?? DEFAULT_MINT],
      }),
    );
  }
  return { address, name, symbol, decimals: 6, owner: deployer, endpointV2 };
}
