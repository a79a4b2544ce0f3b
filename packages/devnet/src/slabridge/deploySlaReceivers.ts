import {
  escrowAbi,
  messageRouterAbi,
  messageRouterBytecode,
  slaReceiverAbi,
  slaReceiverFactoryAbi,
  slaReceiverFactoryBytecode,
} from "@slabridge/contracts";
import type { SlabridgeChainContracts } from "@slabridge/deploy";
import { type Abi, type Account, type Address, erc20Abi, getAddress, type Hex, parseAbi } from "viem";
import type { DevnetClients } from "../evm/devnetClients.ts";
import { EvmDevnetError } from "../evm/EvmDevnetError.ts";
import { receiptOf, submitTransaction } from "../evm/submitTransaction.ts";
import { placeX402StandIn } from "../x402/placeX402StandIn.ts";

const messengerConfigAbi = parseAbi([
  "function setSender(address sender, bool allowed)",
  "function setReceiver(address receiver)",
]);

/** MessageCodec kinds: 1 ModelListing, 3 Verdict, 4 Payout (2, ReceiptBatch, only arrives on the home chain). */
const ESCROW_KINDS = [1, 3, 4] as const;

/** What {@link deploySlaReceivers} needs of one EVM chain. */
export interface DeploySlaReceiversOptions {
  chainId: number;
  name: string;
  clients: DevnetClients;
  /** The deployer of slabridge's contracts (their owner): a KMS-backed account, or an anvil-unlocked address. */
  deployer: Account | Address;
  /** The receivers' operator: the relay bot's executor key claims each epoch's vouchers. */
  operator: Address;
  /**
   * The key whose `Refund` signatures each receiver accepts through EIP-1271: the gateway's facilitator key, which
   * signs buyers' cooperative refunds of what they deposited and were not charged.
   */
  authorizer: Address;
  /** Who may pause the receivers' claims and refunds besides their owner; absent: the owner alone. */
  guardian?: Address;
  stablecoin: Address;
  homeChainId: number;
  contracts: SlabridgeChainContracts;
  /** The demo models, with their epoch clocks (the registry's). */
  models: readonly { modelId: bigint; genesis: bigint; epochSeconds: bigint }[];
  /** This chain's netting vault: it advances bond top-ups, so it approves each receiver as it does the escrow. */
  vault: { account: Account | Address; allowance: bigint };
  /** Epochs after an epoch's end with no verdict before its buyers may take their totals back (the listing's). */
  verdictGraceEpochs: number;
  onProgress?: (step: string) => void;
}

/** Where pay per call lives on one chain. */
export interface SlaReceiversOnChain {
  x402Channels: Address;
  /** The chain's MessageRouter (new on a payment chain: its messengers now deliver to it). */
  messageRouter: Address;
  slaReceivers: Record<string, Address>;
}

/**
 * Pay per call on one devnet chain: the x402 batch-settlement stand-in at its canonical addresses, an
 * `SlaReceiverFactory`, and one `SlaReceiver` clone per demo model (operator: the executor; refund authorizer: the
 * gateway's facilitator key; top-ups from the chain's netting vault). Verdicts and payouts reach a model's receiver through the chain's MessageRouter, whose model routes
 * override its kind routes; on a payment chain, which had its messengers deliver to the escrow directly, a router is
 * deployed in between (listings, verdicts and payouts of other models still go to the escrow). Receivers send their
 * receipt batches through either messenger.
 *
 * @example const sla = await deploySlaReceivers({ chainId, name, clients, deployer, operator, stablecoin, homeChainId, contracts, models, vault });
 */
