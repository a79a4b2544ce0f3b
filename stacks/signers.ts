import { type ChainTopology, chainResourceSuffix, rpcUrlSecretName, type StageTopology } from "./stages.ts";

/**
 * The signers stack owns every signing key and every secret the relay engine uses, so nothing secret ever sits in
 * code or config:
 * - one KMS secp256k1 key per EVM role (relayer, which is also the LayerZero executor; the LayerZero DVN; each SLA
 *   prober; the netting vault of each EVM chain) and one KMS Ed25519 key per operator of the Solana vault's multisig. Private keys never leave KMS; a
 *   function may only call `kms:Sign`/`kms:GetPublicKey` on the keys it is given (see relay.ts).
 * - one SST Secret per chain's RPC URL (provider URLs embed API keys), one for the Wormhole guardian API base URL, and
 *   one for the gateway's usage receipt key.
 *   Set them per stage with `npx sst secret set RpcUrlEvmA <url> --stage <stage>`.
 *
 * Each KMS key (`RelayerKmsKey`) is paired with an `sst.Linkable` (`RelayerSigningKey`) exposing its id and ARN to the
 * functions it is linked to.
 *
 * Assumed names: Pulumi `aws.kms.Key` with `keyUsage: "SIGN_VERIFY"` and `customerMasterKeySpec`
 * (Pulumi's name for KMS KeySpec) `"ECC_SECG_P256K1"` or `"ECC_NIST_EDWARDS25519"` (KMS Ed25519, added in 2025: the
 * deployed Pulumi AWS provider must be recent enough to accept it); `new sst.Secret(name)` and
 * `new sst.Linkable(name, { properties })`.
 *
 * @example
 * const signers = createSigners(stageTopology($app.stage));
 * signers.evm.relayer.key.arn;
 */
export interface SigningKey {
  /** Name functions see the key under (`Resource.RelayerSigningKey.keyId`), e.g. `RelayerSigningKey`. */
  readonly name: string;
  readonly key: aws.kms.Key;
  readonly linkable: sst.Linkable<{ keyId: $util.Output<string>; arn: $util.Output<string> }>;
}

/** A signing key that belongs to one chain. */
export interface ChainSigningKey extends SigningKey {
  readonly chain: ChainTopology;
}

export interface RpcUrlSecret {
  readonly chain: ChainTopology;
  readonly secret: sst.Secret;
}

export interface Signers {
  readonly evm: {
    /** Sends every EVM transaction and plays the LayerZero executor (commit + lzReceive). */
    readonly relayer: SigningKey;
    /** slabridge's LayerZero DVN: verifies packets on the receive ULN. */
    readonly dvn: SigningKey;
    /** EIP-712 signers of SLA reports; used by the probe stack, never by the relay. */
    readonly probers: readonly SigningKey[];
    /**
     * The netting vault of each EVM chain (the registry's `nettingVault[chainId]`: payouts of payees paid elsewhere
     * land there and are netted and bridged onward), in topology order; used by the netting function only. Solana's
     * vault is its multisig, so it has none here.
     */
    readonly nettingVaults: readonly ChainSigningKey[];
  };
  /** Operators of the Solana vault's SPL Token multisig (and the Wormhole emitter of Solana messages). */
  readonly solanaOperators: readonly SigningKey[];
  readonly rpcUrls: readonly RpcUrlSecret[];
  readonly guardianApiUrl: sst.Secret;
  /** The private key the gateway signs usage receipts with (`npx sst secret set GatewayReceiptKey 0x…`). */
  readonly gatewayReceiptKey: sst.Secret;
}

type KeySpec = aws.kms.KeyArgs["customerMasterKeySpec"];

export function createSigners(topology: StageTopology): Signers {
  // Deleting a signing key strands whatever its address holds or is trusted for, so production waits the longest.
  const deletionWindowInDays = topology.production ? 30 : 7;

  const signingKey = (role: string, spec: KeySpec, description: string): SigningKey => {
    const key = new aws.kms.Key(`${role}KmsKey`, {
      description: `slabridge ${topology.stage}: ${description}`,
      keyUsage: "SIGN_VERIFY",
      customerMasterKeySpec: spec,
      deletionWindowInDays,
    });
    const name = `${role}SigningKey`;
    const linkable = new sst.Linkable(name, { properties: { keyId: key.keyId, arn: key.arn } });
    return { name, key, linkable };
  };
  const numbered = (count: number, make: (n: number) => SigningKey) =>
    Array.from({ length: count }, (_, index) => make(index + 1));

  return {
    evm: {
      relayer: signingKey("Relayer", "ECC_SECG_P256K1", "EVM relayer and LayerZero executor"),
      dvn: signingKey("Dvn", "ECC_SECG_P256K1", "LayerZero DVN"),
      probers: numbered(topology.proberCount, (n) => signingKey(`Prober${n}`, "ECC_SECG_P256K1", `SLA prober ${n}`)),
      nettingVaults: topology.chains
        .filter((chain) => chain.family === "evm")
        .map((chain) => ({
          chain,
          ...signingKey(
            `NettingVault${chainResourceSuffix(chain.name)}`,
            "ECC_SECG_P256K1",
            `netting vault on ${chain.name}`,
          ),
        })),
    },
    solanaOperators: numbered(topology.solanaOperatorCount, (n) =>
      signingKey(`SolanaOperator${n}`, "ECC_NIST_EDWARDS25519", `Solana vault operator ${n}`),
    ),
    rpcUrls: topology.chains.map((chain) => ({ chain, secret: new sst.Secret(rpcUrlSecretName(chain.name)) })),
    guardianApiUrl: new sst.Secret("GuardianApiUrl"),
    gatewayReceiptKey: new sst.Secret("GatewayReceiptKey"),
  };
}
