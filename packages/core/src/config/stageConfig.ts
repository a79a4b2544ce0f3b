import { z } from "zod";
import type { MessageKindName } from "../codec/constants.ts";
import { keyReferenceSchema } from "./deploymentManifest.ts";

const chainId = z.number().int().positive().describe("slabridge chain id (EVM chain id, or SOLANA_CHAIN_ID)");

/**
 * Where an RPC URL comes from: inline (loopback only in committed config), by secret name (an SST Secret in AWS, so
 * URLs with API keys never sit in config or code), or the deployment manifest (the devnet's ports are picked at start).
 */
export const rpcUrlSourceSchema = z.union([
  z.object({ url: z.string().url().describe("inline URL; only loopback URLs belong in committed config") }),
  z.object({
    secret: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]*$/, "must be an SST Secret name")
      .describe("SST Secret"),
  }),
  z.object({ manifest: z.literal(true).describe("the deployment manifest's URL (the devnet picks free ports)") }),
]);

/**
 * A chain as the protocols' own address books name it, so its LayerZero endpoint id, Wormhole chain id and Wormhole
 * core address are looked up there (by the adapters, in the stage's `network`) and never typed by hand.
 */
export const protocolNamesSchema = z.object({
  layerZero: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/, "a LayerZero EndpointId name such as SEPOLIA_V2_TESTNET")
    .optional()
    .describe("the chain's name in LayerZero's EndpointId enum (@layerzerolabs/lz-definitions)"),
  wormhole: z
    .string()
    .regex(/^[A-Z][A-Za-z0-9]*$/, "a Wormhole chain name such as Sepolia")
    .optional()
    .describe("the chain's name in the Wormhole SDK (@wormhole-foundation/sdk-base)"),
});
export type ProtocolNames = z.infer<typeof protocolNamesSchema>;

/** The protocols' network whose address books a stage's protocol names are looked up in. */
export const protocolNetworkSchema = z.enum(["testnet", "mainnet"]);
export type ProtocolNetwork = z.infer<typeof protocolNetworkSchema>;

export const chainConfigSchema = z.object({
  chainId,
  name: z.string().regex(/^[a-z0-9-]+$/, "lowercase letters, digits and dashes"),
  family: z.enum(["evm", "solana"]),
  rpcUrl: rpcUrlSourceSchema,
  confirmations: z
    .number()
    .int()
    .min(0)
    .describe("blocks a watcher stays behind the head (EVM); Solana uses finalized"),
  maxBlockRange: z.number().int().min(1).max(10_000).default(2_000).describe("blocks per eth_getLogs call"),
  finalityLagMs: z
    .number()
    .int()
    .min(0)
    .max(600_000)
    .optional()
    .describe(
      "Solana: how long after an epoch's end its payments are surely finalized and recorded (~13 s of finality on a real cluster; 0 on the devnet)",
    ),
  protocols: protocolNamesSchema
    .optional()
    .describe("the chain's names in the protocols' address books (public networks; the devnet deploys its own)"),
});

export const routeSchema = z.object({
  source: chainId,
  destination: chainId,
  kind: z.enum(["ModelListing", "ReceiptBatch", "Verdict", "Payout"] satisfies MessageKindName[]),
  transport: z.enum(["layerzero", "wormhole"]),
  /** Transport to fail over to when the primary stays undeliverable; same message bytes. */
  fallback: z.enum(["layerzero", "wormhole"]).optional(),
  maxValuePerHour: z
    .string()
    .regex(/^[1-9]\d*$/, "a positive integer in the stablecoin's base units")
    .optional()
    .describe("value (stablecoin base units) the route's messages may move per hour; more waits for the next hour"),
});

export const retryPolicySchema = z.object({
  tiersMs: z.array(z.number().int().min(0)).min(1),
  maxAttempts: z.number().int().min(1),
  jitter: z.number().min(0).max(1),
});

const vantageName = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, "letters, digits, dot, dash, underscore (no '#': it separates sample ids)");

/**
 * Where SLA probes run from: one prober Lambda per vantage point (its own AWS region in production; on the devnet
 * several local functions in one process), fanned out to by the probe coordinator every `periodSeconds`.
 */
