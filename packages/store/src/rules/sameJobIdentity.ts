import type { Job } from "@slabridge/core";

/**
 * Whether two versions of a job describe the same work (kind and source unchanged), which every transition keeps.
 *
 * @example if (!sameJobIdentity(stored, next)) throw new InvalidStoreInputError("kind or source changed");
 */
export function sameJobIdentity(a: Job, b: Job): boolean {
  return (
    a.kind === b.kind &&
    a.source.chainId === b.source.chainId &&
    a.source.transaction === b.source.transaction &&
    a.source.block === b.source.block &&
    a.source.blockHash === b.source.blockHash &&
    a.source.index === b.source.index
  );
}
