import { SlabridgeError } from "@slabridge/core";
import { z } from "zod";

/** A linked SST resource the function needs is missing or malformed in its environment. */
export class MissingLinkError extends SlabridgeError {
  override readonly name = "MissingLinkError" as const;
  constructor(name: string, reason: string) {
    super(`linked resource ${name}: ${reason}`, { retryable: false });
  }
}

/**
 * Reads a resource SST links to a function. SST passes each link as `SST_RESOURCE_<Name>` (JSON); this is what
 * `Resource.<Name>` from the `sst` package reads, without needing the package at run time (its CLI cannot be
 * installed here). Tests and the local runtime set the same variables.
 *
 * @example const url = linkedResource("RpcUrlEvmA", z.object({ value: z.string() })).value;
 */
export function linkedResource<T>(name: string, schema: z.ZodType<T>, env: NodeJS.ProcessEnv = process.env): T {
  const raw = env[`SST_RESOURCE_${name}`];
  if (raw === undefined) throw new MissingLinkError(name, "not linked to this function");
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new MissingLinkError(name, "not JSON");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new MissingLinkError(name, parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data;
}

export const linkedTable = z.object({ name: z.string().min(3) });
export const linkedQueue = z.object({ url: z.string().url() });
export const linkedSecret = z.object({ value: z.string().min(1) });
