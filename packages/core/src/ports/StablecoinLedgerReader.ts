/**
 * The stablecoin ledger's port: what the conservation check and the main job's balance proofs read from one chain.
 * The EVM implementation reads the OFT token (supply, Transfer/OFTSent/OFTReceived logs); the Solana one reads the
 * SPL mint and its token accounts. Accounts are named family-neutrally as 32-byte hex (EVM addresses left-padded,
 * Solana public keys as their bytes), the way the split table names payees.
 */
import type { Hex } from "../hex/hex.ts";
import type { ChainSupply, ConservationInput, InFlightTransfer } from "../settlement/checkConservation.ts";

/** Everything one chain's stablecoin says about conservation. */
export interface ChainStablecoinLedger {
  /** The chain's total supply and every holder's balance that makes it up. */
  readonly supply: ChainSupply;
  /** What the issuer put into circulation on this chain: mints less burns, bridge mints and burns excluded. */
  readonly issued: bigint;
  /** Bridge transfers this chain sent (burnt here), each with its destination chain id. */
  readonly sent: readonly InFlightTransfer[];
  /** Ids of the bridge transfers this chain received (minted here). */
  readonly received: readonly string[];
}

/**
 * The stablecoin on one chain, read only: the balances of given accounts and the chain's ledger (supply, holders,
 * bridge transfers).
 *
 * @example
 * ```ts
 * const reader: StablecoinLedgerReader = new EvmStablecoinLedgerReader({ chainId: 31_337, client, token, eid });
 * const [balance] = await reader.balances(["0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266"]);
 * ```
 */
export interface StablecoinLedgerReader {
  readonly chainId: number;
  /**
   * The accounts that take buyers' payments and hold them until settlement (an escrow contract, a vault token
   * account), 32-byte hex, lower case. A netting vault among them holds netted shares in place.
   */
  readonly custodians: readonly Hex[];
  /** The stablecoin balance of each account (32-byte hex), in the order given. */
  balances(accounts: readonly Hex[]): Promise<bigint[]>;
  /** The chain's supply, holders and bridge transfers now. */
  ledger(): Promise<ChainStablecoinLedger>;
}

/**
 * Joins per-chain ledgers into the input of `checkConservation`: every chain's supply, the bridge transfers sent
 * and not received on any chain (in flight), and what was issued over all chains.
 *
 * @example
 * ```ts
 * const ledgers = await Promise.all(readers.map((reader) => reader.ledger()));
 * checkConservation(combineStablecoinLedgers(ledgers)).holds; // true
 * ```
 */
export function combineStablecoinLedgers(
  ledgers: readonly ChainStablecoinLedger[],
): ConservationInput & { issued: bigint; inFlight: InFlightTransfer[] } {
  const received = new Set(ledgers.flatMap((ledger) => ledger.received.map((id) => id.toLowerCase())));
  return {
    chains: ledgers.map((ledger) => ledger.supply),
    inFlight: ledgers.flatMap((ledger) => ledger.sent.filter((sent) => !received.has(sent.id.toLowerCase()))),
    issued: ledgers.reduce((sum, ledger) => sum + ledger.issued, 0n),
  };
}
