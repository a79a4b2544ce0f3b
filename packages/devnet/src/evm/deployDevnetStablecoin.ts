import type { Address } from "viem";
import { devnetStablecoinAbi } from "./abis.ts";
import { deployContract } from "./deployContract.ts";
import type { DevnetClients } from "./devnetClients.ts";
import { devnetArtifacts } from "./loadArtifact.ts";
import { submitTransaction } from "./submitTransaction.ts";

/** Options for {@link deployDevnetStablecoin}. */
export interface DeployDevnetStablecoinOptions {
  clients: DevnetClients;
  /** Owner (the only minter). */
  deployer: Address;
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
}

/** 1 000 000 units with 6 decimals. */
const DEFAULT_MINT = 1_000_000n * 10n ** 6n;

/**
 * Deploys DevnetStablecoin (OZ ERC20, 6 decimals, owner mint) and mints to the given accounts.
 *
 * @example const usdc = await deployDevnetStablecoin({ clients, deployer, fund: [alice, bob] });
 */
export async function deployDevnetStablecoin(options: DeployDevnetStablecoinOptions): Promise<StablecoinDeployment> {
  const { clients, deployer } = options;
  const name = options.name ?? "Devnet USD Coin";
  const symbol = options.symbol ?? "dUSDC";
  const wallet = clients.wallet(deployer);
  const address = await deployContract(clients.publicClient, wallet, devnetArtifacts.devnetStablecoin, [
    name,
    symbol,
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
  return { address, name, symbol, decimals: 6, owner: deployer };
}
