import { isBatchSettlementDepositPayload, toClientEvmSigner } from "@x402/evm";
import { BatchSettlementEvmScheme } from "@x402/evm/batch-settlement/client";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import type { LocalAccount, PublicClient } from "viem";

/** Options of {@link evmPayingFetch}. */
export interface EvmPayingFetchOptions {
  /** The payer (it signs the deposit's ERC-3009 authorization and every voucher). */
  readonly account: LocalAccount;
  /** Reads the chain (channel balances) for the client scheme. */
  readonly publicClient: PublicClient;
  readonly chainId: number;
  /** A deposit is this many times a call's ceiling (the SDK's default 5 when omitted). */
  readonly depositMultiplier?: number;
  /** The fetch the paid requests go through (default global `fetch`). */
  readonly fetch?: typeof fetch;
}

/**
 * A stock x402 buyer on one EVM chain: `@x402/fetch`'s `wrapFetchWithPayment` over an `x402Client` with the EVM
 * batch-settlement client scheme (the first call to a receiver deposits into a channel, later calls sign cumulative
 * vouchers). Keep one per (chain, payer): the client holds the channels' cumulatives between calls, as a wallet does.
 *
 * @example const pay = evmPayingFetch({ account, publicClient, chainId: 31337 }); await pay(url, { method: "POST", body });
 */
export function evmPayingFetch(options: EvmPayingFetchOptions): typeof fetch {
  const scheme = new BatchSettlementEvmScheme(
    toClientEvmSigner(options.account, options.publicClient),
    options.depositMultiplier === undefined ? undefined : { depositMultiplier: options.depositMultiplier },
  );
  const client = new x402Client().register(`eip155:${options.chainId}`, scheme);
  client.setSpendControls(false); // the devnet stablecoin is not one of the SDK's default assets
  return wrapFetchWithPayment(options.fetch ?? fetch, client);
}

/**
 * Whether a request's `PAYMENT-SIGNATURE` is a batch-settlement deposit (the call that opens or tops up a channel,
 * so the gateway submits a transaction before answering) rather than a plain voucher.
 *
 * @example const deposits = paymentCarriesDeposit(request);
 */
export function paymentCarriesDeposit(request: Request): boolean {
  const header = request.headers.get("payment-signature");
  if (header === null) return false;
  try {
    const payload = (JSON.parse(Buffer.from(header, "base64").toString("utf8")) as { payload?: unknown }).payload;
    return isBatchSettlementDepositPayload(payload);
  } catch {
    return false; // not base64 JSON: no deposit a gateway would submit
  }
}
