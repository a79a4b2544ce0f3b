import { readFileSync } from "node:fs";
import { escrowAbi } from "@slabridge/contracts";
import { type DeploymentManifest, manifestRpcUrlOf, manifestWsUrlOf, SOLANA_CHAIN_ID } from "@slabridge/core";
import { formatSlabridgeMemo, solanaPaymentId } from "@slabridge/solana";
import { createTransferInstruction } from "@solana/spl-token";
import { Connection, Keypair, PublicKey, sendAndConfirmTransaction, Transaction } from "@solana/web3.js";
import { type Address, bytesToHex, decodeEventLog, type Hex, pad } from "viem";
import { devnetChainsOf } from "../devnetChainsOf.ts";
import { devnetStablecoinAbi } from "../evm/abis.ts";
import { submitTransaction } from "../evm/submitTransaction.ts";
import { createMemoInstruction } from "../solana/memo.ts";
import type { Devnet } from "../startDevnet.ts";
import { DevnetShapeError } from "./DevnetShapeError.ts";
import { payGasLimit } from "./payGasLimit.ts";

/** One payment the demo buyers made, as the buyer knows it. */
export interface DemoPayment {
  chainId: number;
  modelId: bigint;
  epoch: bigint;
  /** EVM address (20 bytes) or Solana owner (32 bytes), hex. */
  buyer: Hex;
  amount: bigint;
  /** EVM: the escrow's payment index; Solana: the payment id derived from the transfer. */
  paymentId: string;
  transaction: string;
}

/**
 * The devnet's demo buyers: anvil dev accounts paying into the escrow of every EVM chain that has one, and Solana
 * keypairs paying into the vault with a slabridge memo. What they paid is kept, so the main job can check every
 * refund against the payment it belongs to; the e2e tests pay through it too (`DevnetScenario.pay`), so there is
 * one payment path for both.
 *
 * @example
 * const traffic = new DemoTraffic(devnet);
 * await traffic.payEvm(31337, 0, 2n, 3n); // buyer 0 pays 3 requests of model 2 on evm-a
 */
export class DemoTraffic {
  readonly payments: DemoPayment[] = [];
  readonly #devnet: Devnet;
  readonly #solana: Connection | undefined;

  constructor(devnet: Devnet) {
    this.#devnet = devnet;
    const solana = devnetChainsOf(devnet.manifest).solana;
    this.#solana = solana
      ? new Connection(manifestRpcUrlOf(solana), { commitment: "confirmed", wsEndpoint: manifestWsUrlOf(solana) })
      : undefined;
  }

  /** Chains buyers can pay on: every EVM chain with an escrow, then Solana. */
  paymentChains(): number[] {
    const manifest = this.#devnet.manifest;
    const evm = devnetChainsOf(manifest)
      .evm.filter((chain) => chain.contracts.escrow)
      .map((chain) => chain.chainId);
    return devnetChainsOf(manifest).solana ? [...evm, SOLANA_CHAIN_ID] : evm;
  }

  /**
   * The demo buyers' accounts on a payment chain as 32-byte hex, the way split tables and balance proofs name
   * accounts (EVM addresses left-padded, Solana public keys as their bytes).
   *
   * @example for (const account of traffic.buyerAccounts(31_337)) console.log(account);
   */
  buyerAccounts(chainId: number): Hex[] {
    if (chainId === devnetChainsOf(this.#devnet.manifest).solana?.chainId) {
      return this.solanaBuyers().map((buyer) => bytesToHex(buyer.publicKey.toBytes()));
    }
    return this.evmBuyers().map((buyer) => pad(buyer).toLowerCase() as Hex);
  }

  /** EVM buyers (anvil dev accounts). */
  evmBuyers(): Address[] {
    return this.#devnet.manifest.keys.demoBuyers.flatMap((ref) =>
      ref.kind === "anvil-dev-account" ? [ref.address] : [],
    );
  }