export async function deploySlaReceivers(options: DeploySlaReceiversOptions): Promise<SlaReceiversOnChain> {
  const { clients, contracts, name } = options;
  const progress = (step: string) => options.onProgress?.(`${name}: ${step}`);
  const wallet = clients.wallet(options.deployer);
  const send = (label: string, write: () => Promise<Hex>) =>
    submitTransaction(clients.publicClient, `${name}: ${label}`, write);
  const deploy = deployerFor(clients, options.deployer);
  const owner = addressOf(options.deployer);
  const escrow = contracts.escrow;
  if (!escrow) throw new EvmDevnetError("invalid-config", `${name} has no escrow to route listings to`);
  const messengers = [contracts.layerZeroMessenger, contracts.wormholeMessenger];

  progress("x402 batch-settlement stand-in at the canonical addresses");
  const standIn = await placeX402StandIn(clients);

  let router = contracts.messageRouter;
  if (!router) {
    progress("MessageRouter in front of the escrow (model routes for the SLA receivers)");
    const deployed = await deploy("MessageRouter", messageRouterAbi, messageRouterBytecode, [owner]);
    router = deployed;
    for (const kind of ESCROW_KINDS) {
      await send(`router setRoute(${kind})`, () =>
        wallet.writeContract({
          address: deployed,
          abi: messageRouterAbi,
          functionName: "setRoute",
          args: [kind, escrow],
        }),
      );
    }
    for (const messenger of messengers) {
      await send("router setMessenger", () =>
        wallet.writeContract({
          address: deployed,
          abi: messageRouterAbi,
          functionName: "setMessenger",
          args: [messenger, true],
        }),
      );
      await send("messenger setReceiver(router)", () =>
        wallet.writeContract({
          address: messenger,
          abi: messengerConfigAbi,
          functionName: "setReceiver",
          args: [deployed],
        }),
      );
    }
    await send("escrow setMessenger(router)", () =>
      wallet.writeContract({ address: escrow, abi: escrowAbi, functionName: "setMessenger", args: [deployed, true] }),
    );
  }
  const routerAddress = router;

  progress(`SlaReceiverFactory and ${options.models.length} SLA receivers`);
  const factory = await deploy("SlaReceiverFactory", slaReceiverFactoryAbi, slaReceiverFactoryBytecode, [owner]);
  const slaReceivers: Record<string, Address> = {};
  for (const model of options.models) {
    const receiver = getAddress(
      await clients.publicClient.readContract({
        address: factory,
        abi: slaReceiverFactoryAbi,
        functionName: "predict",
        args: [model.modelId],
      }),
    );
    await send(`create the SLA receiver of model ${model.modelId}`, () =>
      wallet.writeContract({
        address: factory,
        abi: slaReceiverFactoryAbi,
        functionName: "create",
        args: [
          {
            owner,
            operator: options.operator,
            modelId: model.modelId,
            token: options.stablecoin,
            channels: standIn.settlement,
            thisChain: options.chainId,
            homeChain: options.homeChainId,
            genesis: model.genesis,
            epochSeconds: model.epochSeconds,
            verdictGraceEpochs: options.verdictGraceEpochs,
          },
        ],
      }),
    );
    // Deliveries come through the router; receipt batches go out through either messenger.
    for (const messenger of [routerAddress, ...messengers]) {
      await send("receiver setMessenger", () =>
        wallet.writeContract({
          address: receiver,
          abi: slaReceiverAbi,
          functionName: "setMessenger",
          args: [messenger, true],
        }),
      );
    }
    for (const messenger of messengers) {
      await send("messenger setSender(receiver)", () =>
        wallet.writeContract({
          address: messenger,
          abi: messengerConfigAbi,
          functionName: "setSender",
          args: [receiver, true],
        }),
      );
    }
    await send(`router setModelRoute(${model.modelId})`, () =>
      wallet.writeContract({
        address: routerAddress,
        abi: messageRouterAbi,
        functionName: "setModelRoute",
        args: [model.modelId, receiver],
      }),
    );
    await send("receiver setTopUpFunder", () =>
      wallet.writeContract({
        address: receiver,
        abi: slaReceiverAbi,
        functionName: "setTopUpFunder",
        args: [addressOf(options.vault.account)],
      }),
    );
    await send("vault approves the receiver's top-ups", () =>
      clients.wallet(options.vault.account).writeContract({
        address: options.stablecoin,
        abi: erc20Abi,
        functionName: "approve",
        args: [receiver, options.vault.allowance],
      }),
    );
    await send("receiver setAuthorizer", () =>
      wallet.writeContract({
        address: receiver,
        abi: slaReceiverAbi,
        functionName: "setAuthorizer",
        args: [options.authorizer],
      }),
    );
    const guardian = options.guardian;
    if (guardian !== undefined) {
      await send("receiver setGuardian", () =>
        wallet.writeContract({ address: receiver, abi: slaReceiverAbi, functionName: "setGuardian", args: [guardian] }),
      );
    }
    slaReceivers[model.modelId.toString()] = receiver;
  }
  return { x402Channels: standIn.settlement, messageRouter: routerAddress, slaReceivers };
}

function addressOf(key: Account | Address): Address {
  return typeof key === "string" ? key : key.address;
}

/** Deploys a demo fixture contract from the deployer, one mined deployment at a time. */
function deployerFor(clients: DevnetClients, deployer: Account | Address) {
  const wallet = clients.wallet(deployer);
  return async (name: string, abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> => {
    let hash: Hex;
    try {
      hash = await wallet.deployContract({ abi, bytecode, args });
    } catch (error) {
      throw EvmDevnetError.wrap("deploy-failed", `deploying ${name}`, error);
    }
    const receipt = await receiptOf(clients.publicClient, hash, `deploying ${name}`);
    if (receipt.status !== "success" || !receipt.contractAddress) {
      throw new EvmDevnetError("deploy-failed", `deploying ${name} reverted in ${hash}`);
    }
    return getAddress(receipt.contractAddress);
  };
}
