import type { KMSClient } from "@aws-sdk/client-kms";
import {
  type DeploymentManifest,
  type GatewayConfig,
  type KeyReference,
  USAGE_RECEIPT_HEADER,
  usageReceiptOfHeader,
} from "@slabridge/core";
import {
  anvilDevAccount,
  createEvmChainClient,
  evmPayingFetch,
  kmsEvmAccount,
  paymentCarriesDeposit,
} from "@slabridge/evm";
import {
  MeasureConfigError,
  type PaidCallState,
  type PaidFetchLike,
  type ProbePayer,
  type ProbeRoutes,
} from "@slabridge/measuring";
import type { Hex, LocalAccount } from "viem";

/**
 * A prober's deposit is this many call ceilings: a channel then lasts many rounds, so top-ups (a deposit inside a
 * probe, which is skipped, not measured) are rare.
 */
const PROBE_DEPOSIT_MULTIPLIER = 50;

/** Names the probe call a request is made for, between the payer and its own fetch (never sent). */
const PROBE_CALL_HEADER = "x-slabridge-probe-call";

/** A paid probe call, as the prober's payer saw it (the main job counts the channel's unspent deposit). */
export interface ProbePaidCall {
  chainId: number;
  /** The payer's address. */
  buyer: string;
  channelId: Hex;
  /** The model, epoch and charge the gateway's usage receipt names. */
  modelId: bigint;
  epoch: bigint;
  charged: bigint;
}

/** Options of {@link buildProbePayer}. */
export interface BuildProbePayerOptions {
  /** The prober's payer key (`manifest.keys.proberPayers[i]`). */
  ref: KeyReference;
  /** Which prober it pays for (named in errors; the key never is). */
  vantage: string;
  /** RPC URL per EVM chain the prober may pay on. */
  rpcUrls: ReadonlyMap<number, string>;
  /** Told about every paid call's channel (from the gateway's usage receipt). */
  onPaid?: (call: ProbePaidCall) => void;
  allowNonLoopback?: boolean;
  /** Signs with a `kms` payer key (its vouchers and deposit authorizations): required for one. */
  kms?: KMSClient | undefined;
}

/**
 * The prober's own x402 payer: a stock EVM batch-settlement buyer per chain (`evmPayingFetch`, the devnet buyers'
 * client), each keeping its channels between rounds; each call reports whether it sent a channel deposit. The key is a
 * KMS key (the production path: it signs vouchers and deposit authorizations through `kms:Sign`) or an anvil dev
 * account (a typed error for any other kind; the key itself is never in a message).
 *
 * @example const payer = buildProbePayer({ ref: manifest.keys.proberPayers[0], vantage: "local-1", rpcUrls, kms });
 */
export function buildProbePayer(options: BuildProbePayerOptions): ProbePayer {
  const { vantage } = options;
  const account = payerAccount(options);
  // Which probe call a request belongs to, so concurrent probes each learn whether their own payment deposited: a
  // header the x402 client copies into every request it makes for the call, taken off before anything is sent (the
  // host sees a buyer's request). Not an AsyncLocalStorage: in Node before 24 one installs a hook on every promise of
  // the process.
  const calls = new Map<string, PaidCallState>();
  let nextCall = 0;
  const sendWatched: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    const id = request.headers.get(PROBE_CALL_HEADER);
    if (id === null) return fetch(request);
    const call = calls.get(id);
    if (call && request.headers.has("payment-signature")) {
      if (paymentCarriesDeposit(request)) call.deposited = true;
      call.paidRequestSent();
    }
    request.headers.delete(PROBE_CALL_HEADER);
    return fetch(request);
  };
  const fetches = new Map<number, PaidFetchLike>();
  return {
    met: new Set(),
    fetchOn(chainId) {
      const cached = fetches.get(chainId);
      if (cached) return cached;
      const rpcUrl = options.rpcUrls.get(chainId);
      if (rpcUrl === undefined) throw new MeasureConfigError(`prober ${vantage}: no RPC URL for chain ${chainId}`);
      const publicClient = createEvmChainClient({
        chainId,
        rpcUrl,
        name: `chain-${chainId}`,
        ...(options.allowNonLoopback ? { allowNonLoopback: true } : {}),
      });
      const pay = evmPayingFetch({
        account,
        publicClient,
        chainId,
        depositMultiplier: PROBE_DEPOSIT_MULTIPLIER,
        fetch: sendWatched,
      });
      const paid: PaidFetchLike = async (input, init, seen) => {
        const id = `${vantage}:${nextCall++}`;
        const headers = new Headers(init.headers);
        headers.set(PROBE_CALL_HEADER, id);
        calls.set(id, seen);
        const response = await pay(input, { ...init, headers }).finally(() => calls.delete(id));
        const receipt = usageReceiptOfHeader(response.headers.get(USAGE_RECEIPT_HEADER))?.receipt;
        if (receipt) {
          const { channelId, modelId, epoch, charge } = receipt;
          options.onPaid?.({ chainId, buyer: account.address, channelId, modelId, epoch, charged: charge });
        }
        return response;
      };
      fetches.set(chainId, paid);
      return paid;
    },
  };
}

/** The account a payer key signs as: KMS-backed, or an anvil dev account checked against its recorded address. */
function payerAccount({ ref, vantage, kms }: BuildProbePayerOptions): LocalAccount {
  switch (ref.kind) {
    case "kms":
      if (kms === undefined) throw new MeasureConfigError(`prober ${vantage}: a KMS payer key needs a KMS client`);
      return kmsEvmAccount({ kms, keyId: ref.keyId, publicKey: ref.publicKey as Hex });
    case "anvil-dev-account": {
      const account = anvilDevAccount(ref.index);
      if (account.address.toLowerCase() !== ref.address.toLowerCase()) {
        throw new MeasureConfigError(`prober ${vantage}: payer anvil account ${ref.index} is not ${ref.address}`);
      }
      return account;
    }
    default:
      throw new MeasureConfigError(`prober ${vantage}: ${ref.kind} keys cannot pay on an EVM chain`);
  }
}

/**
 * The stage's probe routes from its gateway section: with a public `gateway.url`, every model sold on an EVM chain is
 * probed at `<url>/models/<key>`, paid on the home chain when it is sold there, else on its lowest chain id.
 * Undefined without a URL (every model is probed at its listed endpoint).
 *
 * @example const routes = gatewayProbeRoutes(config.gateway, manifest.homeChainId);
 */
export function gatewayProbeRoutes(gateway: GatewayConfig | undefined, homeChainId: number): ProbeRoutes | undefined {
  if (gateway?.url === undefined) return undefined;
  const base = gateway.url.replace(/\/+$/, "");
  const routes = new Map<string, { url: string; chainId: number }>();
  for (const [key, model] of Object.entries(gateway.models)) {
    if ("network" in model) continue; // the probers pay with the EVM client scheme only
    const current = routes.get(model.modelId);
    const better =
      current === undefined ||
      (model.chainId === homeChainId && current.chainId !== homeChainId) ||
      (current.chainId !== homeChainId && model.chainId < current.chainId);
    if (better) routes.set(model.modelId, { url: `${base}/models/${key}`, chainId: model.chainId });
  }
  return { routeOf: (modelId) => routes.get(modelId.toString()) };
}

/** The manifest's payer key of prober `index`, if any. */
export function proberPayerKeyOf(manifest: DeploymentManifest, index: number): KeyReference | undefined {
  return manifest.keys.proberPayers?.[index];
}
