// Test support only (imported by *.test.ts, never by the package's entry point): a LayerZeroTransport wired to a
// running devnet, submitters that record what they send, and a helper that sends a fresh ModelListing home -> payment.
import { escrowAbi, modelRegistryAbi } from "@slabridge/contracts";
import { encodeMessage } from "@slabridge/core";
import { type Devnet, mintDemoModel } from "@slabridge/devnet";
import { evmChainsOf } from "@slabridge/evm";
import { type Address, type Hex, type PublicClient, pad, toFunctionSelector } from "viem";
import type { EvmSubmitter } from "../EvmSubmitter.ts";
import { LayerZeroTransport } from "../LayerZeroTransport.ts";

/** evm-a: the payment chain (escrow). */
export const PAYMENT = 31_337;
/** evm-b: the home chain (registry). */
export const HOME = 31_338;

/** A sent transaction as a recording submitter saw it. */
export interface SentStep {
  chainId: number;
  role: "dvn" | "executor";
  step: "verify" | "commitVerification" | "lzReceive" | "other";
  transactionHash: Hex;
  status: "success" | "reverted";
}

const SELECTORS: Record<string, SentStep["step"]> = {
  [toFunctionSelector("verify(bytes,bytes32,uint64)")]: "verify",
  [toFunctionSelector("commitVerification(bytes,bytes32)")]: "commitVerification",
  [toFunctionSelector("lzReceive((uint32,bytes32,uint64),address,bytes32,bytes,bytes)")]: "lzReceive",
};

function chainOf(devnet: Devnet, chainId: number) {
  const chain = evmChainsOf(devnet.manifest).find((c) => c.chainId === chainId);
  if (!chain) throw new Error(`no chain ${chainId}`);
  return chain;
}

// One queue per (chain, sender), shared by every transport instance in the process: stands in for the nonce store
// the production sender uses, so racing workers on one key never pick the same nonce.
const queues = new Map<string, Promise<unknown>>();

function serialized<T>(key: string, task: () => Promise<T>): Promise<T> {
  const run = (queues.get(key) ?? Promise.resolve()).then(task, task);
  queues.set(
    key,
    run.catch(() => {}),
  );
  return run;
}

/** A submitter sending from an unlocked anvil account, recording each transaction in `log`. */
export function devnetSubmitter(
  devnet: Devnet,
  role: SentStep["role"],
  address: Address,
  log: SentStep[],
): EvmSubmitter {
  return {
    async send(chainId, { to, data, value, gas }) {
      const { publicClient, wallet } = devnet.evm.clients(chainId);
      const hash = await serialized(`${chainId}:${address}`, () =>
        wallet(address).sendTransaction({ to, data, value: value ?? 0n, ...(gas === undefined ? {} : { gas }) }),
      );
      const { status } = await publicClient.waitForTransactionReceipt({ hash });
      log.push({ chainId, role, step: SELECTORS[data.slice(0, 10)] ?? "other", transactionHash: hash, status });
      return { transactionHash: hash, status };
    },
  };
}

/**
 * Makes submitters "crash" after `sends` transactions in total: the last one is mined, then the call throws as if the
 * worker died before recording it; any later send throws before sending anything.
 */
function crashAfter(sends: number): (inner: EvmSubmitter) => EvmSubmitter {
  let count = 0;
  return (inner) => ({
    async send(chainId, request) {
      if (count >= sends) throw new Error("simulated crash (nothing sent)");
      count++;
      const outcome = await inner.send(chainId, request);
      if (count >= sends) throw new Error("simulated crash after the transaction was mined");
      return outcome;
    },
  });
}

/**
 * Makes a chain's block-number reads lag its head by `blocks` for the first `forMs` ms: the transport then reads the
 * endpoint and ULN at a block before the latest, as through an RPC replica a block behind the node that runs its
 * simulations and sends.
 */
export interface ReadsLag {
  chainId: number;
  blocks: bigint;
  forMs: number;
}

