import { SlabridgeError } from "@slabridge/core";

/** The gateway's model list does not parse (a field out of range, two models with one key). */
export class InvalidGatewayConfigError extends SlabridgeError {
  override readonly name = "InvalidGatewayConfigError" as const;
  constructor(details: string) {
    super("The gateway's model configuration is invalid.", { details });
  }
}