export const probingConfigSchema = z
  .object({
    periodSeconds: z.number().int().min(1).max(3_600).describe("how often the coordinator starts a probe round"),
    uptimeBucketSeconds: z
      .number()
      .int()
      .min(1)
      .describe("uptime bucket length (a bucket is up when a quorum of probers reached the host in it)"),
    quorum: z.number().int().min(1).describe("distinct probers that must reach a host for a bucket to be up"),
    vantagePoints: z
      .array(
        z.object({
          name: vantageName.describe("the prober's id in samples and reports"),
          region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, "an AWS region such as eu-west-1"),
          functionName: z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,64}$/, "a Lambda function name")
            .describe("the prober function in that region"),
        }),
      )
      .min(1),
    concurrency: z.number().int().min(1).max(256).describe("probes in flight at once per prober"),
    servedModel: z
      .string()
      .min(1)
      .describe("the model name a probe requests from a host; `{modelId}` is replaced by the Model NFT id"),
    evaluationGraceSeconds: z
      .number()
      .int()
      .min(0)
      .describe("how long after an epoch's end its last probes are surely recorded, before it is evaluated"),
    lookbackEpochs: z.number().int().min(1).max(1_000).describe("how many ended epochs back the evaluator looks"),
  })
  .superRefine((probing, ctx) => {
    const names = probing.vantagePoints.map((v) => v.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({ code: "custom", path: ["vantagePoints"], message: "vantage point names must be distinct" });
    }
    if (probing.quorum > probing.vantagePoints.length) {
      ctx.addIssue({ code: "custom", path: ["quorum"], message: "exceeds the number of vantage points" });
    }
    if (probing.periodSeconds > probing.uptimeBucketSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["periodSeconds"],
        message: "longer than a bucket: buckets would go unprobed",
      });
    }
  });
export type ProbingConfig = z.infer<typeof probingConfigSchema>;

const decimal = z.string().regex(/^(?:0|[1-9]\d*)$/, "a decimal string (no sign, no leading zeros)");
const evmAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "a 0x-prefixed 20-byte EVM address");

/** What a gateway model entry has on any chain (its key is the URL segment: `/models/<key>/...`). */
const gatewayModelCommon = {
  modelId: decimal.describe("the Model NFT id; its epoch clock comes from the deployment manifest's models"),
  model: z.string().min(1).describe("the model name the host serves (and usage receipts name)"),
  hostUrl: z.string().url().describe("the model host's base URL; the path after /models/<key> is appended"),
  price: z
    .object({
      perInputToken: decimal.describe("stablecoin base units per prompt token"),
      perOutputToken: decimal.describe("stablecoin base units per completion token"),
      ceiling: decimal.refine((value) => value !== "0", "must be positive").describe("most one call can cost"),
    })
    .describe("what a call costs: tokens used, capped at the ceiling"),
  rateLimit: z
    .object({
      burst: z.number().int().positive().describe("calls a buyer may make at once"),
      perSecond: z.number().positive().describe("calls per second the bucket refills"),
    })
    .describe("token bucket per (buyer, model)"),
  hostTimeoutMs: z.number().int().positive().optional().describe("a host call slower than this is not charged"),
};

/** One model the x402 gateway sells on one EVM chain. */
export const gatewayEvmModelConfigSchema = z.object({
  ...gatewayModelCommon,
  chainId: chainId.describe("the EVM chain whose batch-settlement channels pay for it (in chains, family evm)"),
  receiver: evmAddress.describe(
    "the model's SlaReceiver on that chain: the channels' receiver and, as it claims for itself, their receiverAuthorizer",
  ),
  asset: z
    .object({ name: z.string().min(1), version: z.string().min(1) })
    .describe("the EIP-712 domain name and version of the chain's stablecoin (its ERC-3009 signatures)"),
});

/**
 * One model the x402 gateway sells on a Solana cluster: the buyers approve the cluster's vault multisig as delegate
 * and pay each call by voucher; mint, vault and multisig come from the manifest's cluster, and the relay pulls each
 * epoch's charges into the vault at its end. No receiver contract.
 */
