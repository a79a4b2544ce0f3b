// The netting errors live in @slabridge/core (ports/nettingErrors.ts). SolanaNettingPayer.ts still imports its error
// from this path until it moves into @slabridge/solana; delete this file then.
export { NettingVaultNotReadyError } from "@slabridge/core";
