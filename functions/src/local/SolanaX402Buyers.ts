import { readFileSync } from "node:fs";
import { manifestRpcUrlOf, manifestWsUrlOf } from "@slabridge/core";
import { type Devnet, devnetChainsOf } from "@slabridge/devnet";
import { SlabridgeSvmBatchClientScheme } from "@slabridge/gateway";
import { Connection, Keypair, PublicKey } from "@solana/web3.js";
import { wrapFetchWithPayment, x402Client } from "@x402/fetch";
import { bytesToHex, type Hex } from "viem";
import { MainJobShapeError } from "./settlementReport.ts";

/**
 * What a demo Solana buyer lets the vault pull over a whole run (raw units, 6 decimals: 5 tokens). One SPL account
 * has one delegate, so every model a buyer pays shares it.
 */
const DEMO_SOLANA_CAP = 5_000_000n;

/**
 * The devnet's Solana demo buyers as x402 clients: `@x402/fetch` with slabridge's SVM batch-settlement client scheme
 * (an SPL `approve` of the vault authority up to a cap on the first call, then an ed25519 cumulative voucher per
 * call). One scheme per (buyer, model): each is one channel.
 *
 * @example const pay = solanaBuyers.payingFetch(0, 2n); await buyers.callWith(pay, { url, chainId, buyer: solanaBuyers.accountOf(0), model });
 */
export class SolanaX402Buyers {
  readonly #connection: Connection;
  readonly #mint: PublicKey;
  readonly #buyers: Keypair[];
  readonly #fetches = new Map<string, typeof fetch>();

  constructor(devnet: Devnet) {
    const solana = devnetChainsOf(devnet.manifest).solana;
    if (!solana) throw new MainJobShapeError("the devnet has no Solana chain");
    this.#connection = new Connection(manifestRpcUrlOf(solana), {
      commitment: "confirmed",
      wsEndpoint: manifestWsUrlOf(solana),
    });
    this.#mint = new PublicKey(solana.mint);
    this.#buyers = devnet.manifest.keys.demoBuyers.flatMap((ref) =>
      ref.kind === "devnet-key-file"
        ? [Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(ref.path, "utf8")) as number[]))]
        : [],
    );
    if (this.#buyers.length === 0) throw new MainJobShapeError("the devnet has no Solana demo buyers");
  }

  /** The buyer's account as the proofs name it (its public key, 32-byte hex). */
  accountOf(buyerIndex: number): Hex {
    return bytesToHex(this.#buyer(buyerIndex).publicKey.toBytes());
  }

  /** The paying fetch of buyer `buyerIndex` for `modelId` (created on first use, then kept: its channel state). */
  async payingFetch(buyerIndex: number, modelId: bigint): Promise<typeof fetch> {
    const buyer = this.#buyer(buyerIndex);
    const key = `${buyer.publicKey.toBase58()}:${modelId}`;
    const cached = this.#fetches.get(key);
    if (cached) return cached;
    const { value: accounts } = await this.#connection.getTokenAccountsByOwner(buyer.publicKey, { mint: this.#mint });
    const tokenAccount = accounts[0]?.pubkey;
    if (!tokenAccount) throw new MainJobShapeError(`Solana buyer ${buyerIndex} has no token account`);
    const scheme = new SlabridgeSvmBatchClientScheme({
      signer: buyer,
      connection: this.#connection,
      tokenAccount,
      approveAmount: DEMO_SOLANA_CAP,
    });
    const client = new x402Client().register("solana:*", scheme);
    client.setSpendControls(false); // the devnet mint is not one of the SDK's default assets
    const pay = wrapFetchWithPayment(fetch, client);
    this.#fetches.set(key, pay);
    return pay;
  }

  #buyer(buyerIndex: number): Keypair {
    const buyer = this.#buyers[buyerIndex % this.#buyers.length];
    if (!buyer) throw new MainJobShapeError("the devnet has no Solana demo buyers");
    return buyer;
  }
}
