import { z } from "zod";

const evmAddress = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte EVM address")
  .transform((value) => value as `0x${string}`)
  .describe("EVM address");
const bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 0x-prefixed 32 bytes")
  .transform((value) => value as `0x${string}`);
const base58Address = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, "must be a base58 Solana address");
const loopbackOrHttpsUrl = z
  .string()
  .url()
  .refine((url) => /^https?:\/\//.test(url), "must be an http(s) URL")
  .describe("RPC or API base URL (loopback on the devnet; a secret name resolves it in AWS)");

/**
 * Where a signing key lives, never the key itself: an unlocked anvil dev account, the Wormhole SDK's public devnet
 * guardian key, a key file written by the devnet (mode 0600, outside the repo), or a KMS key in AWS.
 */
export const keyReferenceSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("anvil-dev-account"), index: z.number().int().min(0), address: evmAddress }),
    z.object({ kind: z.literal("wormhole-sdk-devnet-guardian"), address: evmAddress }),
    z.object({ kind: z.literal("devnet-key-file"), path: z.string().min(1), publicKey: z.string().min(1) }),
    z.object({ kind: z.literal("kms"), keyId: z.string().min(1), publicKey: z.string().min(1) }),
  ])
  .describe("reference to a signing key");
export type KeyReference = z.infer<typeof keyReferenceSchema>;

/** An EVM chain of the deployment: a payment chain (escrow), the home chain (registry, oracle, ledger), or both. */
export const evmChainManifestSchema = z.object({
  family: z.literal("evm"),
  name: z.string().min(1).describe("short chain name used in logs and config (e.g. evm-a)"),
  chainId: z.number().int().positive().describe("EVM chain id = slabridge chain id"),
  rpcUrl: loopbackOrHttpsUrl
    .optional()
    .describe("absent where the stage config names a secret (public stages): the URL never sits in a file"),
  confirmations: z.number().int().min(0).describe("blocks a watcher waits past a log before acting on it"),
  layerZero: z.object({
    eid: z.number().int().positive(),
    endpointV2: evmAddress,
    sendUln302: evmAddress,
    receiveUln302: evmAddress,
  }),
  wormhole: z.object({
    chainId: z.number().int().positive().max(0xffff).describe("Wormhole chain id"),
    core: evmAddress,
  }),
  stablecoin: z.object({ address: evmAddress, decimals: z.number().int().min(0).max(36), symbol: z.string() }),
  contracts: z
    .object({
      escrow: evmAddress
        .optional()
        .describe("escrow of a payment chain (the home chain has one too: buyers pay there)"),
      messageRouter: evmAddress
        .optional()
        .describe(
          "the messengers' receiver (home chain: its Wormhole messenger's): receipt batches to the ledger, a model's verdicts and payouts to its SLA receiver, the rest to the escrow",
        ),
      revenueLedger: evmAddress.optional().describe("home chain only"),
      modelRegistry: evmAddress.optional().describe("home chain only"),
      slaOracle: evmAddress.optional().describe("home chain only"),
      hostBond: evmAddress
        .optional()
        .describe("home chain only: hosts' bonds, slashed for breached epochs into top-ups for their buyers"),
      slaReceiverFactory: evmAddress
        .optional()
        .describe("pay per call: the factory of this chain's SLA receivers (one clone per model, at a fixed address)"),
      slaReceivers: z
        .record(z.string().regex(/^\d+$/), evmAddress)
        .optional()
        .describe("pay per call: each model's SlaReceiver on this chain (its x402 channels' receiver), by model id"),
      x402Channels: evmAddress
        .optional()
        .describe("the x402 batch-settlement channel contract the SLA receivers claim from (its canonical address)"),
      layerZeroMessenger: evmAddress,
      wormholeMessenger: evmAddress,
    })
    .describe("slabridge's contracts on this chain"),
});
export type EvmChainManifest = z.infer<typeof evmChainManifestSchema>;

