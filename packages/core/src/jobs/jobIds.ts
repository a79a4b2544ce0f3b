/**
 * Deterministic job ids. The same work, observed by any watcher any number of times, maps to one id, so the store's
 * conditional create keeps exactly one job for it.
 *
 * @example jobIds.relayReceipts({ chainId: 31337, modelId: 1n, epoch: 42n }) // "relay-receipts:31337:1:42"
 */
export const jobIds = {
  /** One (model, epoch)'s receipts on one payment chain. */
  relayReceipts: (p: { chainId: number; modelId: bigint; epoch: bigint }) =>
    `relay-receipts:${p.chainId}:${p.modelId}:${p.epoch}`,
  /** A LayerZero packet, by its GUID. */
  layerZeroMessage: (guid: string) => `deliver-message:lz:${guid.toLowerCase()}`,
  /** A Wormhole message, by (emitter chain, emitter, sequence): the VAA id. */
  wormholeMessage: (p: { emitterChain: number; emitter: string; sequence: bigint }) =>
    `deliver-message:wh:${p.emitterChain}/${p.emitter.toLowerCase().replace(/^0x/, "")}/${p.sequence}`,
  /** Refunds of one (model, epoch) on one payment chain. */
  refund: (p: { chainId: number; modelId: bigint; epoch: bigint }) => `refund:${p.chainId}:${p.modelId}:${p.epoch}`,
  /** Release and payouts of one (model, epoch) on one payment chain. */
  settle: (p: { chainId: number; modelId: bigint; epoch: bigint }) => `settle:${p.chainId}:${p.modelId}:${p.epoch}`,
} as const;