function lagging(client: PublicClient, lag: ReadsLag | undefined, chainId: number): PublicClient {
  if (lag?.chainId !== chainId) return client;
  const until = Date.now() + lag.forMs;
  return {
    ...client,
    async getBlockNumber(args) {
      const head = await client.getBlockNumber(args);
      return Date.now() < until && head >= lag.blocks ? head - lag.blocks : head;
    },
  };
}

/**
 * A client whose reads of `ReceiveUln302.verifiable` on `chainId` answer false `times` times after the first `skip`
 * (which answer truly): a torn view, as anvil
 * gives while it mines (a read "at block N" answered from the block being mined) or a load-balanced RPC across nodes.
 */
export interface TornVerifiable {
  chainId: number;
  skip: number;
  times: number;
}

function tearing(client: PublicClient, tear: TornVerifiable | undefined, chainId: number): PublicClient {
  if (tear?.chainId !== chainId) return client;
  let seen = 0;
  const readContract = ((args: Parameters<PublicClient["readContract"]>[0]) => {
    if (args.functionName === "verifiable") {
      seen += 1;
      if (seen > tear.skip && seen <= tear.skip + tear.times) return Promise.resolve(false);
    }
    return client.readContract(args);
  }) as PublicClient["readContract"];
  return { ...client, readContract };
}

/** A fresh transport instance over the devnet (as a new Lambda would build), with its own send log. */
export function devnetTransport(
  devnet: Devnet,
  options: {
    confirmations?: Partial<Record<number, number>>;
    crashAfterSends?: number;
    destinationReadsLag?: ReadsLag;
    tornVerifiable?: TornVerifiable;
    earlierNonceWaitMs?: number;
  } = {},
): { transport: LayerZeroTransport; sent: SentStep[] } {
  const sent: SentStep[] = [];
  const chains = new Map(
    evmChainsOf(devnet.manifest).map((chain) => [
      chain.chainId,
      {
        client: tearing(
          lagging(devnet.evm.clients(chain.chainId).publicClient, options.destinationReadsLag, chain.chainId),
          options.tornVerifiable,
          chain.chainId,
        ),
        eid: chain.layerZero.eid,
        endpointV2: chain.layerZero.endpointV2,
        receiveUln302: chain.layerZero.receiveUln302,
        messenger: chain.contracts.layerZeroMessenger,
        confirmations: options.confirmations?.[chain.chainId] ?? chain.confirmations,
      },
    ]),
  );
  const { layerZeroDvn, layerZeroExecutor } = devnet.manifest.keys;
  const addressOf = (ref: typeof layerZeroDvn): Address => {
    if (ref.kind !== "anvil-dev-account") throw new Error("devnet LayerZero keys are anvil dev accounts");
    return ref.address;
  };
  const dvn = addressOf(layerZeroDvn);
  const executor = addressOf(layerZeroExecutor);
  const wrap = options.crashAfterSends === undefined ? (s: EvmSubmitter) => s : crashAfter(options.crashAfterSends);
  const transport = new LayerZeroTransport({
    chains,
    // Crash tests send nothing after the crash: each of their refusals is re-read for this long before it counts.
    reReadWindowMs: 1_000,
    ...(options.earlierNonceWaitMs === undefined ? {} : { earlierNonceWaitMs: options.earlierNonceWaitMs }),
    dvn: { address: dvn, submitter: wrap(devnetSubmitter(devnet, "dvn", dvn, sent)) },
    executor: { address: executor, submitter: wrap(devnetSubmitter(devnet, "executor", executor, sent)) },
  });
  return { transport, sent };
}

/** A funded demo account of the devnet (anvil dev account) by index among the demo keys. */
export function demoAccount(devnet: Devnet, index: number): Address {
  const ref = devnet.evm.manifest.keys.demo[index];
  if (!ref) throw new Error(`no demo account ${index}`);
  return ref.address;
}

/**
 * Mints a new model on the home chain and publishes its listing to the payment chain through the home
 * LayerZeroMessenger (registry.publishListing with the exact quote). Returns the model id and the source tx.
 */
