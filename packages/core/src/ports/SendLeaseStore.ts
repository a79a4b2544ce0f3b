/**
 * A send lease: at most one worker at a time sends from a shared account for one piece of work (e.g. the Solana
 * vault's transfers for one (model, epoch)), so two of them never pay the same thing. The lease says what its holder
 * is doing: nothing (`idle`), about to broadcast (`sending`), or waiting for the transaction it broadcast (`sent`,
 * naming its signature, so the next worker can ask the chain whether it landed before taking over).
 */
export type SendLease =
  | { id: string; state: "idle" | "sending"; takenAt: number; version: number }
  | {
      id: string;
      state: "sent";
      /** The transaction signature (or hash) the holder broadcast last. */
      signature: string;
      /**
       * The last block height at which that transaction can still land (Solana: its blockhash's
       * `lastValidBlockHeight`). Until the chain's finalized height passes it, the transaction may land, so nobody
       * takes the lease over; absent on leases written before it was recorded.
       */
      lastValidBlockHeight?: number;
      takenAt: number;
      version: number;
    };

/** The states of a {@link SendLease}. */
export type SendLeaseState = SendLease["state"];

/**
 * Send leases, each moved by one conditional write on its version (like a cursor), so two workers never both take
 * one. `takenAt` (unix ms) is when the lease last moved; holders use it for their in-flight guard.
 *
 * @example
 * const lease = await leases.get(id);
 * const taken = await leases.advance({ id, state: "sending", takenAt: now, version: (lease?.version ?? 0) + 1 }, lease?.version);
 */
export interface SendLeaseStore {
  get(id: string): Promise<SendLease | undefined>;
  /** Moves the lease from `expectedVersion` (undefined = not stored yet) to `next`; false if someone else moved it. */
  advance(next: SendLease, expectedVersion: number | undefined): Promise<boolean>;
}
