import {
  type ChainSupply,
  type ConservationInput,
  combineStablecoinLedgers,
  type InFlightTransfer,
} from "@slabridge/core";
import type { Address, PublicClient } from "viem";
import { EvmStablecoinLedgerReader } from "./EvmStablecoinLedgerReader.ts";

/** One EVM chain's stablecoin (OFT) for {@link readStablecoinLedger}. */
export interface StablecoinChain {
  chainId: number;
  client: PublicClient;
  token: Address;
  /** LayerZero endpoint id of the chain (OFT sends name their destination by eid). */
  eid: number;
  /** Names for known holders (escrow, vault, payee...) in the report; others are "holder". */
  roles?: ReadonlyMap<Address, string>;
  /** First block to read the token's events from (default 0: its deployment is after it). */
  fromBlock?: bigint;
}

/**
 * Reads everything {@link checkConservation} needs about the stablecoin on EVM chains from the chains alone (each
 * chain through an {@link EvmStablecoinLedgerReader}, joined with core's `combineStablecoinLedgers`): each token's
 * total supply and the balance of every account it ever credited, the OFT sends whose GUID has no OFTReceived on any
 * chain (in flight: burnt, not yet minted), and what the issuer minted. The Solana mint, when part of the check, is
 * added by the caller as one more {@link ChainSupply} (its supply and the vault/payee/buyer token accounts).
 *
 * @example
 * ```ts
 * const input = await readStablecoinLedger([{ chainId: 31337, client, token, eid: 40161 }, { chainId: 31338, ... }]);
 * checkConservation(input).holds; // true
 * ```
 */
export async function readStablecoinLedger(
  chains: readonly StablecoinChain[],
  extra: { solana?: ChainSupply } = {},
): Promise<ConservationInput & { issued: bigint; inFlight: InFlightTransfer[] }> {
  const chainIdOfEid = new Map(chains.map((chain) => [chain.eid, chain.chainId]));
  const ledgers = [];
  for (const chain of chains) {
    const reader = new EvmStablecoinLedgerReader({
      chainId: chain.chainId,
      client: chain.client,
      token: chain.token,
      chainIdOfEid,
      ...(chain.roles ? { roles: chain.roles } : {}),
      ...(chain.fromBlock === undefined ? {} : { fromBlock: chain.fromBlock }),
    });
    ledgers.push(await reader.ledger());
  }
  if (extra.solana) ledgers.push({ supply: extra.solana, issued: extra.solana.totalSupply, sent: [], received: [] });
  return combineStablecoinLedgers(ledgers);
}
