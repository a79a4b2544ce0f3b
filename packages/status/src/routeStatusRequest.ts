import { type Hex, type JobStatus, SlabridgeError, scrubSecrets } from "@slabridge/core";
import { z } from "zod";
import { InvalidStatusRequestError, StatusMethodNotAllowedError, StatusNotFoundError } from "./errors.ts";
import { readControls } from "./readControls.ts";
import { readEpochStatus } from "./readEpochStatus.ts";
import { JOB_STATUSES, readJobs } from "./readJobs.ts";
import { readModels } from "./readModels.ts";
import type { StatusWorld } from "./StatusWorld.ts";

/** An HTTP request as the router needs it (the handler builds it from the function URL event). */
export interface StatusRequest {
  readonly method: string;
  /** The raw path, e.g. `/models/2/epochs/14`. */
  readonly path: string;
  /** Query parameters; a repeated key arrives comma-joined, as a function URL passes it. */
  readonly query: Readonly<Record<string, string | undefined>>;
}

/**
 * The router's answer: a status code and a JSON body (bigints become decimal strings when serialized), or `bytes` to
 * send exactly as stored (an evidence bundle: its address is the keccak256 of these bytes).
 */
export interface StatusResponse {
  readonly statusCode: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly bytes?: Uint8Array;
}

/** The body of every error answer. */
export interface StatusErrorBody {
  readonly error: {
    /** The error class, e.g. `StatusNotFoundError`, `InvalidStatusRequestError`. */
    readonly name: string;
    readonly message: string;
    readonly retryable: boolean;
    /** 400: what failed validation. */
    readonly issues?: readonly string[];
    /** 404: what was not found (route, model, epoch, evidence). */
    readonly kind?: string;
  };
}

const UINT256_MAX = (1n << 256n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
const decimal = (max: bigint, what: string) =>
  z
    .string()
    .regex(/^\d{1,78}$/, `${what} must be a decimal integer`)
    .transform((text) => BigInt(text))
    .refine((value) => value <= max, `${what} is out of range`);

const epochParamsSchema = z.object({
  modelId: decimal(UINT256_MAX, "modelId").describe("Model NFT id (uint256)"),
  epoch: decimal(UINT64_MAX, "epoch").describe("Epoch number (uint64)"),
});

const jobsQuerySchema = z
  .object({
    status: z
      .string()
      .optional()
      .transform((text) => (text === undefined ? undefined : text.split(",").map((part) => part.trim())))
      .pipe(z.array(z.enum(JOB_STATUSES)).min(1).optional())
      .describe("Job states, comma-separated (default: every unfinished state)"),
    limit: z
      .string()
      .regex(/^\d+$/, "limit must be a decimal integer")
      .transform(Number)
      .pipe(z.number().int().min(1).max(1_000))
      .optional()
      .describe("Jobs per state, 1..1000 (default 100)"),
  })
  .strict();

const noQuerySchema = z.object({}).strict();

const MODEL_EPOCH = /^\/models\/([^/]+)\/epochs\/([^/]+)$/;
const EVIDENCE = /^\/evidence\/([^/]+)$/;
const evidenceParamsSchema = z.object({
  address: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "address must be 0x and 32 bytes of hex (a bundle's keccak256)")
    .transform((text) => text.toLowerCase() as Hex)
    .describe("keccak256 of the bundle's bytes, as an epoch's evidence.bundle names it"),
});

/**
 * The status API's routes, all GET and read-only:
 * - `/health`: `{ status: "ok", stage, homeChainId, chains: [{ chainId, name, family }], time }`;
 * - `/models`: `{ models: ModelView[] }` (see `readModels`);
 * - `/models/{modelId}/epochs/{epoch}`: `EpochStatusView` (see `readEpochStatus`);
 * - `/jobs?status=failed,dead-lettered&limit=100`: `JobsResponse` (see `readJobs`);
 * - `/controls`: `ControlsView` (see `readControls`): the pauses in force and the jobs a pause or a limit holds;
 * - `/evidence/{address}`: the published evidence bundle at that address, its bytes exactly as stored
 *   (`application/json`; 404 `kind: "evidence"` when the store has none; the caller checks keccak256(bytes)).
 *
 * Bad parameters answer 400 (`InvalidStatusRequestError` with `issues`), unknown paths, models and epochs 404
 * (`StatusNotFoundError` with `kind`), other methods 405, failures 503 when a retry may help and 500 otherwise; error
 * messages are scrubbed of secrets, and an unexpected error's text is never shown.
 *
 * @example const { statusCode, body } = await routeStatusRequest(() => world, { method: "GET", path: "/jobs", query: {} });
 */
