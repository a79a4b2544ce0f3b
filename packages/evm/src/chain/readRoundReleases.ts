import { modelRegistryAbi } from "@slabridge/contracts";
import { type EpochRelease, releaseFromPayouts, type SettlementPayee, SOLANA_CHAIN_ID } from "@slabridge/core";
import { base58 } from "@slabridge/solana";
import { type Address, getAddress, type Hex, hexToBytes, type PublicClient } from "viem";
import { InvalidNettingRoundError } from "./errors.ts";
import { type ReadEscrowPayoutsInput, readEscrowPayouts } from "./readEscrowPayouts.ts";

/** Input of {@link readRoundReleases}. */
export interface ReadRoundReleasesInput {
  /** The home chain's ModelRegistry (payee tables). */
  home: { client: PublicClient; registry: Address };
  /** Every EVM payment chain's escrow. */
  escrows: readonly Omit<ReadEscrowPayoutsInput, "modelId" | "epoch">[];
  /** Each payment chain's netting vault address (what the registry's `nettingVault[chain]` pays). */
  vaults: ReadonlyMap<number, Address>;
  /** The (model, epoch)s of the round. */
  items: readonly { modelId: bigint; epoch: bigint }[];
}

/**
 * Reads a settlement round from the chains: each (model, epoch)'s payee table from the home registry
 * (`payees(modelId, epoch)`, accounts as lower-case EVM addresses or base58 Solana keys) and its escrows' `PaidOut`
 * events, checked and summed by core's `releaseFromPayouts`. Returns the releases to net and what each vault received.
 * The Solana vault's receipts come from its own records (multisig memos), not from here.
 *
 * @example
 * ```ts
 * const { releases, vaultReceived } = await readRoundReleases({ home, escrows, vaults, items: [{ modelId: 1n, epoch: 7n }] });
 * await runNettingRound({ roundId, releases, vaultReceived, vaults: nettingVaults, eids, transport });
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
      account: accountOf(entry.chain, entry.account),
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

/** A registry account (bytes32) in the spelling netting uses: base58 on Solana, a lower-case address on EVM. */
function accountOf(chain: number, account: Hex): string {
  if (chain === SOLANA_CHAIN_ID) return base58.encode(hexToBytes(account));
  if (BigInt(account) >> 160n !== 0n) {
    throw new InvalidNettingRoundError(`payee ${account} on chain ${chain} is not an EVM address`);
  }
  return getAddress(`0x${account.slice(-40)}`).toLowerCase();
}