export const gatewaySolanaModelConfigSchema = z.object({
  ...gatewayModelCommon,
  chainId: chainId.describe("the Solana cluster whose vault is paid (in chains, family solana)"),
  network: z
    .string()
    .regex(/^solana:[-_a-zA-Z0-9]{1,32}$/, "solana:<cluster id>")
    .describe("the cluster's CAIP-2 network the buyers' x402 clients match (not in the manifest)"),
});

/** One model the x402 gateway sells: on an EVM chain, or (with a `solana:` network) on a Solana cluster. */
export const gatewayModelConfigSchema = z.union([gatewayEvmModelConfigSchema, gatewaySolanaModelConfigSchema]);
export type GatewayModelConfig = z.infer<typeof gatewayModelConfigSchema>;
export type GatewayEvmModelConfig = z.infer<typeof gatewayEvmModelConfigSchema>;
export type GatewaySolanaModelConfig = z.infer<typeof gatewaySolanaModelConfigSchema>;

/**
 * The x402 gateway of a stage: the models it sells, by URL key, and the key its facilitator sends transactions with
 * (deposits, on every EVM chain of the deployment). The gateway's receipt key is a secret, never config; its
 * address is, so the evaluator and the probers know whose usage receipts to take as evidence.
 */
export const gatewayConfigSchema = z.object({
  url: z
    .string()
    .url()
    .optional()
    .describe("the gateway's public base URL: probers call `<url>/models/<key>/...` as paying buyers (absent: direct)"),
  models: z.record(
    z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "a URL segment: lowercase letters, digits and dashes"),
    gatewayModelConfigSchema,
  ),
  facilitatorKey: keyReferenceSchema.describe(
    "the key the facilitator settles deposits with; its own, apart from the relayer's (one nonce sequence per key)",
  ),
  receiptSigners: z
    .array(evmAddress)
    .default([])
    .describe(
      "addresses of the gateway's receipt keys (the GatewayReceiptKey secret's, old and new while it rotates): usage receipts signed by anyone else are not SLA evidence",
    ),
});
export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

/**
 * One stage's bot config (one file per stage): chains with their RPC URL source and confirmations, the routes
 * (source, destination, message kind) and the transport each uses, batch sizes and the retry policy. Addresses and
 * ids come from the deployment manifest; this file says how to operate on them. A stage on a public network also
 * names each chain as the protocols' address books do (`network`, `protocols`), so its protocol ids are looked up
 * there rather than typed by hand.
 *
 * @example const config = parseStageConfig(JSON.parse(readFileSync("config/devnet.json", "utf8")));
 */
