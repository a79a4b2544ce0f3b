// @slabridge/status: the status read model behind the read-only status API: models, one epoch's verdict, deliveries,
// settlement per chain and jobs. What it reads from a chain goes through core's ChainStatusReader port; it imports
// no chain SDK.

export {
  InvalidStatusRequestError,
  StatusConfigError,
  StatusMethodNotAllowedError,
  StatusNotFoundError,
  type StatusNotFoundKind,
} from "./errors.ts";
export { type ControlsView, type PauseStatusView, readControls } from "./readControls.ts";
export { type DeliveryView, type EpochStatusView, readEpochStatus } from "./readEpochStatus.ts";
export { JOB_STATUSES, type JobsResponse, readJobs, UNFINISHED_STATUSES } from "./readJobs.ts";
export { type ModelView, readModels, type SlaTermsView } from "./readModels.ts";
export {
  routeStatusRequest,
  type StatusErrorBody,
  type StatusRequest,
  type StatusResponse,
} from "./routeStatusRequest.ts";
export { type EvidenceRulesView, homeChainOf, type StatusWorld } from "./StatusWorld.ts";
export { type JobView, toJobView } from "./toJobView.ts";