/** A Solana cluster of the deployment: a payment chain whose vault is an SPL token account owned by a multisig. */
export const solanaChainManifestSchema = z.object({
  family: z.literal("solana"),
  name: z.string().min(1).describe("short chain name used in logs and config (e.g. solana)"),
  chainId: z.number().int().positive().describe("slabridge chain id of this cluster (SOLANA_CHAIN_ID on the devnet)"),
  rpcUrl: loopbackOrHttpsUrl
    .optional()
    .describe("absent where the stage config names a secret (public stages): the URL never sits in a file"),
  wsUrl: z.string().url().optional().describe("the devnet's; absent with a secret RPC URL"),
  mint: base58Address.describe("stablecoin mint"),
  decimals: z.number().int().min(0).max(18),
  vault: base58Address.describe("payment vault token account"),
  multisig: base58Address.describe("SPL Token multisig owning the vault"),
  threshold: z.number().int().min(1),
  operators: z
    .array(keyReferenceSchema)
    .min(1)
    .max(11, "an SPL Token multisig has at most 11 signers")
    .describe("the multisig's operator keys"),
  wormholeEmitter: bytes32.describe("emitter of slabridge's Solana messages (stands in for the Wormhole program)"),
});
export type SolanaChainManifest = z.infer<typeof solanaChainManifestSchema>;

/** One chain of the deployment, tagged by family: a third EVM chain or a second Solana cluster is one more entry. */
export const chainManifestSchema = z
  .discriminatedUnion("family", [evmChainManifestSchema, solanaChainManifestSchema])
  .describe("a chain of the deployment, by family");
export type ChainManifest = z.infer<typeof chainManifestSchema>;
/** The chain families slabridge has adapters for. */
export type ChainFamilyName = ChainManifest["family"];

export const modelManifestSchema = z.object({
  modelId: z.string().regex(/^\d+$/).describe("Model NFT id (decimal string: uint256)"),
  homeChainId: z.number().int().positive(),
  genesis: z.number().int().min(0).describe("unix seconds of epoch 0"),
  epochSeconds: z.number().int().positive(),
  hostName: z.string(),
  hostUrl: loopbackOrHttpsUrl,
  pricePerRequest: z.string().regex(/^\d+$/),
});
/** One model the bot serves: the devnet writes these; a public stage reads them from the home chain's registry. */
export type ModelManifest = z.infer<typeof modelManifestSchema>;

/**
 * The deployment manifest: every RPC URL, contract address, protocol id and key reference of one slabridge world
 * (the devnet writes it; the bot's config loader reads it). One schema for both, so they cannot drift apart.
 *
 * @example const manifest = parseDeploymentManifest(JSON.parse(readFileSync(".devnet/manifest.json", "utf8")));
 */
