import { readFileSync } from "node:fs";
import { escrowAbi } from "@slabridge/contracts";
import { type DeploymentManifest, SOLANA_CHAIN_ID } from "@slabridge/core";
import {
  createMemoInstruction,
  type Devnet,
  devnetChainsOf,
  devnetStablecoinAbi,
  submitTransaction,
} from "@slabridge/devnet";
import { formatSlabridgeMemo, solanaPaymentId } from "@slabridge/solana";
import {
  Connection,
  Keypair,
  PublicKey,
  sendAndConfirmTransaction,
  Transaction,
  TransactionInstruction,
} from "@solana/web3.js";
import { type Address, bytesToHex, decodeEventLog, type Hex } from "viem";

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

const TOKEN_PROGRAM_ID = new PublicKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");

/**
 * The devnet's demo buyers: anvil dev accounts paying into the escrow of every EVM chain that has one, and Solana
 * keypairs paying into the vault with a slabridge memo. What they paid is kept, so the main job (and tests) can
 * check every refund against the payment it belongs to.
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
      ? new Connection(solana.rpcUrl, { commitment: "confirmed", wsEndpoint: solana.wsUrl })
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
    if (!buyer) throw new Error("the devnet has no EVM demo buyers");
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
    const receipt = await submitTransaction(publicClient, "pay", () =>
      client.writeContract({ address: escrow, abi: escrowAbi, functionName: "pay", args: [modelId, amount] }),
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
    if (!paid) throw new Error(`pay on chain ${chainId}: no Paid event in ${receipt.transactionHash}`);
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
    const solana = devnetChainsOf(this.#devnet.manifest).solana;
    const connection = this.#solana;
    if (!solana || !connection) throw new Error("the devnet has no Solana");
    const buyers = this.solanaBuyers();
    const buyer = buyers[buyerIndex % buyers.length];
    if (!buyer) throw new Error("the devnet has no Solana demo buyers");
    const amount = BigInt(this.#model(modelId).pricePerRequest) * requests;
    const { value: accounts } = await connection.getTokenAccountsByOwner(buyer.publicKey, {
      mint: new PublicKey(solana.mint),
    });
    const source = accounts[0]?.pubkey;
    if (!source) throw new Error("the Solana buyer has no token account");
    const ref = bytesToHex(crypto.getRandomValues(new Uint8Array(16))).slice(2);
    const tx = new Transaction().add(
      splTransfer(source, new PublicKey(solana.vault), buyer.publicKey, amount),
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
      paymentId: solanaPaymentId(signature, { instructionIndex: 0, innerIndex: undefined }),
      transaction: signature,
    };
    this.payments.push(payment);
    return payment;
  }

  /** The stablecoin balance of a Solana owner (sum of its token accounts of the devnet mint). */
  async solanaTokenBalance(owner: PublicKey): Promise<bigint> {
    const solana = devnetChainsOf(this.#devnet.manifest).solana;
    const connection = this.#solana;
    if (!solana || !connection) throw new Error("the devnet has no Solana");
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

  #model(modelId: bigint) {
    const model = this.#devnet.manifest.models.find((m) => BigInt(m.modelId) === modelId);
    if (!model) throw new Error(`model ${modelId} is not in the manifest`);
    return model;
  }

  async #homeEpochAt(modelId: bigint, timestamp: bigint): Promise<bigint> {
    const model = this.#model(modelId);
    return (timestamp - BigInt(model.genesis)) / BigInt(model.epochSeconds);
  }
}

function evmChain(manifest: DeploymentManifest, chainId: number) {
  const chain = devnetChainsOf(manifest).evm.find((c) => c.chainId === chainId);
  if (!chain?.contracts.escrow) throw new Error(`chain ${chainId} has no escrow in the manifest`);
  return chain;
}

/** SPL Token `Transfer` (instruction 3, u64 amount): functions does not depend on spl-token. */
function splTransfer(source: PublicKey, destination: PublicKey, owner: PublicKey, amount: bigint) {
  const data = Buffer.alloc(9);
  data.writeUInt8(3, 0);
  data.writeBigUInt64LE(amount, 1);
  return new TransactionInstruction({
    programId: TOKEN_PROGRAM_ID,
    keys: [
      { pubkey: source, isSigner: false, isWritable: true },
      { pubkey: destination, isSigner: false, isWritable: true },
      { pubkey: owner, isSigner: true, isWritable: false },
    ],
    data,
  });
}
