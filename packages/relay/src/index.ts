// @slabridge/core's NotReadyError, re-exported for the adapters that import it from here (it moved to core).
export { NotReadyError } from "@slabridge/core";
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
  MissingWorkerError,
  type ProcessOutcome,
  RelayEngine,
  type RelayEngineOptions,
} from "./RelayEngine.ts";
export type { SettlementState, SettlementTarget } from "./SettlementTarget.ts";