export const deploymentManifestSchema = z
  .object({
    version: z.literal(1),
    network: z.enum(["devnet", "testnet", "mainnet"]),
    createdAt: z.string().datetime(),
    homeChainId: z.number().int().positive(),
    chains: z.array(chainManifestSchema).min(1).describe("every chain the bot serves, tagged by family"),
    guardian: z.object({ apiUrl: loopbackOrHttpsUrl, guardianSetIndex: z.number().int().min(0) }),
    dynamo: z.object({
      endpoint: loopbackOrHttpsUrl.optional().describe("absent in AWS (the SDK's regional endpoint)"),
      region: z.string().min(1),
      tables: z.record(z.string(), z.string().min(3)),
    }),
    hosts: z.array(
      z.object({ name: z.string(), url: loopbackOrHttpsUrl, preset: z.string(), modelId: z.string().regex(/^\d+$/) }),
    ),
    models: z.array(modelManifestSchema),
    keys: z.object({
      deployer: keyReferenceSchema,
      layerZeroDvn: keyReferenceSchema,
      layerZeroExecutor: keyReferenceSchema,
      wormholeGuardian: keyReferenceSchema
        .optional()
        .describe("the devnet's guardian; absent on public stages, whose VAAs Wormhole's guardians sign"),
      probers: z.array(keyReferenceSchema).min(1),
      proberThreshold: z.number().int().min(1),
      demoBuyers: z.array(keyReferenceSchema),
      proberPayers: z
        .array(keyReferenceSchema)
        .optional()
        .describe(
          "pay per call: prober i's own x402 payer key (it probes gateway-sold models as a paying buyer); apart from its signing key",
        ),
      nettingVaults: z
        .array(
          z.object({
            chainId: z.number().int().positive().describe("slabridge chain id"),
            account: bytes32.describe("the registry's nettingVault[chainId] (EVM: left-padded address)"),
            key: keyReferenceSchema.optional().describe("its key; absent when it is the chain's own vault (Solana)"),
          }),
        )
        .optional()
        .describe("per chain, where payouts of payees paid out elsewhere go (netted and bridged onward from there)"),
      x402Facilitator: keyReferenceSchema
        .optional()
        .describe("pay per call: the key slabridge's own x402 facilitator submits buyers' deposits with"),
    }),
  })
  .superRefine((manifest, ctx) => {
    const index = manifest.chains.findIndex((chain) => chain.chainId === manifest.homeChainId);
    const home = manifest.chains[index];
    if (!home) {
      ctx.addIssue({ code: "custom", path: ["homeChainId"], message: "names no chain in chains[]" });
    } else if (home.family !== "evm") {
      // The registry, oracle and ledger are EVM contracts: only an EVM chain can be home.
      ctx.addIssue({
        code: "custom",
        path: ["chains", index, "family"],
        message: "the home chain must be an EVM chain",
      });
    } else {
      for (const contract of ["modelRegistry", "slaOracle", "revenueLedger"] as const) {
        if (!home.contracts[contract]) {
          ctx.addIssue({
            code: "custom",
            path: ["chains", index, "contracts", contract],
            message: "the home chain needs it",
          });
        }
      }
    }
    // A multisig no quorum of its operators can reach would sign nothing: refuse it here, not at the first refund.
    manifest.chains.forEach((chain, i) => {
      if (chain.family === "solana" && chain.threshold > chain.operators.length) {
        ctx.addIssue({
          code: "custom",
          path: ["chains", i, "threshold"],
          message: `exceeds the ${chain.operators.length} operators`,
        });
      }
    });
    // Only a public stage's chains may leave their URLs out (secrets); the devnet's tools read them from here.
    if (manifest.network === "devnet") {
      manifest.chains.forEach((chain, i) => {
        if (chain.rpcUrl === undefined) {
          ctx.addIssue({ code: "custom", path: ["chains", i, "rpcUrl"], message: "a devnet chain needs its URL" });
        }
        if (chain.family === "solana" && chain.wsUrl === undefined) {
          ctx.addIssue({ code: "custom", path: ["chains", i, "wsUrl"], message: "a devnet cluster needs its URL" });
        }
      });
    }
    const ids = manifest.chains.map((chain) => chain.chainId);
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: "custom", path: ["chains"], message: "chain ids must be distinct" });
    }
    // A netting vault sends outside the NonceStore: sharing the executor's or DVN's key would give that key two
    // nonce sequences, i.e. real collisions.
    const relayKeys = new Map([
      [keyIdentity(manifest.keys.layerZeroExecutor), "layerZeroExecutor"],
      [keyIdentity(manifest.keys.layerZeroDvn), "layerZeroDvn"],
    ]);
    (manifest.keys.nettingVaults ?? []).forEach((vault, i) => {
      const role = vault.key === undefined ? undefined : relayKeys.get(keyIdentity(vault.key));
      if (role !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["keys", "nettingVaults", i, "key"],
          message: `is the ${role} key: a netting vault needs a key of its own`,
        });
      }
    });
    if (manifest.keys.proberThreshold > manifest.keys.probers.length) {
      ctx.addIssue({ code: "custom", path: ["keys", "proberThreshold"], message: "exceeds the number of probers" });
    }
  });
export type DeploymentManifest = z.infer<typeof deploymentManifestSchema>;

/** The account a key reference signs for (address or public key, case-folded), to spot one key named twice. */
function keyIdentity(ref: KeyReference): string {
  return ("address" in ref ? ref.address : ref.publicKey).toLowerCase();
}
