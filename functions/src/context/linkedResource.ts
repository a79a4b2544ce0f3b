import { SlabridgeError } from "@slabridge/core";
import { z } from "zod";

/** A linked SST resource the function needs is missing or malformed in its environment. */
export class MissingLinkError extends SlabridgeError {
  override readonly name = "MissingLinkError" as const;
  constructor(name: string, reason: string) {
    super(`linked resource ${name}: ${reason}`, { retryable: false });
  }
}

/** Called with the name of every link a function reads (see {@link observeLinkReads}). */
export type LinkReadObserver = (name: string) => void;

const linkReadObservers = new Set<LinkReadObserver>();

/**
 * Calls `observer` with the name of each link read from now on, until the returned function is called. Tests use it
 * to compare what a function's cold start reads with what its stack links (a link read but not given fails anyway;
 * this also shows links given but never read).
 *
 * @example
 * const read: string[] = [];
 * const stop = observeLinkReads((name) => read.push(name));
 * await worldFromEnv(env);
 * stop(); // read: ["RpcUrlEvmA", ..., "Jobs", "Cursors", "Payments", "Nonces", "RelayQueue"]
 *
 * @public the stacks' cold-start test imports it by a subpath that static analysis does not follow
 */
export function observeLinkReads(observer: LinkReadObserver): () => void {
  // A wrapper per call, so observing twice with one function is two subscriptions.
  const subscription: LinkReadObserver = (name) => observer(name);
  linkReadObservers.add(subscription);
  return () => {
    linkReadObservers.delete(subscription);
  };
}

/**
 * Reads a resource SST links to a function. SST passes each link as `SST_RESOURCE_<Name>` (JSON); this is what
 * `Resource.<Name>` from the `sst` package reads, without needing the package at run time (its CLI cannot be
 * installed here). Tests and the local runtime set the same variables.
 *
 * @example const url = linkedResource("RpcUrlEvmA", z.object({ value: z.string() })).value;
 */
export function linkedResource<T>(name: string, schema: z.ZodType<T>, env: NodeJS.ProcessEnv = process.env): T {
  for (const observer of linkReadObservers) observer(name);
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
