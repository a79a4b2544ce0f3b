import { type PaymentStore, SOLANA_CHAIN_ID } from "@slabridge/core";
import type { DemoPayment, DemoTraffic, Devnet } from "@slabridge/devnet";
import { devnetChainsOf } from "@slabridge/devnet";
import { SlaReceiverBook } from "@slabridge/evm";
import { PublicKey } from "@solana/web3.js";
import { bytesToHex, type PublicClient } from "viem";

/**
 * What the models' SLA receivers booked for the planned epochs, as the buyers' payments: one per buyer-epoch
 * (payment id = the buyer's index in the epoch, as its receipts name it), read once an epoch's claims are final (its
 * first receipt batch went home). The main job adds them to the demo traffic's payments, so the checks and the
 * per-account proofs treat a buyer-epoch paid per call like an escrow payment. A booked epoch's book is final, so
 * the (chain, model, epoch)s in `read` are skipped, and each one read here is added to it.
 *
 * @example for (const payment of await bookedPayments(devnet, clients, planned)) console.log(payment.amount);
 */
export async function bookedPayments(
  devnet: Devnet,
  clients: ReadonlyMap<number, PublicClient>,
  planned: ReadonlyArray<{ modelId: bigint; epoch: bigint }>,
  read: Set<string> = new Set(),
): Promise<DemoPayment[]> {
  const payments: DemoPayment[] = [];
  for (const chain of devnetChainsOf(devnet.manifest).evm) {
    const client = clients.get(chain.chainId);
    if (!client) continue;
    for (const { modelId, epoch } of planned) {
      const receiver = chain.contracts.slaReceivers?.[modelId.toString()];
      const key = `${chain.chainId}:${modelId}:${epoch}`;
      if (!receiver || read.has(key)) continue;
      const book = new SlaReceiverBook(client, receiver, modelId);
      const state = await book.state(epoch);
      if (state.batches === 0) continue; // claims still open
      read.add(key);
      for (let index = 0; index < state.buyers; index++) {
        const { buyer, amount } = await book.buyerAt(epoch, BigInt(index));
        payments.push({
          chainId: chain.chainId,
          modelId,
          epoch,
          buyer,
          amount,
          paymentId: index.toString(),
          transaction: `${receiver}:${epoch}:${index}`,
        });
      }
    }
  }
  return payments;
}

/**
 * What the Solana vault booked for the planned epochs from the buyers' voucher pulls (the vault watcher's payment
 * records: one per buyer and epoch pulled), as the buyers' payments, buyers named by their public key's 32 bytes.
 *
 * @example recordBooked(traffic, await bookedSolanaPayments(bot.stores.payments, planned));
 */
export async function bookedSolanaPayments(
  payments: PaymentStore,
  planned: ReadonlyArray<{ modelId: bigint; epoch: bigint }>,
): Promise<DemoPayment[]> {
  const out: DemoPayment[] = [];
  for (const { modelId, epoch } of planned) {
    for (const record of await payments.listEpoch(SOLANA_CHAIN_ID, modelId, epoch)) {
      out.push({
        chainId: SOLANA_CHAIN_ID,
        modelId,
        epoch,
        buyer: bytesToHex(new PublicKey(record.buyer).toBytes()),
        amount: record.amount,
        paymentId: record.paymentId,
        transaction: record.transaction,
      });
    }
  }
  return out;
}

/**
 * Adds the booked buyer-epochs not seen yet to the traffic's payments (by chain, model, epoch and buyer index).
 *
 * @example recordBooked(traffic, await bookedPayments(devnet, clients, planned));
 */
export function recordBooked(traffic: DemoTraffic, booked: readonly DemoPayment[]): void {
  const seen = new Set(traffic.payments.map(paymentKey));
  for (const payment of booked) if (!seen.has(paymentKey(payment))) traffic.payments.push(payment);
}

function paymentKey(p: DemoPayment): string {
  return `${p.chainId}:${p.modelId}:${p.epoch}:${p.paymentId}`;
}
