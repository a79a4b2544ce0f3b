import {
  type DeploymentManifest,
  parseStageConfig,
  type RouteConfig,
  type StageConfig,
  type TransportName,
} from "@slabridge/core";
import { devnetChainsOf } from "../devnetChainsOf.ts";

/** Options of {@link devnetStageConfig}: what a test wants of the bot; the rest are quick devnet defaults. */
export interface DevnetStageOptions {
  /** The routes the bot relays; nothing else is routed. */
  routes: readonly RouteConfig[];
  /** Default: 10 payments per receipt batch, 2 refunds per transaction (three payments take two refund batches). */
  batching?: { maxPaymentsPerReceiptBatch?: number; maxRefundsPerTransaction?: number };
  /** Default: backoffs of 50 and 100 ms, 5 attempts, no jitter (tests wait for retries, not minutes). */
  retry?: { tiersMs?: number[]; maxAttempts?: number; jitter?: number };
  /** Lists the Solana cluster among the chains (default: EVM chains only). */
  solana?: boolean;
  /** Per EVM chain: the largest block range of one log scan (small values make scans cross chunk borders). */
  maxBlockRange?: number;
}

/**
 * A stage config for a running devnet: every EVM chain of the manifest (and Solana when asked) with its RPC URL
 * inline, the given routes, and batching, retry and watch settings quick enough for a test.
 *
 * @example
 * const config = devnetStageConfig(devnet.manifest, {
 *   routes: [{ source: 31337, destination: 31338, kind: "ReceiptBatch", transport: "layerzero" }],
 *   batching: { maxPaymentsPerReceiptBatch: 2 },
 * });
 */
export function devnetStageConfig(manifest: DeploymentManifest, options: DevnetStageOptions): StageConfig {
  const { solana } = devnetChainsOf(manifest);
  return parseStageConfig({
    stage: "devnet",
    chains: [
      ...devnetChainsOf(manifest).evm.map((chain) => ({
        chainId: chain.chainId,
        name: chain.name,
        family: "evm" as const,
        rpcUrl: { url: chain.rpcUrl },
        confirmations: chain.confirmations,
        ...(options.maxBlockRange === undefined ? {} : { maxBlockRange: options.maxBlockRange }),
      })),
      ...(options.solana && solana
        ? [
            {
              chainId: solana.chainId,
              name: "solana",
              family: "solana" as const,
              rpcUrl: { url: solana.rpcUrl },
              confirmations: 0,
            },
          ]
        : []),
    ],
    routes: options.routes,
    batching: { maxPaymentsPerReceiptBatch: 10, maxRefundsPerTransaction: 2, ...options.batching },
    retry: { tiersMs: [50, 100], maxAttempts: 5, jitter: 0, ...options.retry },
    watch: { pollIntervalSeconds: 1 },
  });
}

/**
 * A payment chain's routes over one transport: receipts to the home chain, verdicts and payouts back.
 *
 * @example devnetStageConfig(manifest, { routes: devnetPaymentChainRoutes(31337, 31338, "layerzero") });
 */
export function devnetPaymentChainRoutes(
  paymentChainId: number,
  homeChainId: number,
  transport: TransportName,
  kinds: readonly RouteConfig["kind"][] = ["ReceiptBatch", "Verdict", "Payout"],
): RouteConfig[] {
  return kinds.map((kind) =>
    kind === "ReceiptBatch"
      ? { source: paymentChainId, destination: homeChainId, kind, transport }
      : { source: homeChainId, destination: paymentChainId, kind, transport },
  );
}

/**
 * The EVM routes of config/devnet.json without fallbacks or listings: the payment chain over LayerZero both ways,
 * the home chain's own escrow over Wormhole self-delivery.
 *
 * @example devnetStageConfig(manifest, { routes: devnetEvmRoutes(31337, 31338) });
 */
export function devnetEvmRoutes(paymentChainId: number, homeChainId: number): RouteConfig[] {
  const [a, b] = [paymentChainId, homeChainId];
  return [
    ...devnetPaymentChainRoutes(a, b, "layerzero"),
    { source: b, destination: b, kind: "ReceiptBatch", transport: "wormhole" },
    { source: b, destination: b, kind: "Verdict", transport: "wormhole" },
    { source: b, destination: b, kind: "Payout", transport: "wormhole" },
  ];
}
