export type { PayoutPublisher, PayoutStatus } from "./PayoutPublisher.ts";
export {
  MalformedQueueMessageError,
  parseRelayQueueMessage,
  type RelayQueueMessage,
  relayQueueMessageSchema,
} from "./queueMessage.ts";
export type { ReceiptProgress, ReceiptSource } from "./ReceiptSource.ts";
export {
  MissingTransportError,
  NotReadyError,
  PayoutsClaimedError,
  type ProcessOutcome,
  RelayEngine,
  type RelayEngineOptions,
} from "./RelayEngine.ts";
export type { SettlementState, SettlementTarget } from "./SettlementTarget.ts";
