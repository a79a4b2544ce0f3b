import { deployedFunctions } from "@slabridge/topology";
import type { Signers } from "./signers.ts";
import { createSlabridgeFunction } from "./slabridgeFunction.ts";
import type { StageTopology } from "./stages.ts";
import type { Storage } from "./storage.ts";

/**
 * The API stack: the operator's status API, one function (`functions/src/status.handler`) behind a Lambda function
 * URL. It reads chains (RPC URL secrets) and the Jobs, Payments and Cursors (the kill switch's pauses) tables, and can
 * change nothing: the tables are not linked (an SST table link grants writes too) but named by read-only linkables
 * (`JobsReadOnly`, `PaymentsReadOnly`, `CursorsReadOnly`: `{ name }`), with `dynamodb:GetItem`/`Query` (all the stores use to read) on exactly those tables
 * and the jobs table's `byStatus` index. Its limits and links are the `status` record of `@slabridge/topology`. It also
 * serves the web dashboard at `/`: the page `npm run build` bundled into `packages/dashboard/dist` ships with the code
 * (`copyFiles`, found through `SLABRIDGE_DASHBOARD_DIR`).
 *
 * It also serves the x402 gateway (`functions/src/gateway.handler`): `/models/...` for buyers and `/facilitator/...`
 * (the facilitator role), on a function URL with response streaming and no IAM auth (the payment authorizes a call).
 * It writes the Channels and VoucherCheckpoints tables and reads every EVM chain's RPC URL and the receipt key secret.
 *
 * Authorization: `iam` in production (callers sign with SigV4, e.g. `awscurl` or a dashboard's role), `none` on
 * development stages, whose chains and money are test ones (the answers carry no secret either way).
 *
 * @example
 * const api = createApi({ topology, storage, signers, evidence });
 * api.status.url; // the function URL, an output of sst.config.ts
 */
export interface Api {
  readonly status: sst.aws.Function;
  /** The x402 gateway (`/models/...`) and its facilitator (`/facilitator/...`), on a public streaming function URL. */
  readonly gateway: sst.aws.Function;
}

/** The built dashboard, relative to the repository root and, in the function's bundle, to its working directory. */
const DASHBOARD_DIST = "packages/dashboard/dist";

/**
 * Function URL authorization of a stage.
 *
 * @example statusUrlAuthorization(stageTopology("production")) // "iam"
 */
export function statusUrlAuthorization(topology: StageTopology): "iam" | "none" {
  return topology.production ? "iam" : "none";
}

/**
 * Declares the status function and its URL (see {@link Api}).
 *
 * @example const { status } = createApi({ topology, storage, signers, evidence });
 */
export function createApi(input: {
  topology: StageTopology;
  storage: Storage;
  signers: Signers;
  /** The published evidence the status API serves (`GET /evidence/<address>`), read only. */
  evidence: sst.aws.Bucket;
}): Api {
  const { topology } = input;
  const status = createSlabridgeFunction(input, deployedFunctions.status, {
    url: { authorization: statusUrlAuthorization(topology) },
    copyFiles: [{ from: DASHBOARD_DIST }],
    environment: { SLABRIDGE_DASHBOARD_DIR: DASHBOARD_DIST },
  });
  // Buyers are anyone with a stock x402 client: payment is the authorization, so the URL takes no IAM auth.
  const gateway = createSlabridgeFunction(input, deployedFunctions.gateway, {
    url: { authorization: "none" },
    streaming: true,
  });
  return { status, gateway };
}