  /** Solana buyers (key files written by the devnet, mode 0600). */
  solanaBuyers(): Keypair[] {
    return this.#devnet.manifest.keys.demoBuyers.flatMap((ref) =>
      ref.kind === "devnet-key-file"
        ? [Keypair.fromSecretKey(Uint8Array.from(JSON.parse(readFileSync(ref.path, "utf8")) as number[]))]
        : [],
    );
  }

  /** Pays `requests` requests of `modelId` from whichever buyer `buyerIndex` picks on `chainId`. */
  async pay(chainId: number, buyerIndex: number, modelId: bigint, requests: bigint): Promise<DemoPayment> {
    return chainId === SOLANA_CHAIN_ID
      ? this.paySolana(buyerIndex, modelId, requests)
      : this.payEvm(chainId, buyerIndex, modelId, requests);
  }

  /** Approves and pays into the chain's escrow; the amount is `requests` × the listed price. */
  async payEvm(chainId: number, buyerIndex: number, modelId: bigint, requests: bigint): Promise<DemoPayment> {
    const chain = evmChain(this.#devnet.manifest, chainId);
    const escrow = chain.contracts.escrow as Address;
    const buyers = this.evmBuyers();
    const buyer = buyers[buyerIndex % buyers.length];
    if (!buyer) throw new DevnetShapeError("the devnet has no EVM demo buyers");
    const { publicClient, wallet } = this.#devnet.evm.clients(chainId);
    const [price] = await publicClient.readContract({
      address: escrow,
      abi: escrowAbi,
      functionName: "termsAt",
      args: [modelId, await this.#escrowEpoch(chainId, modelId)],
    });
    const amount = price * requests;
    const client = wallet(buyer);
    await submitTransaction(publicClient, "approve", () =>
      client.writeContract({
        address: chain.stablecoin.address as Address,
        abi: devnetStablecoinAbi,
        functionName: "approve",
        args: [escrow, amount],
      }),
    );
    const gas = await payGasLimit(publicClient, { escrow, buyer, modelId, amount });
    const receipt = await submitTransaction(publicClient, "pay", () =>
      client.writeContract({ address: escrow, abi: escrowAbi, functionName: "pay", args: [modelId, amount], gas }),
    );
    const paid = receipt.logs
      .filter((log) => log.address.toLowerCase() === escrow.toLowerCase())
      .map((log) => {
        try {
          const event = decodeEventLog({ abi: escrowAbi, data: log.data, topics: log.topics });
          return event.eventName === "Paid" ? event.args : undefined;
        } catch {
          return undefined; // another event of the escrow
        }
      })
      .find((event) => event !== undefined);
    if (!paid) throw new DevnetShapeError(`pay on chain ${chainId}: no Paid event in ${receipt.transactionHash}`);
    const payment: DemoPayment = {
      chainId,
      modelId,
      epoch: paid.epoch,
      buyer,
      amount,
      paymentId: paid.paymentIndex.toString(),
      transaction: receipt.transactionHash,
    };
    this.payments.push(payment);
    return payment;
  }

  /** An SPL transfer into the vault with the payment memo, in one transaction, as a Solana wallet would send it. */
  async paySolana(buyerIndex: number, modelId: bigint, requests: bigint): Promise<DemoPayment> {
    return this.paySolanaAmount(buyerIndex, modelId, BigInt(this.#model(modelId).pricePerRequest) * requests);
  }

  /** As {@link paySolana}, for any amount (tests pay odd amounts, so the refunds' floors matter). */
  async paySolanaAmount(buyerIndex: number, modelId: bigint, amount: bigint): Promise<DemoPayment> {
    const { solana, connection } = this.#solanaOrThrow();
    const buyers = this.solanaBuyers();
    const buyer = buyers[buyerIndex % buyers.length];
    if (!buyer) throw new DevnetShapeError("the devnet has no Solana demo buyers");
    const { value: accounts } = await connection.getTokenAccountsByOwner(buyer.publicKey, {
      mint: new PublicKey(solana.mint),
    });
    const source = accounts[0]?.pubkey;
    if (!source) throw new DevnetShapeError("the Solana buyer has no token account");
    const ref = bytesToHex(crypto.getRandomValues(new Uint8Array(16))).slice(2);
    const tx = new Transaction().add(
      createTransferInstruction(source, new PublicKey(solana.vault), buyer.publicKey, amount),
      createMemoInstruction(formatSlabridgeMemo({ kind: "pay", modelId, ref }), [buyer.publicKey]),
    );
    const signature = await sendAndConfirmTransaction(connection, tx, [buyer]);
    const fetched = await connection.getTransaction(signature, { maxSupportedTransactionVersion: 0 });
    const epoch = await this.#homeEpochAt(modelId, BigInt(fetched?.blockTime ?? Math.floor(Date.now() / 1000)));
    const payment: DemoPayment = {
      chainId: SOLANA_CHAIN_ID,
      modelId,
      epoch,
      buyer: bytesToHex(buyer.publicKey.toBytes()),
      amount,
      // What the buyer can compute alone: the id of the transfer at instruction 0 of their transaction.
      paymentId: solanaPaymentId(signature, { instructionIndex: 0, innerIndex: undefined }),
      transaction: signature,
    };
    this.payments.push(payment);
    return payment;
  }

  /** The stablecoin balance of a Solana owner (sum of its token accounts of the devnet mint). */
  async solanaTokenBalance(owner: PublicKey): Promise<bigint> {
    const { solana, connection } = this.#solanaOrThrow();
    const { value: accounts } = await connection.getTokenAccountsByOwner(owner, { mint: new PublicKey(solana.mint) });
    let total = 0n;
    for (const { pubkey } of accounts) {
      total += BigInt((await connection.getTokenAccountBalance(pubkey)).value.amount);
    }
    return total;
  }

  /** The epoch an escrow payment made now falls in (the escrow's clock is the next block's timestamp). */
  async #escrowEpoch(chainId: number, modelId: bigint): Promise<bigint> {
    const chain = evmChain(this.#devnet.manifest, chainId);
    return this.#devnet.evm.clients(chainId).publicClient.readContract({
      address: chain.contracts.escrow as Address,
      abi: escrowAbi,
      functionName: "currentEpoch",
      args: [modelId],
    });
  }

  #solanaOrThrow() {
    const solana = devnetChainsOf(this.#devnet.manifest).solana;
    const connection = this.#solana;
    if (!solana || !connection) throw new DevnetShapeError("the devnet has no Solana");
    return { solana, connection };
  }

  #model(modelId: bigint) {
    const model = this.#devnet.manifest.models.find((m) => BigInt(m.modelId) === modelId);
    if (!model) throw new DevnetShapeError(`model ${modelId} is not in the manifest`);
    return model;
  }

  async #homeEpochAt(modelId: bigint, timestamp: bigint): Promise<bigint> {
    const model = this.#model(modelId);
    return (timestamp - BigInt(model.genesis)) / BigInt(model.epochSeconds);
  }
}

function evmChain(manifest: DeploymentManifest, chainId: number) {
  const chain = devnetChainsOf(manifest).evm.find((c) => c.chainId === chainId);
  if (!chain?.contracts.escrow) throw new DevnetShapeError(`chain ${chainId} has no escrow in the manifest`);
  return chain;
}
