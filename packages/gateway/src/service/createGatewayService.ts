import type { x402Facilitator } from "@x402/core/facilitator";
import { createGateway, type Gateway, type GatewayOptions } from "../createGateway.ts";
import { GatewayError } from "../errors/GatewayError.ts";
import { createFacilitatorHandler, type FacilitatorHandlerOptions } from "../http/facilitatorHandler.ts";
import { localFacilitatorClient } from "../http/localFacilitatorClient.ts";

/** The stage sells no model yet (its config has no gateway models): `/models/...` is not served. */
export class GatewayNotConfiguredError extends GatewayError {
  override readonly name = "GatewayNotConfiguredError" as const;
  constructor() {
    super("This gateway sells no model yet.", { status: 503, code: "gateway_not_configured" });
  }
}

/** Options of {@link createGatewayService}: the gateway's, with the in-process SDK facilitator in place of a client. */
export interface GatewayServiceOptions extends Omit<GatewayOptions, "facilitator"> {
  /** The SDK facilitator (batch-settlement registered per chain): the gateway's own, and served at `/facilitator`. */
  readonly facilitator: x402Facilitator;
  readonly facilitatorHandler?: FacilitatorHandlerOptions;
}

/**
 * slabridge's whole x402 service behind one Fetch API handler: `/facilitator/...` is the facilitator role over HTTP
 * ({@link createFacilitatorHandler}), everything else the gateway ({@link createGateway}), which uses the same
 * facilitator in process (no HTTP hop). With no models, `/models/...` answers 503 `gateway_not_configured` and the
 * facilitator is still served.
 *
 * @example
 * const service = await createGatewayService({ models, facilitator, storage, checkpoints, receiptSigner });
 * export const handle = service.handle;
 */
export async function createGatewayService(options: GatewayServiceOptions): Promise<Gateway> {
  const { facilitator, facilitatorHandler, ...rest } = options;
  const onError = options.onError ?? ((error: unknown) => console.error("gateway: unexpected failure", error));
  const serveFacilitator = createFacilitatorHandler(facilitator, { onError, ...facilitatorHandler });
  const gateway =
    options.models.length === 0
      ? undefined
      : await createGateway({ ...rest, facilitator: localFacilitatorClient(facilitator) });
  return {
    handle: async (request) => {
      const { pathname } = new URL(request.url);
      if (pathname === "/facilitator" || pathname.startsWith("/facilitator/")) return serveFacilitator(request);
      if (gateway !== undefined) return gateway.handle(request);
      const error = new GatewayNotConfiguredError();
      return Response.json({ error: error.code, message: error.shortMessage }, { status: error.status });
    },
  };
}
