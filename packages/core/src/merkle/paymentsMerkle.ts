import { z } from "zod";
import { MAX_UINT256 } from "../codec/constants.ts";
import { bytesToHex, type Hex, hexToBytes } from "../hex/hex.ts";
import { keccak256 } from "../hex/keccak256.ts";

const bytes32 = z
  .templateLiteral(["0x", z.string().regex(/^[0-9a-fA-F]{64}$/)])
  .transform((value): Hex => value.toLowerCase() as Hex);

/**
 * One escrow payment as it enters a receipt batch's Merkle tree.
 *
 * @example
 * ```ts
 * paymentSchema.parse({ paymentId: "0x…32 bytes", buyer: "0x…32 bytes", amount: 1_000n });
 * ```
 */
export const paymentSchema = z
  .object({
    paymentId: bytes32.describe("Unique payment id (bytes32)"),
    buyer: bytes32.describe("Buyer, EVM address left-padded to 32 bytes or Solana public key (bytes32)"),
    amount: z.bigint().min(0n).max(MAX_UINT256).describe("Amount paid (uint256)"),
  })
  .describe("A payment leaf of a ReceiptBatch's paymentsRoot");

/** A payment (input form: bytes32 in any hex case). @example `const p: Payment = { paymentId, buyer, amount: 5n };` */
export type Payment = z.input<typeof paymentSchema>;

/** bytes32(0): the root of an empty batch. @example `paymentsRoot([]) === ZERO_BYTES32` */
export const ZERO_BYTES32: Hex = `0x${"00".repeat(32)}`;

/**
 * Leaf of a payment: `keccak256(bytes.concat(keccak256(abi.encode(bytes32 paymentId, bytes32 buyer, uint256 amount))))`
 * (double hashed, as OpenZeppelin's StandardMerkleTree does, so a leaf can never be mistaken for an inner node).
 *
 * @throws {import("zod").ZodError} when the payment is not well formed.
 * @example
 * ```ts
 * paymentLeaf({ paymentId: `0x${"01".padStart(64, "0")}`, buyer: `0x${"00".repeat(32)}`, amount: 1n });
 * ```
 */
export function paymentLeaf(payment: Payment): Hex {
  const p = paymentSchema.parse(payment);
  const encoded = `0x${p.paymentId.slice(2)}${p.buyer.slice(2)}${p.amount.toString(16).padStart(64, "0")}` as Hex;
  return keccak256(keccak256(encoded));
}

/**
 * Commutative keccak of two nodes: `keccak256(min(a, b) || max(a, b))` (OpenZeppelin `Hashes.commutativeKeccak256`).
 *
 * @example
 * ```ts
 * hashPair(a, b) === hashPair(b, a); // true
 * ```
 */
export function hashPair(a: Hex, b: Hex): Hex {
  // Same-length lowercase hex orders as its numbers do: a string compare, not two 256-bit BigInt parses per node.
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const aFirst = x.length === y.length ? x <= y : BigInt(a) <= BigInt(b);
  const [low, high] = aFirst ? [a, b] : [b, a];
  const bytes = new Uint8Array(64);
  bytes.set(hexToBytes(low), 0);
  bytes.set(hexToBytes(high), 32);
  return keccak256(bytes);
}

/** All levels of the tree, leaves first, root last. */
function levels(payments: readonly Payment[]): Hex[][] {
  return treeLevels(payments.map(paymentLeaf));
}

/** Every level of the tree over `leaves`, leaves first: sorted-pair hashing, an odd last node promoted unchanged. */
function treeLevels(leaves: readonly Hex[]): Hex[][] {
  const result: Hex[][] = [[...leaves]];
  let level = result[0] ?? [];
  while (level.length > 1) {
    const next: Hex[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Hex;
      const right = level[i + 1];
      next.push(right === undefined ? left : hashPair(left, right)); // odd node promoted unchanged
    }
    result.push(next);
    level = next;
  }
  return result;
}

/**
 * Root of the tree over `leaves` in the given order (the payments tree's shape): one leaf is the root, none gives
 * bytes32(0). The samples and usage-receipts roots use it over their own leaves.
 *
 * @example merkleRootOf([leafA, leafB]) === hashPair(leafA, leafB) // true
 */
export function merkleRootOf(leaves: readonly Hex[]): Hex {
  if (leaves.length === 0) return ZERO_BYTES32;
  return treeLevels(leaves).at(-1)?.[0] ?? ZERO_BYTES32;
}

/**
 * Root of a batch's payments tree, the `paymentsRoot` of a ReceiptBatch: leaves in payment order, sorted-pair keccak
 * per level, an odd last node promoted unchanged; one payment -> its leaf; no payments -> bytes32(0).
 *
 * @example
 * ```ts
 * const root = paymentsRoot(batchPayments);
 * encodeMessage({ kind: "ReceiptBatch", ..., count: batchPayments.length, paymentsRoot: root, finalBatch: true });
 * ```
 */
export function paymentsRoot(payments: readonly Payment[]): Hex {
  if (payments.length === 0) return ZERO_BYTES32;
  const all = levels(payments);
  return all[all.length - 1]?.[0] ?? ZERO_BYTES32;
}

/**
 * Proof that `payments[index]` is in `paymentsRoot(payments)`: the sibling at every level that has one, bottom up.
 * Verifies with OpenZeppelin `MerkleProof.verify(proof, root, paymentLeaf(payment))` and {@link verifyPaymentProof}.
 *
 * @throws {RangeError} when `index` is not an index of `payments`.
 * @example
 * ```ts
 * const proof = paymentsProof(payments, 2);
 * verifyPaymentProof(proof, paymentsRoot(payments), payments[2]); // true
 * ```
 */
export function paymentsProof(payments: readonly Payment[], index: number): Hex[] {
  if (!Number.isInteger(index) || index < 0 || index >= payments.length) {
    throw new RangeError(`Payment index ${index} is outside 0..${payments.length - 1}.`);
  }
  return proofFrom(levels(payments), index);
}

function proofFrom(tree: readonly Hex[][], index: number): Hex[] {
  const proof: Hex[] = [];
  let position = index;
  for (const level of tree.slice(0, -1)) {
    const sibling = level[position ^ 1];
    if (sibling !== undefined) proof.push(sibling);
    position >>= 1;
  }
  return proof;
}

/**
 * The proof of every payment (in payment order), building the tree once: what a batcher stores next to a batch.
 *
 * @example
 * ```ts
 * const proofs = paymentsProofs(payments);
 * payments.forEach((p, i) => saveProof(p.paymentId, proofs[i]));
 * ```
 */
export function paymentsProofs(payments: readonly Payment[]): Hex[][] {
  const tree = levels(payments);
  return payments.map((_, index) => proofFrom(tree, index));
}

/**
 * Whether `proof` proves `payment` is a leaf of the tree with root `root` (OpenZeppelin `MerkleProof.verify`).
 *
 * @example
 * ```ts
 * if (!verifyPaymentProof(proof, batch.paymentsRoot, payment)) throw new Error("not in batch");
 * ```
 */
export function verifyPaymentProof(proof: readonly Hex[], root: Hex, payment: Payment): boolean {
  let computed = paymentLeaf(payment);
  for (const node of proof) computed = hashPair(computed, node);
  return computed === bytesToHex(hexToBytes(root));
}