export async function routeStatusRequest(
  getWorld: () => Promise<StatusWorld>,
  request: StatusRequest,
  onUnexpectedError: (error: unknown) => void = () => {},
): Promise<StatusResponse> {
  try {
    const answer = await route(getWorld, request);
    return answer instanceof Uint8Array
      ? { statusCode: 200, body: null, bytes: answer }
      : { statusCode: 200, body: answer };
  } catch (error) {
    return errorResponse(error, onUnexpectedError);
  }
}

async function route(getWorld: () => Promise<StatusWorld>, request: StatusRequest): Promise<unknown> {
  const path = request.path.length > 1 ? request.path.replace(/\/+$/, "") : request.path;
  const known =
    path === "/health" ||
    path === "/models" ||
    path === "/jobs" ||
    path === "/controls" ||
    MODEL_EPOCH.test(path) ||
    EVIDENCE.test(path);
  if (!known) throw new StatusNotFoundError("route", `No route ${path}.`);
  if (request.method !== "GET") throw new StatusMethodNotAllowedError(request.method);

  if (path === "/jobs") {
    const query = parse(jobsQuerySchema, request.query);
    const world = await getWorld();
    return readJobs(world, query.status as JobStatus[] | undefined, query.limit);
  }
  parse(noQuerySchema, request.query);
  const world = await getWorld();
  if (path === "/health") {
    return {
      status: "ok",
      stage: world.config.stage,
      homeChainId: world.manifest.homeChainId,
      chains: world.config.chains.map((chain) => ({ chainId: chain.chainId, name: chain.name, family: chain.family })),
      time: new Date(world.clock.now()).toISOString(),
    };
  }
  if (path === "/models") return readModels(world);
  if (path === "/controls") return readControls(world);
  const evidence = EVIDENCE.exec(path);
  if (evidence)
    return readEvidence(world, parse(evidenceParamsSchema, { address: safeDecode(evidence[1] ?? "") }).address);
  const [, modelId = "", epoch = ""] = MODEL_EPOCH.exec(path) ?? [];
  const params = parse(epochParamsSchema, { modelId: safeDecode(modelId), epoch: safeDecode(epoch) });
  return readEpochStatus(world, params.modelId, params.epoch);
}

/** The stored bytes of the bundle at `address`, unchanged (a tampered store shows as a hash mismatch to the reader). */
async function readEvidence(world: StatusWorld, address: Hex): Promise<Uint8Array> {
  const bytes = await world.evidence?.bytesOf(address);
  if (bytes === undefined) throw new StatusNotFoundError("evidence", `No evidence bundle at ${address}.`);
  return bytes;
}

function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new InvalidStatusRequestError(
    result.error.issues.map((issue) => {
      const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
      return scrubSecrets(`${where}${issue.message}`);
    }),
  );
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function errorResponse(error: unknown, onUnexpectedError: (error: unknown) => void): StatusResponse {
  if (error instanceof InvalidStatusRequestError) {
    return errorBody(400, error, { issues: error.issues });
  }
  if (error instanceof StatusNotFoundError) return errorBody(404, error, { kind: error.kind });
  if (error instanceof StatusMethodNotAllowedError) return { ...errorBody(405, error, {}), headers: { Allow: "GET" } };
  onUnexpectedError(error);
  // Chain readers translate raw RPC errors once (typed, retryable or not, URL removed); the rest stay unexpected.
  if (error instanceof SlabridgeError) return errorBody(error.retryable ? 503 : 500, error, {});
  return {
    statusCode: 500,
    body: { error: { name: "InternalError", message: "Internal error.", retryable: false } } satisfies StatusErrorBody,
  };
}

function errorBody(
  statusCode: number,
  error: SlabridgeError,
  extra: { issues?: readonly string[]; kind?: string },
): StatusResponse {
  const body: StatusErrorBody = {
    error: { name: error.name, message: scrubSecrets(error.shortMessage), retryable: error.retryable, ...extra },
  };
  return { statusCode, body };
}
