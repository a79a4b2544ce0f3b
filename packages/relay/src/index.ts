export {
  MalformedQueueMessageError,
  parseRelayQueueMessage,
  type RelayQueueMessage,
  relayQueueMessageSchema,
} from "./queueMessage.ts";
export {
  MissingTransportError,
  MissingWorkerError,
  type ProcessOutcome,
  RelayEngine,
  type RelayEngineOptions,
} from "./RelayEngine.ts";
export {
  InvalidRouteControlError,
  type PauseScope,
  type PauseView,
  RouteControls,
  type RouteControlsOptions,
} from "./RouteControls.ts";
