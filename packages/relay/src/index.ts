export {
  MalformedQueueMessageError,
  parseRelayQueueMessage,
  type RelayQueueMessage,
  relayQueueMessageSchema,
} from "./queueMessage.ts";
export {
  MissingTransportError,
  PayoutsClaimedError,
  type ProcessOutcome,
  RelayEngine,
  type RelayEngineOptions,
} from "./RelayEngine.ts";
