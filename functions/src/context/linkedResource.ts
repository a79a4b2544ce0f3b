import { SlabridgeError } from "@slabridge/core";
import { Resource } from "sst";
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
 * Reads a resource SST links to a function, checked against `schema`.
 *
 * In a deployed function (`env` is `process.env`, the default) it reads `Resource.<Name>` from the `sst` package,
 * which decodes every link source SST uses: the `SST_RESOURCE_<Name>` variables (JSON), `SST_RESOURCES_JSON`, and
 * the encrypted links file (`SST_KEY_FILE` with `SST_KEY`) bundled with the function. `Resource` loads those once,
 * at its first property read, and never again: process.env changes after that first read are not seen. That is right
 * for a Lambda (its environment is fixed), so tests and the local runtime, which run several functions' links in
 * one process, pass their own `env` map instead; a map is decoded the way `Resource` decodes `SST_RESOURCE_<Name>`
 * (one JSON value per variable).
 *
 * @example const url = linkedResource("RpcUrlEvmA", z.object({ value: z.string() })).value;
 */
export function linkedResource<T>(name: string, schema: z.ZodType<T>, env: NodeJS.ProcessEnv = process.env): T {
  for (const observer of linkReadObservers) observer(name);
  const json = env === process.env ? fromSstResource(name) : fromEnvironmentMap(name, env);
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new MissingLinkError(name, parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data;
}

/** `Resource.<name>`, with a missing link as a {@link MissingLinkError} rather than `sst`'s untyped `Error`. */
function fromSstResource(name: string): unknown {
  let linked: boolean;
  try {
    // `in` loads the links without the throwing getter (which also throws when no link is active at all).
    linked = name in Resource;
  } catch (error) {
    // `Resource` JSON-parses every SST_RESOURCE_* variable on load: one malformed variable fails them all.
    throw new MissingLinkError(name, `links unreadable (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!linked) throw new MissingLinkError(name, "not linked to this function");
  return (Resource as unknown as Record<string, unknown>)[name];
}

function fromEnvironmentMap(name: string, env: NodeJS.ProcessEnv): unknown {
  const raw = env[`SST_RESOURCE_${name}`];
  if (raw === undefined) throw new MissingLinkError(name, "not linked to this function");
  try {
    return JSON.parse(raw);
  } catch {
    throw new MissingLinkError(name, "not JSON");
  }
}

export const linkedTable = z.object({ name: z.string().min(3) });
/** A bucket's link (`sst.aws.Bucket`, or its read-only linkable): its name, 3..63 characters as S3 allows. */
export const linkedBucket = z.object({ name: z.string().min(3).max(63) });
export const linkedQueue = z.object({ url: z.string().url() });
export const linkedSecret = z.object({ value: z.string().min(1) });
