import { deployedFunctions } from "@slabridge/topology";
import { scheduleFunction } from "./scheduleFunction.ts";
import type { Signers } from "./signers.ts";
import { createSlabridgeFunction } from "./slabridgeFunction.ts";
import type { StageTopology } from "./stages.ts";
import type { Storage } from "./storage.ts";

/**
 * The settlement stack runs flows 6 and 7 of the design on schedules: `Refund` finds (model, epoch)s whose verdict
 * calls for refunds on a payment chain and `Settle` finds those ready to release and pay out; each turns what it
 * finds into refund/settle jobs (deterministic ids, so a rerun creates nothing twice) and puts them on the relay
 * queue. Moving money stays with the relay worker, the only function holding the relayer and Solana operator keys:
 * these two functions link no signing key. `Net` nets every fully paid-out (model, epoch) once: each EVM netting vault
 * sends its net transfer over the stablecoin OFT and pays its chain's payees, and the function delivers the OFT
 * packets itself (as slabridge's DVN and executor), so it links the netting vault keys and the DVN and relayer keys.
 * Limits, links and periods are the `refund`, `settle` and `net` records of `@slabridge/topology`.
 *
 * @example
 * const settlement = createSettlement({ topology, storage, signers, relayQueue, scheduleDeadLetterQueue });
 */
export interface Settlement {
  readonly refund: sst.aws.Function;
  readonly settle: sst.aws.Function;
  readonly net: sst.aws.Function;
}

/**
 * Declares the refund, settle and net functions and their schedules (see {@link Settlement}).
 *
 * @example
 * const { refund, settle, net } = createSettlement({ topology, storage, signers, relayQueue, scheduleDeadLetterQueue });
 */
export function createSettlement(input: {
  topology: StageTopology;
  storage: Storage;
  signers: Signers;
  relayQueue: sst.aws.Queue;
  scheduleDeadLetterQueue: sst.aws.Queue;
}): Settlement {
  const { topology, scheduleDeadLetterQueue } = input;
  const context = { topology, storage: input.storage, signers: input.signers, queues: { relay: input.relayQueue } };
  const declare = (key: "refund" | "settle" | "net") => {
    const fn = createSlabridgeFunction(context, deployedFunctions[key]);
    scheduleFunction(topology, deployedFunctions[key], fn, scheduleDeadLetterQueue);
    return fn;
  };
  const refund = declare("refund");
  const settle = declare("settle");
  const net = declare("net");
  return { refund, settle, net };
}