export const stageConfigSchema = z
  .object({
    stage: z.string().min(1),
    network: protocolNetworkSchema
      .optional()
      .describe("the public network the chains' protocol names are looked up in (absent: a local devnet)"),
    chains: z.array(chainConfigSchema).min(1),
    routes: z.array(routeSchema),
    batching: z.object({
      maxPaymentsPerReceiptBatch: z.number().int().min(1).max(1_000).default(100),
      maxRefundsPerTransaction: z.number().int().min(1).max(500).default(100),
    }),
    retry: retryPolicySchema,
    watch: z.object({ pollIntervalSeconds: z.number().int().min(1) }),
    /** SLA probing and evaluation; absent in stages that only relay. */
    probing: probingConfigSchema.optional(),
    /** The x402 gateway (models sold per call, and its facilitator); absent: the gateway function sells nothing. */
    gateway: gatewayConfigSchema.optional(),
    /** Automatic netting rounds; absent: the net function looks back `probing.lookbackEpochs` (else 10) epochs. */
    netting: z
      .object({
        lookbackEpochs: z
          .number()
          .int()
          .min(1)
          .max(10_000)
          .describe("how many epochs before the current one the net function checks for fully paid-out rounds"),
      })
      .optional(),
  })
  .superRefine((config, ctx) => {
    const ids = new Set<number>();
    config.chains.forEach((chain, i) => {
      if (ids.has(chain.chainId)) {
        ctx.addIssue({
          code: "custom",
          path: ["chains", i, "chainId"],
          message: `chain ${chain.chainId} listed twice`,
        });
      }
      ids.add(chain.chainId);
      // Provider URLs carry API keys: anything but a local node's URL is an SST secret, never a committed literal.
      if ("url" in chain.rpcUrl && !isLoopbackUrl(chain.rpcUrl.url)) {
        ctx.addIssue({
          code: "custom",
          path: ["chains", i, "rpcUrl", "url"],
          message: "only a loopback URL may be inline: name an SST secret instead ({ secret: ... })",
        });
      }
      if (chain.protocols !== undefined && config.network === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["chains", i, "protocols"],
          message: "protocol names need the stage's network to be looked up in",
        });
      }
      // A real cluster finalizes ~13 s after a payment: without a lag, a payment in an epoch's last seconds is not
      // recorded when the epoch's receipts are cut. A deployed cluster's URL is a secret; local clusters (a loopback
      // URL, or the devnet's from the manifest) finalize at once.
      if (chain.family === "solana" && "secret" in chain.rpcUrl && (chain.finalityLagMs ?? 0) < 13_000) {
        ctx.addIssue({
          code: "custom",
          path: ["chains", i, "finalityLagMs"],
          message: "a deployed Solana cluster (RPC URL from a secret) needs finalityLagMs of at least 13,000 ms",
        });
      }
    });
    for (const [key, model] of Object.entries(config.gateway?.models ?? {})) {
      const chain = config.chains.find((candidate) => candidate.chainId === model.chainId);
      const family = "network" in model ? "solana" : "evm";
      if (chain?.family !== family) {
        ctx.addIssue({
          code: "custom",
          path: ["gateway", "models", key, "chainId"],
          message: `chain ${model.chainId} is not ${family === "evm" ? "an EVM chain" : "a Solana cluster"} of chains`,
        });
      }
    }
    const seen = new Set<string>();
    config.routes.forEach((route, i) => {
      for (const end of ["source", "destination"] as const) {
        if (!ids.has(route[end])) {
          ctx.addIssue({ code: "custom", path: ["routes", i, end], message: `chain ${route[end]} is not in chains` });
        }
      }
      // A chain that is home and payment chain at once talks to itself: only Wormhole can (a VAA is delivered back
      // to the messenger that emitted it); LayerZero has no pathway to its own endpoint id.
      if (route.source === route.destination && (route.transport !== "wormhole" || route.fallback !== undefined)) {
        ctx.addIssue({
          code: "custom",
          path: ["routes", i, "transport"],
          message: "a same-chain route must use wormhole alone (LayerZero cannot send to its own endpoint)",
        });
      }
      // A stage on a public network takes every protocol id from the address books: each end of a route needs the
      // name its transports (primary and fallback) are looked up by.
      if (config.network !== undefined) {
        for (const transport of [route.transport, route.fallback]) {
          if (transport === undefined) continue;
          for (const end of ["source", "destination"] as const) {
            const chain = config.chains.find((candidate) => candidate.chainId === route[end]);
            if (chain !== undefined && chain.protocols?.[protocolNameKey[transport]] === undefined) {
              ctx.addIssue({
                code: "custom",
                path: ["routes", i, end],
                message: `chain ${route[end]} has no protocols.${protocolNameKey[transport]} name`,
              });
            }
          }
        }
      }
      if (route.fallback === route.transport) {
        ctx.addIssue({ code: "custom", path: ["routes", i, "fallback"], message: "equals the primary transport" });
      }
      const key = `${route.source}>${route.destination}:${route.kind}`;
      if (seen.has(key)) ctx.addIssue({ code: "custom", path: ["routes", i], message: `duplicate route ${key}` });
      seen.add(key);
    });
  });
export type StageConfig = z.infer<typeof stageConfigSchema>;

const protocolNameKey = { layerzero: "layerZero", wormhole: "wormhole" } as const satisfies Record<
  RouteConfig["transport"],
  keyof ProtocolNames
>;

function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}
export type StageConfigInput = z.input<typeof stageConfigSchema>;
export type ChainConfig = z.infer<typeof chainConfigSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;

/**
 * The route a message of `kind` takes from `source` to `destination`, or undefined when none is configured.
 *
 * @example const route = findRoute(config, { source: 31337, destination: 31338, kind: "ReceiptBatch" });
 */
export function findRoute(
  config: StageConfig,
  query: Pick<RouteConfig, "source" | "destination" | "kind">,
): RouteConfig | undefined {
  return config.routes.find(
    (route) => route.source === query.source && route.destination === query.destination && route.kind === query.kind,
  );
}
