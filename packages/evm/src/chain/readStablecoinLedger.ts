import { devnetStablecoinAbi as oftAbi } from "@slabridge/contracts";
import type { ChainSupply, ConservationInput, HolderBalance, InFlightTransfer } from "@slabridge/core";
import { type Address, getAddress, type Hex, type PublicClient, zeroAddress } from "viem";

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
 * Reads everything {@link checkConservation} needs about the stablecoin on EVM chains from the chains alone: each
 * token's total supply and the balance of every account it ever credited (from its Transfer logs), the OFT sends
 * whose GUID has no OFTReceived on any chain (in flight: burnt, not yet minted), and what the issuer minted (mints
 * that are not OFT receives, less burns that are not OFT sends). The Solana mint, when part of the check, is added
 * by the caller as one more {@link ChainSupply} (its supply and the vault/payee/buyer token accounts).
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
  const supplies: ChainSupply[] = [];
  const sent: (InFlightTransfer & { dstEid: number })[] = [];
  const received = new Set<Hex>();
  let issued = 0n;
  for (const chain of chains) {
    const { client, token } = chain;
    const range = { address: token, fromBlock: chain.fromBlock ?? 0n, toBlock: "latest" } as const;
    const [transfers, sends, receives, totalSupply] = await Promise.all([
      client.getContractEvents({ ...range, abi: oftAbi, eventName: "Transfer" }),
      client.getContractEvents({ ...range, abi: oftAbi, eventName: "OFTSent" }),
      client.getContractEvents({ ...range, abi: oftAbi, eventName: "OFTReceived" }),
      client.readContract({ address: token, abi: oftAbi, functionName: "totalSupply" }),
    ]);
    const holders = new Set<Address>();
    let minted = 0n;
    let burnt = 0n;
    for (const log of transfers) {
      const { from, to, value } = log.args;
      if (from === undefined || to === undefined || value === undefined) continue;
      if (from === zeroAddress) minted += value;
      if (to === zeroAddress) burnt += value;
      else holders.add(getAddress(to));
    }
    let bridgedIn = 0n;
    for (const log of receives) {
      bridgedIn += log.args.amountReceivedLD ?? 0n;
      if (log.args.guid) received.add(log.args.guid.toLowerCase() as Hex);
    }
    let bridgedOut = 0n;
    for (const log of sends) {
      const { guid, amountSentLD, dstEid } = log.args;
      if (!guid || amountSentLD === undefined || dstEid === undefined) continue;
      bridgedOut += amountSentLD;
      sent.push({ id: guid.toLowerCase(), from: chain.chainId, to: 0, dstEid, amount: amountSentLD });
    }
    issued += minted - bridgedIn - (burnt - bridgedOut);
    const balances: HolderBalance[] = await Promise.all(
      [...holders].sort().map(async (account) => ({
        role: chain.roles?.get(account) ?? "holder",
        account,
        amount: await client.readContract({ address: token, abi: oftAbi, functionName: "balanceOf", args: [account] }),
      })),
    );
    supplies.push({ chain: chain.chainId, totalSupply, balances });
  }
  const chainOfEid = new Map(chains.map((c) => [c.eid, c.chainId]));
  const inFlight = sent
    .filter((s) => !received.has(s.id as Hex))
    .map(({ dstEid, ...s }) => ({ ...s, to: chainOfEid.get(dstEid) ?? dstEid }));
  if (extra.solana) {
    supplies.push(extra.solana);
    issued += extra.solana.totalSupply;
  }
  return { chains: supplies, inFlight, issued };
}
