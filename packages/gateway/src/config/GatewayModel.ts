import { base58 } from "@slabridge/solana";
import { getAddress, isAddress } from "viem";
import { z } from "zod";

const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), "must be a 0x address")
  .transform((value) => getAddress(value));
const uint = z.union([z.bigint(), z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(BigInt);

/** Token-bucket terms per (buyer, model): `burst` calls at once, refilled at `perSecond`. */
export const rateLimitSchema = z.object({
  burst: z.number().int().positive().describe("calls a buyer may make at once"),
  perSecond: z.number().positive().describe("calls per second the bucket refills"),
});

/** What every model route has, whatever the chain: its URL key, host, prices, SLA terms, clock and rate limit. */
const commonFields = {
  key: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .describe("URL segment: the model is served at /models/<key>/..."),
  model: z.string().min(1).describe("the model name the host serves (and the receipt names)"),
  modelId: uint.describe("the model's registry id (its Model NFT)"),
  hostUrl: z.url().describe("the model host's base URL; the path after /models/<key> is appended"),
  hostTimeoutMs: z.number().int().positive().default(30_000).describe("a host call slower than this is not charged"),
  price: z
    .object({
      perInputToken: uint.describe("asset units per prompt token"),
      perOutputToken: uint.describe("asset units per completion token"),
      ceiling: uint.refine((value) => value > 0n, "must be positive").describe("most one call can cost"),
    })
    .describe("what a call costs, in the asset's base units"),
  sla: z.record(z.string(), z.unknown()).default({}).describe("slabridge's SLA terms, shown in the 402's extra.sla"),
  clock: z
    .object({ genesis: uint, epochSeconds: uint.refine((value) => value > 0n, "must be positive") })
    .describe("the model's epoch clock (unix seconds of epoch 0, epoch length)"),
  rateLimit: rateLimitSchema,
  maxTimeoutSeconds: z.number().int().positive().default(300).describe("x402 maxTimeoutSeconds of the 402"),
};

/** One model the gateway sells, on one EVM chain. */
export const gatewayEvmModelSchema = z
  .object({
    ...commonFields,
    network: z
      .custom<`eip155:${string}`>(
        (value) => typeof value === "string" && /^eip155:\d+$/.test(value),
        "must be eip155:<chainId>",
      )
      .describe("CAIP-2 network of the channel contract"),
    asset: address.describe("the stablecoin (ERC-3009) buyers deposit"),
    assetName: z.string().min(1).describe("the asset's EIP-712 domain name (ERC-3009 signatures)"),
    assetVersion: z.string().min(1).describe("the asset's EIP-712 domain version"),
    payTo: address.describe("the model's receiver on this chain (the channels' receiver)"),
    receiverAuthorizer: address
      .optional()
      .describe(
        "a contract that authorizes its own claims (the model's SlaReceiver, usually payTo), advertised as the channels' receiverAuthorizer; absent: the gateway's receiverAuthorizer option, else the facilitator's",
      ),
    onchainStateTtlMs: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("how long mirrored on-chain channel state is trusted for local voucher checks (the SDK's default)"),
  })
  .describe("a model route of the gateway on an EVM chain");

const base58Key = z
  .string()
  .refine((value) => {
    try {
      return base58.decode(value).length === 32;
    } catch {
      return false;
    }
  }, "must be a base58 public key")
  .describe("a Solana public key, base58");

/**
 * One model the gateway sells on a Solana cluster: the channel is the buyer's SPL delegate approval of the vault
 * multisig (`payTo`), vouchers are ed25519 and checked by the gateway itself, and the relay pulls each epoch's charged
 * amounts into the vault at the epoch's end. No receiver contract: every model shares the cluster's vault.
 */
export const gatewaySvmModelSchema = z
  .object({
    ...commonFields,
    network: z
      .custom<`solana:${string}`>(
        (value) => typeof value === "string" && /^solana:[-_a-zA-Z0-9]{1,32}$/.test(value),
        "must be solana:<cluster id>",
      )
      .describe("CAIP-2 network of the cluster"),
    chainId: z.number().int().positive().describe("slabridge's chain id of the cluster (the manifest's)"),
    rpcUrl: z.url().describe("the cluster's RPC: buyers' allowances and balances, and the vault's earlier pulls"),
    asset: base58Key.describe("the stablecoin mint"),
    decimals: z.number().int().min(0).max(18).describe("the mint's decimals"),
    payTo: base58Key.describe("the vault's authority, the SPL multisig the buyers approve as delegate"),
    vault: base58Key.describe("the vault token account the pulls land in"),
    allowanceTtlMs: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe("how long a read of a buyer's allowance is trusted (the scheme's default, 2 s)"),
  })
  .describe("a model route of the gateway on a Solana cluster");

/** One model the gateway sells, on an EVM chain or a Solana cluster (told apart by its network). */
export const gatewayModelSchema = z.union([gatewayEvmModelSchema, gatewaySvmModelSchema]);

/** A model the gateway sells, parsed. */
export type GatewayModel = z.infer<typeof gatewayModelSchema>;
/** A model the gateway sells on an EVM chain, parsed. */
export type GatewayEvmModel = z.infer<typeof gatewayEvmModelSchema>;
/** A model the gateway sells on a Solana cluster, parsed. */
export type GatewaySvmModel = z.infer<typeof gatewaySvmModelSchema>;

/**
 * Whether a parsed model is sold on a Solana cluster.
 *
 * @example if (isSvmModel(model)) server.register(model.network, svmScheme);
 */
export function isSvmModel(model: GatewayModel): model is GatewaySvmModel {
  return model.network.startsWith("solana:");
}
/** An EVM model as configured. */
export type GatewayEvmModelInput = z.input<typeof gatewayEvmModelSchema>;
/** A Solana model as configured. */
export type GatewaySvmModelInput = z.input<typeof gatewaySvmModelSchema>;
/** A model as configured (bigints may be decimal strings or numbers). */
export type GatewayModelInput = z.input<typeof gatewayModelSchema>;
