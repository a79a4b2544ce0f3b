import {
  ASSOCIATED_TOKEN_PROGRAM_ID,
  createAssociatedTokenAccountIdempotentInstruction,
  getAssociatedTokenAddressSync,
  TOKEN_PROGRAM_ID,
} from "@solana/spl-token";
import {
  ComputeBudgetProgram,
  MessageV0,
  PACKET_DATA_SIZE,
  type PublicKey,
  type TransactionInstruction,
  VersionedTransaction,
} from "@solana/web3.js";
import { buildMultisigTransfer } from "./buildMultisigTransfer.ts";

/** One refund or payout of a batch. */
export interface VaultTransferOrder {
  /** The recipient's token account. */
  destination: PublicKey;
  /** Raw token units (> 0). */
  amount: bigint;
  /** Its refund or payout memo (`formatSlabridgeMemo`): the transfer's idempotency key. */
  memo: string;
  /**
   * Set to the owner when `destination` is that owner's associated token account and may not exist yet: the batch
   * creates it first (idempotently, rent paid by the fee payer).
   */
  createAssociatedFor?: PublicKey;
}

/** Inputs of {@link buildVaultTransferBatch}. */
export interface VaultTransferBatchParams {
  vault: PublicKey;
  multisigAuthority: PublicKey;
  /** The M operator public keys that sign every transfer. */
  signers: readonly PublicKey[];
  mint: PublicKey;
  decimals: number;
  /** Pays the fees (and the rent of any associated token account created). */
  feePayer: PublicKey;
  /** In the order to pay them; the batch takes a prefix. */
  orders: readonly VaultTransferOrder[];
  /** At most this many transfers per transaction (e.g. the stage's `maxRefundsPerTransaction`). */
  maxTransfers: number;
  tokenProgramId?: PublicKey;
}

/** A transaction's worth of vault transfers. */
export interface VaultTransferBatch {
  instructions: TransactionInstruction[];
  /** How many of `orders` (a prefix) the instructions pay. */
  count: number;
  /** Serialized size of the transaction as the sender will build it (with its compute-budget instructions). */
  bytes: number;
}

// Placeholder blockhash for sizing: any 32 bytes serialize to the same length.
const SIZING_BLOCKHASH = "11111111111111111111111111111111";

/**
 * Builds one transaction's worth of multisig transfers out of the vault, each `transfer, memo` (preceded by an
 * idempotent associated-token-account creation when asked), taking as many of `orders` as fit: at most
 * `maxTransfers`, and no more than a transaction's 1,232 bytes once the fee payer's and the M operators'
 * signatures and the sender's compute-budget instructions are counted. Refuses duplicate memos (two transfers with
 * one idempotency key) and an order that cannot fit alone.
 *
 * @example
 * ```ts
 * const { instructions, count } = buildVaultTransferBatch({ vault, multisigAuthority, signers: [op0, op2], mint,
 *   decimals: 6, feePayer, orders: refunds, maxTransfers: 100 });
 * await sender.send(instructions, [op0Signer, op2Signer]); // pays refunds.slice(0, count)
 * ```
 */
export function buildVaultTransferBatch(params: VaultTransferBatchParams): VaultTransferBatch {
  if (params.maxTransfers < 1) throw new RangeError("maxTransfers must be at least 1");
  const memos = new Set<string>();
  for (const order of params.orders) {
    if (memos.has(order.memo)) throw new RangeError(`two transfers carry the memo ${order.memo}`);
    memos.add(order.memo);
  }
  const tokenProgramId = params.tokenProgramId ?? TOKEN_PROGRAM_ID;
  let instructions: TransactionInstruction[] = [];
  let bytes = 0;
  let count = 0;
  for (const order of params.orders.slice(0, params.maxTransfers)) {
    const next = [...instructions, ...orderInstructions(params, order, tokenProgramId)];
    const size = vaultTransactionSize(next, params.feePayer);
    if (size > PACKET_DATA_SIZE) {
      if (count === 0) throw new RangeError(`one transfer needs ${size} bytes, more than a transaction holds`);
      break;
    }
    instructions = next;
    bytes = size;
    count++;
  }
  return { instructions, count, bytes };
}

/**
 * The associated token account of `owner` for `mint` (off-curve owners such as multisigs allowed): where payouts to
 * a Solana payee go.
 *
 * @example const ata = associatedTokenAccount(payeeOwner, mint);
 */
export function associatedTokenAccount(owner: PublicKey, mint: PublicKey, tokenProgramId = TOKEN_PROGRAM_ID) {
  return getAssociatedTokenAddressSync(mint, owner, true, tokenProgramId, ASSOCIATED_TOKEN_PROGRAM_ID);
}

function orderInstructions(
  params: VaultTransferBatchParams,
  order: VaultTransferOrder,
  tokenProgramId: PublicKey,
): TransactionInstruction[] {
  const create =
    order.createAssociatedFor === undefined
      ? []
      : [
          createAssociatedTokenAccountIdempotentInstruction(
            params.feePayer,
            order.destination,
            order.createAssociatedFor,
            params.mint,
            tokenProgramId,
          ),
        ];
  return [
    ...create,
    ...buildMultisigTransfer({
      vault: params.vault,
      destination: order.destination,
      multisigAuthority: params.multisigAuthority,
      signers: params.signers,
      amount: order.amount,
      memo: order.memo,
      mint: params.mint,
      decimals: params.decimals,
      tokenProgramId,
    }),
  ];
}

/** Size of the v0 transaction `SolanaSender` builds: its two compute-budget instructions, then ours. */
/**
 * Serialized size of a v0 transaction of `instructions` as the sender will build it (its two compute-budget
 * instructions included, signatures counted), to fit batches into the 1,232-byte packet.
 *
 * @example if (vaultTransactionSize(ixs, feePayer) > PACKET_DATA_SIZE) split();
 */
export function vaultTransactionSize(instructions: TransactionInstruction[], payer: PublicKey): number {
  const message = MessageV0.compile({
    payerKey: payer,
    recentBlockhash: SIZING_BLOCKHASH,
    instructions: [
      ComputeBudgetProgram.setComputeUnitLimit({ units: 1_400_000 }),
      ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1 }),
      ...instructions,
    ],
  });
  return new VersionedTransaction(message).serialize().length;
}
