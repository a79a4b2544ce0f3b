import { devnetStablecoinAbi as oftAbi } from "@slabridge/contracts";
import type { ChainStablecoinLedger, HolderBalance, InFlightTransfer, StablecoinLedgerReader } from "@slabridge/core";
import { type Address, getAddress, type Hex, type PublicClient, pad, zeroAddress } from "viem";

/** Options of {@link EvmStablecoinLedgerReader}: one EVM chain's stablecoin (OFT). */
export interface EvmStablecoinLedgerReaderOptions {
  chainId: number;
  client: PublicClient;
  token: Address;
  /** Slabridge chain id per LayerZero endpoint id (OFT sends name their destination by eid; unknown eids stay). */
  chainIdOfEid?: ReadonlyMap<number, number>;
  /** Contracts that take buyers' payments (the escrow): they hold netted shares in place. */
  custodians?: readonly Address[];
  /** Names for known holders (escrow, vault, payee...) in the report; others are "holder". */
  roles?: ReadonlyMap<Address, string>;
  /** First block to read the token's events from (default 0: its deployment is after it). */
  fromBlock?: bigint;
}

/**
 * The EVM side of the stablecoin ledger port (`StablecoinLedgerReader`), from the chain alone: balances by
 * `balanceOf`; the ledger from the token's total supply, the balance of every account it ever credited (from its
 * Transfer logs), the OFT sends (`OFTSent`, by GUID) and receives (`OFTReceived`), and what the issuer minted (mints
 * that are not OFT receives, less burns that are not OFT sends).
 *
 * @example
 * ```ts
 * const reader = new EvmStablecoinLedgerReader({ chainId: 31_337, client, token, chainIdOfEid: new Map([[40_161, 31_337]]) });
 * const { supply, sent } = await reader.ledger();
 * ```
 */
export class EvmStablecoinLedgerReader implements StablecoinLedgerReader {
  readonly chainId: number;
  readonly custodians: readonly Hex[];
  readonly #o: EvmStablecoinLedgerReaderOptions;

  constructor(options: EvmStablecoinLedgerReaderOptions) {
    this.#o = options;
    this.chainId = options.chainId;
    this.custodians = (options.custodians ?? []).map((address) => pad(address).toLowerCase() as Hex);
  }

  balances(accounts: readonly Hex[]): Promise<bigint[]> {
    const { client, token } = this.#o;
    return Promise.all(
      accounts.map((account) =>
        client.readContract({
          address: token,
          abi: oftAbi,
          functionName: "balanceOf",
          // A 32-byte account names an EVM address in its last 20 bytes.
          args: [getAddress(`0x${account.slice(-40)}`)],
        }),
      ),
    );
  }

  async ledger(): Promise<ChainStablecoinLedger> {
    const { client, token } = this.#o;
    const range = { address: token, fromBlock: this.#o.fromBlock ?? 0n, toBlock: "latest" } as const;
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
    const received: string[] = [];
    for (const log of receives) {
      bridgedIn += log.args.amountReceivedLD ?? 0n;
      if (log.args.guid) received.push(log.args.guid.toLowerCase());
    }
    let bridgedOut = 0n;
    const sent: InFlightTransfer[] = [];
    for (const log of sends) {
      const { guid, amountSentLD, dstEid } = log.args;
      if (!guid || amountSentLD === undefined || dstEid === undefined) continue;
      bridgedOut += amountSentLD;
      sent.push({
        id: guid.toLowerCase(),
        from: this.chainId,
        to: this.#o.chainIdOfEid?.get(dstEid) ?? dstEid,
        amount: amountSentLD,
      });
    }
    const balances: HolderBalance[] = await Promise.all(
      [...holders].sort().map(async (account) => ({
        role: this.#o.roles?.get(account) ?? "holder",
        account,
        amount: await client.readContract({ address: token, abi: oftAbi, functionName: "balanceOf", args: [account] }),
      })),
    );
    return {
      supply: { chain: this.chainId, totalSupply, balances },
      issued: minted - bridgedIn - (burnt - bridgedOut),
      sent,
      received,
    };
  }
}
