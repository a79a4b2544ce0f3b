import { modelRegistryAbi } from "@slabridge/contracts";
import { type EpochRelease, InvalidNettingRoundError, releaseFromPayouts, type SettlementPayee } from "@slabridge/core";
import { type Address, getAddress, type Hex, type PublicClient } from "viem";
import { type ReadEscrowPayoutsInput, readEscrowPayouts } from "./readEscrowPayouts.ts";

/** Input of {@link readRoundReleases}. */
export interface ReadRoundReleasesInput {
  /** The home chain's ModelRegistry (payee tables). */
  home: { client: PublicClient; registry: Address };
  /** Every EVM payment chain's escrow. */
  escrows: readonly Omit<ReadEscrowPayoutsInput, "modelId" | "epoch">[];
  /** Each payment chain's netting vault address (what the registry's `nettingVault[chain]` pays). */
  vaults: ReadonlyMap<number, string>;
  /** The (model, epoch)s of the round. */
  items: readonly { modelId: bigint; epoch: bigint }[];
  /**
   * How payee accounts of non-EVM chains are spelled, by chain (the Solana chain: base58 of the 32 bytes). Accounts
   * of every other chain must be EVM addresses.
   */
  foreignAccounts?: ReadonlyMap<number, (account: Hex) => string>;
}

/**
 * Reads a settlement round from the chains: each (model, epoch)'s payee table from the home registry
 * (`payees(modelId, epoch)`, accounts as lower-case EVM addresses or as `foreignAccounts` spells them, e.g. base58
 * Solana keys) and its escrows' `PaidOut`
 * events, checked and summed by core's `releaseFromPayouts`. Returns the releases to net and what each vault received.
 * The Solana vault's receipts come from its own records (multisig memos), not from here.
 *
 * @example
 * ```ts
 * const { releases, vaultReceived } = await readRoundReleases({ home, escrows, vaults, items: [{ modelId: 1n, epoch: 7n }] });
 * await runNettingRound({ roundId, releases, vaultReceived, vaults: nettingVaults, openChains, eids, transport });
 * ```
 */
export async function readRoundReleases(
  input: ReadRoundReleasesInput,
): Promise<{ releases: EpochRelease[]; vaultReceived: Map<number, bigint> }> {
  const releases: EpochRelease[] = [];
  const vaultReceived = new Map<number, bigint>();
  const vaults = new Map([...input.vaults].map(([chain, vault]) => [chain, vault.toLowerCase()]));
  for (const { modelId, epoch } of input.items) {
    const table = await input.home.client.readContract({
      address: input.home.registry,
      abi: modelRegistryAbi,
      functionName: "payees",
      args: [modelId, epoch],
    });
    const payees: SettlementPayee[] = table.map((entry) => ({
      role: entry.role,
      chain: entry.chain,
      account: accountOf(entry.chain, entry.account, input.foreignAccounts),
      shareBps: entry.shareBps,
    }));
    const events = (
      await Promise.all(input.escrows.map((escrow) => readEscrowPayouts({ ...escrow, modelId, epoch })))
    ).flat();
    const read = releaseFromPayouts(modelId, epoch, payees, events, vaults);
    releases.push(read.release);
    for (const [chain, amount] of read.vaultReceived) {
      vaultReceived.set(chain, (vaultReceived.get(chain) ?? 0n) + amount);
    }
  }
  return { releases, vaultReceived };
}

/** A registry account (bytes32) in the spelling netting uses: the chain's foreign spelling, else a lower-case address. */
function accountOf(
  chain: number,
  account: Hex,
  foreignAccounts: ReadonlyMap<number, (account: Hex) => string> = new Map(),
): string {
  const foreign = foreignAccounts.get(chain);
  return foreign ? foreign(account) : evmAccountOf(chain, account);
}

/**
 * A registry account (bytes32) of an EVM chain's payee as netting spells it: the lower-case address it left-pads.
 *
 * @example
 * evmAccountOf(31337, `0x${"00".repeat(12)}${"AB".repeat(20)}`); // "0xabab…ab"
 */
export function evmAccountOf(chain: number, account: Hex): string {
  if (BigInt(account) >> 160n !== 0n) {
    throw new InvalidNettingRoundError(`payee ${account} on chain ${chain} is not an EVM address`);
  }
  return getAddress(`0x${account.slice(-40)}`).toLowerCase();
}