export async function publishFreshListing(
  devnet: Devnet,
  transport: LayerZeroTransport,
): Promise<{ modelId: bigint; sourceTransaction: Hex }> {
  const home = chainOf(devnet, HOME);
  const registry = home.contracts.modelRegistry;
  if (!registry) throw new Error("no registry on the home chain");
  const clients = devnet.evm.clients(HOME);
  const creator = demoAccount(devnet, 3);
  const modelId = await mintDemoModel({
    clients,
    registry,
    creator,
    hostSigner: demoAccount(devnet, 4),
    hostEndpoint: "http://127.0.0.1:9/lz-test",
    name: "lz-transport-test",
    epochSeconds: 3600,
    pricePerRequest: 10_000n,
    protocolFeeBps: 100,
    homeChainId: HOME,
    hostPayout: { chainId: PAYMENT, account: pad(demoAccount(devnet, 4)) },
    dataContributorSolana: pad("0x01"),
  });
  const messenger = home.contracts.layerZeroMessenger;
  const { request } = await clients.publicClient.simulateContract({
    account: demoAccount(devnet, 5),
    address: registry,
    abi: modelRegistryAbi,
    functionName: "publishListing",
    args: [modelId, PAYMENT, messenger],
    value: await quoteListing(devnet, transport, modelId),
  });
  const hash = await clients.wallet(demoAccount(devnet, 5)).writeContract(request);
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error("publishListing reverted");
  return { modelId, sourceTransaction: hash };
}

async function quoteListing(devnet: Devnet, transport: LayerZeroTransport, modelId: bigint): Promise<bigint> {
  // The registry charges the messenger's quote for the listing it encodes: quote those exact bytes.
  const registry = chainOf(devnet, HOME).contracts.modelRegistry;
  if (!registry) throw new Error("no registry");
  const core = await devnet.evm
    .clients(HOME)
    .publicClient.readContract({ address: registry, abi: modelRegistryAbi, functionName: "coreOf", args: [modelId] });
  const message = encodeMessage({
    kind: "ModelListing",
    modelId,
    genesis: core.genesis,
    epochSeconds: core.epochSeconds,
    fromEpoch: 0n,
    pricePerRequest: 10_000n,
    active: true,
    // the quote depends on the message length only: the first terms version, the default grace
    version: 1,
    verdictGraceEpochs: 2,
  });
  return (await transport.quote(HOME, PAYMENT, message)).nativeFee;
}

/** The escrow's listing of a model on the payment chain (epochSeconds 0 = not listed). */
export async function escrowListing(devnet: Devnet, modelId: bigint) {
  const escrow = chainOf(devnet, PAYMENT).contracts.escrow;
  if (!escrow) throw new Error("no escrow on the payment chain");
  return devnet.evm
    .clients(PAYMENT)
    .publicClient.readContract({ address: escrow, abi: escrowAbi, functionName: "listing", args: [modelId] });
}

/** How many times the payment chain's endpoint delivered this packet (PacketDelivered logs for its nonce). */
export async function deliveriesOf(devnet: Devnet, nonce: bigint, sender: Hex): Promise<number> {
  const payment = chainOf(devnet, PAYMENT);
  const logs = await devnet.evm.clients(PAYMENT).publicClient.getContractEvents({
    address: payment.layerZero.endpointV2,
    abi: [
      {
        type: "event",
        name: "PacketDelivered",
        inputs: [
          {
            name: "origin",
            type: "tuple",
            components: [
              { name: "srcEid", type: "uint32" },
              { name: "sender", type: "bytes32" },
              { name: "nonce", type: "uint64" },
            ],
          },
          { name: "receiver", type: "address" },
        ],
      },
    ] as const,
    eventName: "PacketDelivered",
    fromBlock: 0n,
    strict: true,
  });
  return logs.filter(
    (log) => log.args.origin.nonce === nonce && log.args.origin.sender.toLowerCase() === sender.toLowerCase(),
  ).length;
}

/** Mines `blocks` empty blocks on a devnet chain. */
export async function mine(devnet: Devnet, chainId: number, blocks: number): Promise<void> {
  await devnet.evm.clients(chainId).publicClient.request({
    method: "anvil_mine" as "eth_blockNumber",
    params: [`0x${blocks.toString(16)}`] as unknown as undefined,
  });
}
