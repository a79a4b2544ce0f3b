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
 *
 * @example
 * const settlement = createSettlement({ topology, storage, signers, relayQueue, scheduleDeadLetterQueue });
 */
export interface Settlement {
  readonly refund: sst.aws.Function;
  readonly settle: sst.aws.Function;
  readonly net: sst.aws.Function;
}

/** How often refunds and releases are looked for (verdicts arrive minutes after an epoch ends). */
export const settlementSchedule = "rate(5 minutes)";

/** How often paid-out epochs are looked for to net (payouts land minutes after the release). */
export const nettingSchedule = "rate(5 minutes)";

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
  const context = { topology: input.topology, storage: input.storage, signers: input.signers };
  const common = {
    service: "slabridge-settlement",
    timeoutSeconds: 60,
    memory: "512 MB",
    // Nonces only because the relay world they share with the watchers opens every store; they send nothing.
    tables: ["jobs", "payments", "cursors", "nonces"],
    rpcFamilies: ["evm", "solana"],
    guardianApi: false,
    signingKeys: [],
    links: [input.relayQueue],
  } as const;
  const refund = createSlabridgeFunction(context, {
    ...common,
    name: "Refund",
    handler: "functions/src/refund.handler",
    description: "Finds verdicts with refunds due on each payment chain and queues their refund jobs",
  });
  const settle = createSlabridgeFunction(context, {
    ...common,
    name: "Settle",
    handler: "functions/src/settle.handler",
    description: "Finds refunded epochs and queues their release and payout jobs",
  });
  const { evm } = input.signers;
  const net = createSlabridgeFunction(context, {
    name: "Net",
    handler: "functions/src/net.handler",
    description: "Nets fully paid-out epochs between the chains' netting vaults and pays their payees",
    service: "slabridge-net",
    // A round sends several transactions and waits for each (transfer, OFT delivery, payee payments).
    timeoutSeconds: 300,
    memory: "512 MB",
    tables: ["jobs", "payments", "cursors", "nonces"],
    rpcFamilies: ["evm", "solana"],
    guardianApi: false,
    signingKeys: [...evm.nettingVaults, evm.dvn, evm.relayer],
    // The relay world it is built on needs the queue's URL (netting queues no job).
    links: [input.relayQueue],
  });
  scheduleFunction("RefundSchedule", refund, settlementSchedule, input.scheduleDeadLetterQueue);
  scheduleFunction("SettleSchedule", settle, settlementSchedule, input.scheduleDeadLetterQueue);
  scheduleFunction("NetSchedule", net, nettingSchedule, input.scheduleDeadLetterQueue);
  return { refund, settle, net };
}
