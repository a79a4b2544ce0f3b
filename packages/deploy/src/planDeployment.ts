import {
  escrowAbi,
  escrowBytecode,
  hostBondAbi,
  hostBondBytecode,
  layerZeroMessengerAbi,
  layerZeroMessengerBytecode,
  messageRouterAbi,
  messageRouterBytecode,
  modelRegistryAbi,
  modelRegistryBytecode,
  modelRegistryLinkReferences,
  modelTermsAbi,
  modelTermsBytecode,
  revenueLedgerAbi,
  revenueLedgerBytecode,
  slaOracleAbi,
  slaOracleBytecode,
  slaReceiverAbi,
  slaReceiverFactoryAbi,
  slaReceiverFactoryBytecode,
  wormholeMessengerAbi,
  wormholeMessengerBytecode,
} from "@slabridge/contracts";
import { SOLANA_CHAIN_ID } from "@slabridge/core";
import { lzReceiveOptions } from "@slabridge/layerzero";
import { type Abi, type Address, getAddress, type Hex, isAddress, pad } from "viem";
import { DeployError } from "./DeployError.ts";
import { linkBytecode } from "./linkBytecode.ts";

/** Gas the executor gives `lzReceive` on every slabridge pathway (a verdict or receipt batch needs < 150k). */
const LZ_RECEIVE_GAS = 300_000n;
/** Wormhole chain id of Solana: slabridge's Solana emitter publishes as if from there. */
const WORMHOLE_SOLANA_CHAIN = 1;
/** Wormhole consistency level slabridge publishes with (1 = finalized on the devnet's instant-finality anvils). */
const WORMHOLE_CONSISTENCY = 1;
/** LayerZero message type the messengers send with (OAppOptionsType3's `SEND`). */
const MSG_TYPE_SEND = 1;
/** MessageCodec kinds: 1 ModelListing, 2 ReceiptBatch, 3 Verdict, 4 Payout. */
const KIND = { ModelListing: 1, ReceiptBatch: 2, Verdict: 3, Payout: 4 } as const;

/** The protocols' contracts on one EVM chain, as the devnet deployed them or the address books list them. */
export interface ChainProtocols {
  name: string;
  chainId: number;
  /** `endpointV2` undefined: no installed address book has it (the plan prints it as unknown; a run refuses). */
  layerZero: { eid: number; endpointV2: Address | undefined };
  wormhole: { chainId: number; core: Address };
  /** The stablecoin buyers pay in (the escrow's token). */
  stablecoin: Address;
}

/** What the contracts are deployed with, apart from the chains. */
export interface DeployParameters {
  /** EVM chain id of the home chain (registry, oracle, ledger, host bonds). Every chain gets an escrow. */
  homeChainId: number;
  /** The SLA oracle's signer set and its threshold. */
  probers: readonly Address[];
  proberThreshold: number;
  /** Protocol fee floor in bps and its recipient (on the home chain). */
  protocolFee: { minBps: number; recipient: Address };
  /** Shortest epoch the registry accepts, in seconds. */
  minEpochSeconds: number;
  /** Host bonds: the share slashed per breached epoch, and the unlock notice in epochs. */
  hostBond: { slashBps: number; noticeEpochs: number };
  /**
   * Netting vault per slabridge chain id (bytes32 account), set on the registry; on an EVM chain the vault's account
   * (its last 20 bytes) also funds the escrow's bond top-ups.
   */
  nettingVaults: ReadonlyMap<number, Hex>;
  /** 32-byte emitter of slabridge's Solana messages (allowlisted on the home chain's Wormhole messenger); none: no Solana. */
  solanaEmitter?: Hex | undefined;
  /** Pay per call: one SLA receiver per model listed on a chain; absent: the factories stay empty. */
  payPerCall?: PayPerCallParameters | undefined;
  /**
   * What each EVM chain's netting vault lets its escrow and each SLA receiver pull for bond top-ups (base units;
   * default {@link DEFAULT_TOP_UP_ALLOWANCE}).
   */
  topUpAllowance?: bigint | undefined;
}

/**
 * The default top-up allowance: 1,000 units of a 6-decimal stablecoin per spender. A breach's top-up is a share of a
 * host's bond slash, far below it; a run approves it again once half is used.
 */
export const DEFAULT_TOP_UP_ALLOWANCE = 1_000_000_000n;

/** What every SLA receiver is created and wired with, and the models that get one on each chain. */
export interface PayPerCallParameters {
  /** Claims each epoch's vouchers (the relayer key, which is also the LayerZero executor). */
  operator: Address;
  /** The key whose EIP-1271 `Refund` signatures a receiver accepts: the gateway's facilitator key. */
  authorizer: Address;
  /** May pause a receiver's claims and refunds besides its owner; absent: the owner alone. */
  guardian?: Address | undefined;
  /** The x402 batch-settlement channel contract (its canonical address; same on every chain). */
  channels: Address;
  /** Per EVM chain id, the models listed on its escrow (so payable there), with the listing's clock and grace. */
  models: ReadonlyMap<number, readonly ListedModel[]>;
}

/** A model as a chain's escrow lists it: what its SLA receiver is initialized with. */
export interface ListedModel {
  modelId: bigint;
  genesis: bigint;
  epochSeconds: bigint;
  /** Epochs after an epoch's end with no verdict before buyers may take their payments back (the listing's newest). */
  verdictGraceEpochs: number;
}

/** slabridge's contracts on one EVM chain (the deployment manifest's `contracts`). */
export interface SlabridgeChainContracts {
  escrow?: Address;
  revenueLedger?: Address;
  modelRegistry?: Address;
  modelTerms?: Address;
  slaOracle?: Address;
  hostBond?: Address;
  messageRouter?: Address;
  slaReceiverFactory?: Address;
  /** Each listed model's SLA receiver, by model id (decimal). */
  slaReceivers?: Record<string, Address>;
  /** The x402 channel contract the receivers claim from (when there are receivers). */
  x402Channels?: Address;
  layerZeroMessenger: Address;
  wormholeMessenger: Address;
}

/** The contracts the plan deploys, by their names in the artifacts. */
export type DeployedContractName =
  | "LayerZeroMessenger"
  | "WormholeMessenger"
  | "ModelTerms"
  | "ModelRegistry"
  | "SlaOracle"
  | "RevenueLedger"
  | "HostBond"
  | "Escrow"
  | "MessageRouter"
  | "SlaReceiverFactory";

/** A model's SLA receiver, created by the chain's factory: `SlaReceiver(7)`. */
export type ReceiverName = `SlaReceiver(${string})`;

/** Every contract a step can target: the deployed ones and the factory's receivers. */
export type ContractName = DeployedContractName | ReceiverName;

/** The receiver name of a model. */
function receiverName(modelId: bigint): ReceiverName {
  return `SlaReceiver(${modelId})`;
}

/** The model id a receiver name stands for; undefined for a deployed contract. */
export function modelIdOfReceiver(contract: ContractName): bigint | undefined {
  const match = /^SlaReceiver\((\d+)\)$/.exec(contract);
  return match?.[1] === undefined ? undefined : BigInt(match[1]);
}

const contractKey = {
  LayerZeroMessenger: "layerZeroMessenger",
  WormholeMessenger: "wormholeMessenger",
  ModelTerms: "modelTerms",
  ModelRegistry: "modelRegistry",
  SlaOracle: "slaOracle",
  RevenueLedger: "revenueLedger",
  HostBond: "hostBond",
  Escrow: "escrow",
  MessageRouter: "messageRouter",
  SlaReceiverFactory: "slaReceiverFactory",
} as const satisfies Record<DeployedContractName, keyof SlabridgeChainContracts>;

/** Looks up a contract the plan deploys on a chain; throws when it is not deployed yet. */
export type AddressOf = (chainId: number, contract: ContractName) => Address;

/** Deploys one contract. Done when the state records its address and that address has code. */
export interface DeployStep {
  kind: "deploy";
  /** Stable across runs: `evm-a:deploy:ModelRegistry`. */
  id: string;
  chainId: number;
  contract: DeployedContractName;
  description: string;
  creation(addressOf: AddressOf, owner: Address): { abi: Abi; bytecode: Hex; args: readonly unknown[] };
}

/**
 * Creates a model's SLA receiver through the chain's factory (a clone at an address fixed by the model id). Done
 * when the factory names a receiver for the model: its fixed settings must then be the planned ones.
 */
export interface CreateReceiverStep {
  kind: "create";
  /** Stable across runs: `evm-a:create:SlaReceiver(7)`. */
  id: string;
  chainId: number;
  contract: ReceiverName;
  modelId: bigint;
  description: string;
  /** The factory's `create` argument (ISlaReceiver.InitParams); the owner is the deployer. */
  params(owner: Address): ReceiverInitParams;
}

/** ISlaReceiver.InitParams: set once by `initialize`. */
export interface ReceiverInitParams {
  owner: Address;
  operator: Address;
  modelId: bigint;
  token: Address;
  channels: Address;
  thisChain: number;
  homeChain: number;
  genesis: bigint;
  epochSeconds: bigint;
  verdictGraceEpochs: number;
}

/** One owner call. Done when `readBack` on chain shows the wanted value. */
export interface WireStep {
  kind: "wire";
  /** Stable across runs: `evm-a:wire:LayerZeroMessenger.setPeer(40245)`. */
  id: string;
  chainId: number;
  contract: ContractName;
  description: string;
  abi: Abi;
  functionName: string;
  args(addressOf: AddressOf): readonly unknown[];
  /** Views on the same contract whose results must equal `want` for the setting to be in place. */
  readBack(addressOf: AddressOf): ReadonlyArray<{ functionName: string; args: readonly unknown[]; want: unknown }>;
}

/**
 * The chain's netting vault approves a contract (the escrow, an SLA receiver) to pull bond top-ups from it: a
 * stablecoin `approve` signed by the vault's own key, not the deployer's. Done while the allowance is at least half
 * of `amount`: top-ups use it up, and a run below that approves `amount` again.
 */
export interface ApproveStep {
  kind: "approve";
  /** Stable across runs: `evm-a:approve:Escrow`. */
  id: string;
  chainId: number;
  spender: ContractName;
  description: string;
  /** The stablecoin. */
  token: Address;
  /** The netting vault: the allowance's owner, whose key signs. */
  vault: Address;
  amount: bigint;
}

export type PlanStep = DeployStep | CreateReceiverStep | WireStep | ApproveStep;

/** The ordered steps of a deployment: one list per chain (run in order), chains independent of each other. */
export interface DeploymentPlan {
  chains: ReadonlyArray<{ chainId: number; name: string; steps: readonly PlanStep[] }>;
  /** What the plan cannot resolve (a protocol address no installed address book has): a run refuses, a dry run shows. */
  unknowns: readonly string[];
  /** The x402 channel contract the receivers claim from (pay per call only). */
  x402Channels?: Address | undefined;
}

/**
 * The steps that deploy and wire slabridge on a stage's EVM chains: the messengers, an Escrow, a MessageRouter and a
 * SlaReceiverFactory on every chain, and on the home chain ModelTerms (linked into) ModelRegistry, SlaOracle,
 * RevenueLedger and HostBond; then LayerZero chains, peers and enforced options, Wormhole emitters (the Solana
 * emitter and the home chain's own on the home chain), the messengers' senders and receivers and the receivers'
 * messengers. Every setting is planned with its final value only, so a read-back can tell it is in place. LayerZero
 * cannot send to its own endpoint, so the home chain's Wormhole messenger delivers home <-> home-escrow messages to
 * itself, through the MessageRouter (a messenger has one receiver). With pay per call, each model listed on a chain
 * then gets its SlaReceiver from the factory and every setting it needs (the router's model route included).
 *
 * @example const plan = planDeployment(chains, parameters); plan.chains[0].steps[0].id // "evm-a:deploy:LayerZeroMessenger"
 */
export function planDeployment(chains: readonly ChainProtocols[], parameters: DeployParameters): DeploymentPlan {
  const home = chains.find((chain) => chain.chainId === parameters.homeChainId);
  if (!home)
    throw new DeployError("invalid-config", `home chain ${parameters.homeChainId} is not an EVM chain of the stage`);
  // No probers yet: a dry run of a stage whose prober keys are not made (the caller lists them as unknown).
  const probersKnown = parameters.probers.length > 0;
  if (probersKnown && (parameters.proberThreshold < 1 || parameters.proberThreshold > parameters.probers.length)) {
    throw new DeployError(
      "invalid-config",
      `prober threshold ${parameters.proberThreshold} is not within 1..${parameters.probers.length} probers`,
    );
  }
  const payPerCall = parameters.payPerCall;
  if (payPerCall) {
    for (const [role, value] of [
      ["operator", payPerCall.operator],
      ["authorizer", payPerCall.authorizer],
      ["guardian", payPerCall.guardian],
      ["x402 channels", payPerCall.channels],
    ] as const) {
      // Zero is a receiver's unset value: it would read back as done while no key holds the role.
      if (value !== undefined && (!isAddress(value, { strict: false }) || BigInt(value) === 0n)) {
        throw new DeployError("invalid-config", `the SLA receivers' ${role} ${value} is not a non-zero EVM address`);
      }
    }
  }
  const unknowns = chains
    .filter((chain) => chain.layerZero.endpointV2 === undefined)
    .map((chain) => `${chain.name}: LayerZero EndpointV2 (eid ${chain.layerZero.eid})`);
  if (!probersKnown) unknowns.push("the SLA oracle's probers");
  return {
    chains: chains.map((chain) => ({
      chainId: chain.chainId,
      name: chain.name,
      steps: [
        ...deploySteps(chain, home, parameters),
        ...wireSteps(chain, home, chains, parameters),
        ...receiverSteps(chain, home, parameters),
        ...approveSteps(chain, parameters),
      ],
    })),
    unknowns,
    x402Channels: parameters.payPerCall?.channels,
  };
}

function deploySteps(chain: ChainProtocols, home: ChainProtocols, parameters: DeployParameters): DeployStep[] {
  const steps: DeployStep[] = [];
  const add = (contract: DeployedContractName, description: string, creation: DeployStep["creation"]) =>
    steps.push({
      kind: "deploy",
      id: `${chain.name}:deploy:${contract}`,
      chainId: chain.chainId,
      contract,
      description,
      creation,
    });
  const me = chain.chainId;
  add("LayerZeroMessenger", "LayerZeroMessenger (OApp on the chain's EndpointV2)", (_, owner) => ({
    abi: layerZeroMessengerAbi,
    bytecode: layerZeroMessengerBytecode,
    args: [known(chain.layerZero.endpointV2, `${chain.name}: LayerZero EndpointV2`), owner],
  }));
  add("WormholeMessenger", "WormholeMessenger (on the chain's Wormhole core)", (_, owner) => ({
    abi: wormholeMessengerAbi,
    bytecode: wormholeMessengerBytecode,
    args: [owner, chain.wormhole.core, WORMHOLE_CONSISTENCY, me],
  }));
  if (me === home.chainId) {
    add("ModelTerms", "ModelTerms (library linked into the registry)", () => ({
      abi: modelTermsAbi,
      bytecode: modelTermsBytecode,
      args: [],
    }));
    add("ModelRegistry", "ModelRegistry (Model NFTs, terms, listings)", (addressOf, owner) => ({
      abi: modelRegistryAbi,
      bytecode: linkBytecode(modelRegistryBytecode, modelRegistryLinkReferences, {
        ModelTerms: addressOf(me, "ModelTerms"),
      }),
      args: [
        owner,
        parameters.protocolFee.minBps,
        me,
        pad(parameters.protocolFee.recipient),
        BigInt(parameters.minEpochSeconds),
      ],
    }));
    add(
      "SlaOracle",
      `SlaOracle (${parameters.proberThreshold}-of-${parameters.probers.length} probers)`,
      (addressOf, owner) => ({
        abi: slaOracleAbi,
        bytecode: slaOracleBytecode,
        args: [
          owner,
          addressOf(me, "ModelRegistry"),
          sortedAddresses(parameters.probers),
          BigInt(parameters.proberThreshold),
        ],
      }),
    );
    add("RevenueLedger", "RevenueLedger (receipt batches of every chain)", (_, owner) => ({
      abi: revenueLedgerAbi,
      bytecode: revenueLedgerBytecode,
      args: [owner],
    }));
    add("HostBond", "HostBond (hosts' bonds, slashed into buyers' top-ups)", (addressOf, owner) => ({
      abi: hostBondAbi,
      bytecode: hostBondBytecode,
      args: [
        owner,
        chain.stablecoin,
        addressOf(me, "ModelRegistry"),
        addressOf(me, "SlaOracle"),
        addressOf(me, "RevenueLedger"),
        me,
        parameters.hostBond.slashBps,
        parameters.hostBond.noticeEpochs,
      ],
    }));
  }
  add("Escrow", "Escrow (buyers' payments in the chain's stablecoin)", (_, owner) => ({
    abi: escrowAbi,
    bytecode: escrowBytecode,
    args: [owner, chain.stablecoin, me, home.chainId],
  }));
  add(
    "MessageRouter",
    me === home.chainId
      ? "MessageRouter (home Wormhole deliveries: batches to the ledger, a model's verdicts and payouts to its SLA receiver, the rest to the escrow)"
      : "MessageRouter (the messengers' receiver: a model's verdicts and payouts to its SLA receiver, the rest to the escrow)",
    (_, owner) => ({
      abi: messageRouterAbi,
      bytecode: messageRouterBytecode,
      args: [owner],
    }),
  );
  add("SlaReceiverFactory", "SlaReceiverFactory (one SLA receiver clone per model sold per call)", (_, owner) => ({
    abi: slaReceiverFactoryAbi,
    bytecode: slaReceiverFactoryBytecode,
    args: [owner],
  }));
  return steps;
}

function wireSteps(
  chain: ChainProtocols,
  home: ChainProtocols,
  chains: readonly ChainProtocols[],
  parameters: DeployParameters,
): WireStep[] {
  const steps: WireStep[] = [];
  const me = chain.chainId;
  const name = (other: number) => chains.find((c) => c.chainId === other)?.name ?? String(other);
  const wire = (...step: WireStepParts) => steps.push(wireStep(chain, ...step));
  const setSender = (messenger: ContractName, sender: ContractName) =>
    wire(
      messenger,
      `setSender(${sender})`,
      `${messenger} accepts sends from ${sender}`,
      abiOf(messenger),
      (a) => [a(me, sender), true],
      (a) => [{ functionName: "isSender", args: [a(me, sender)], want: true }],
    );
  const setReceiver = (messenger: ContractName, receiver: ContractName) =>
    wire(
      messenger,
      `setReceiver(${receiver})`,
      `${messenger} delivers to ${receiver}`,
      abiOf(messenger),
      (a) => [a(me, receiver)],
      (a) => [{ functionName: "receiver", args: [], want: a(me, receiver) }],
    );
  const setMessenger = (target: ContractName, messenger: ContractName) =>
    wire(
      target,
      `setMessenger(${messenger})`,
      `${target} accepts deliveries from ${messenger}`,
      abiOf(target),
      (a) => [a(me, messenger), true],
      (a) => [{ functionName: "isMessenger", args: [a(me, messenger)], want: true }],
    );
  const setEmitter = (whChain: number, chainId: number, emitter: (a: AddressOf) => Hex, whose: string) =>
    wire(
      "WormholeMessenger",
      `setEmitter(${whChain})`,
      `WormholeMessenger trusts ${whose} as Wormhole chain ${whChain}`,
      wormholeMessengerAbi,
      (a) => [whChain, emitter(a), chainId],
      (a) => [
        { functionName: "emitters", args: [whChain], want: emitter(a) },
        { functionName: "transportChainOf", args: [chainId], want: whChain },
      ],
    );

  // Home talks to every payment chain and back; payment chains talk to home only.
  const peers = me === home.chainId ? chains.filter((other) => other.chainId !== me) : [home];
  const enforced = lzReceiveOptions(LZ_RECEIVE_GAS);
  for (const peer of peers) {
    const eid = peer.layerZero.eid;
    wire(
      "LayerZeroMessenger",
      `setChain(${peer.chainId})`,
      `LayerZeroMessenger maps chain ${peer.chainId} to eid ${eid}`,
      layerZeroMessengerAbi,
      () => [peer.chainId, eid],
      () => [
        { functionName: "transportChainOf", args: [peer.chainId], want: eid },
        { functionName: "chainOfTransport", args: [eid], want: peer.chainId },
      ],
    );
    wire(
      "LayerZeroMessenger",
      `setPeer(${eid})`,
      `LayerZeroMessenger peer for eid ${eid}: LayerZeroMessenger of ${peer.name}`,
      layerZeroMessengerAbi,
      (a) => [eid, pad(a(peer.chainId, "LayerZeroMessenger"))],
      (a) => [{ functionName: "peers", args: [eid], want: pad(a(peer.chainId, "LayerZeroMessenger")) }],
    );
    wire(
      "LayerZeroMessenger",
      `setEnforcedOptions(${eid})`,
      `LayerZeroMessenger enforced options to eid ${eid}: lzReceive gas ${LZ_RECEIVE_GAS}`,
      layerZeroMessengerAbi,
      () => [[{ eid, msgType: MSG_TYPE_SEND, options: enforced }]],
      () => [{ functionName: "enforcedOptions", args: [eid, MSG_TYPE_SEND], want: enforced }],
    );
    setEmitter(
      peer.wormhole.chainId,
      peer.chainId,
      (a) => pad(a(peer.chainId, "WormholeMessenger")),
      `the WormholeMessenger of ${peer.name}`,
    );
  }

  if (me === home.chainId) {
    if (parameters.solanaEmitter !== undefined) {
      const emitter = parameters.solanaEmitter;
      setEmitter(WORMHOLE_SOLANA_CHAIN, SOLANA_CHAIN_ID, () => emitter, "slabridge's Solana emitter");
    }
    // Home <-> home escrow: the messenger trusts its own emitter and delivers back to itself.
    setEmitter(chain.wormhole.chainId, me, (a) => pad(a(me, "WormholeMessenger")), "itself (home <-> home escrow)");
    setReceiver("LayerZeroMessenger", "RevenueLedger");
    setReceiver("WormholeMessenger", "MessageRouter");
    for (const messenger of ["LayerZeroMessenger", "WormholeMessenger"] as const) {
      setSender(messenger, "ModelRegistry");
      setSender(messenger, "SlaOracle");
      setMessenger("RevenueLedger", messenger);
      setMessenger("ModelRegistry", messenger);
      setMessenger("SlaOracle", messenger);
    }
    setSender("WormholeMessenger", "Escrow");
    wire(
      "ModelRegistry",
      "setSlaOracle(SlaOracle)",
      "ModelRegistry takes verdicts from the SlaOracle",
      modelRegistryAbi,
      (a) => [a(me, "SlaOracle")],
      (a) => [{ functionName: "slaOracle", args: [], want: a(me, "SlaOracle") }],
    );
    // Every chain verdicts go to holds escrow: a slash is split over all of them by their receipts.
    const paymentChains = [
      ...chains.map((c) => c.chainId),
      ...(parameters.solanaEmitter === undefined ? [] : [SOLANA_CHAIN_ID]),
    ];
    wire(
      "HostBond",
      "setPaymentChains",
      `HostBond splits slashes over chains ${paymentChains.join(", ")}`,
      hostBondAbi,
      () => [paymentChains],
      () => [{ functionName: "paymentChains", args: [], want: paymentChains }],
    );
    wire(
      "SlaOracle",
      "setHostBond(HostBond)",
      "SlaOracle slashes through the HostBond",
      slaOracleAbi,
      (a) => [a(me, "HostBond")],
      (a) => [{ functionName: "hostBond", args: [], want: a(me, "HostBond") }],
    );
    for (const [vaultChain, vault] of parameters.nettingVaults) {
      wire(
        "ModelRegistry",
        `setNettingVault(${vaultChain})`,
        `ModelRegistry netting vault of ${name(vaultChain)}: ${vault}`,
        modelRegistryAbi,
        () => [vaultChain, vault],
        () => [{ functionName: "nettingVault", args: [vaultChain], want: vault }],
      );
    }
    setMessenger("MessageRouter", "WormholeMessenger");
    for (const [kind, target] of [
      [KIND.ModelListing, "Escrow"],
      [KIND.ReceiptBatch, "RevenueLedger"],
      [KIND.Verdict, "Escrow"],
      [KIND.Payout, "Escrow"],
    ] as const) {
      wire(
        "MessageRouter",
        `setRoute(${kind})`,
        `MessageRouter routes kind ${kind} to the ${target}`,
        messageRouterAbi,
        (a) => [kind, a(me, target)],
        (a) => [{ functionName: "routeOf", args: [kind], want: a(me, target) }],
      );
    }
    setMessenger("RevenueLedger", "MessageRouter");
    // The router delivers to the escrow; the messenger is what the escrow sends its receipt batches through.
    setMessenger("Escrow", "MessageRouter");
    setMessenger("Escrow", "WormholeMessenger");
  } else {
    // The messengers deliver to the router, which passes a model's verdicts and payouts to its SLA receiver and
    // everything else to the escrow; the escrow still sends its receipt batches through either messenger.
    for (const messenger of ["LayerZeroMessenger", "WormholeMessenger"] as const) {
      setReceiver(messenger, "MessageRouter");
      setSender(messenger, "Escrow");
      setMessenger("Escrow", messenger);
      setMessenger("MessageRouter", messenger);
    }
    for (const kind of [KIND.ModelListing, KIND.Verdict, KIND.Payout]) {
      wire(
        "MessageRouter",
        `setRoute(${kind})`,
        `MessageRouter routes kind ${kind} to the Escrow`,
        messageRouterAbi,
        (a) => [kind, a(me, "Escrow")],
        (a) => [{ functionName: "routeOf", args: [kind], want: a(me, "Escrow") }],
      );
    }
    setMessenger("Escrow", "MessageRouter");
  }
  // The chain's netting vault advances bond top-ups: the escrow pulls them from it (it approves the escrow itself).
  const vault = parameters.nettingVaults.get(me);
  if (vault !== undefined) {
    const funder = getAddress(`0x${vault.slice(-40)}`);
    wire(
      "Escrow",
      "setTopUpFunder",
      `Escrow pulls bond top-ups from the netting vault ${funder}`,
      escrowAbi,
      () => [funder],
      () => [{ functionName: "topUpFunder", args: [], want: funder }],
    );
  }
  return steps;
}

/**
 * Per model listed on the chain: its SLA receiver from the factory, then every setting it needs. Deliveries reach it
 * through the router (the router's model route) and its receipt batches leave through either messenger, so it
 * trusts all three and both messengers accept its sends; it pulls bond top-ups from the chain's netting vault and
 * takes cooperative refund signatures from the authorizer.
 */
function receiverSteps(
  chain: ChainProtocols,
  home: ChainProtocols,
  parameters: DeployParameters,
): Array<CreateReceiverStep | WireStep> {
  const payPerCall = parameters.payPerCall;
  if (!payPerCall) return [];
  const me = chain.chainId;
  const vault = parameters.nettingVaults.get(me);
  const funder = vault === undefined ? undefined : getAddress(`0x${vault.slice(-40)}`);
  const steps: Array<CreateReceiverStep | WireStep> = [];
  for (const model of payPerCall.models.get(me) ?? []) {
    const receiver = receiverName(model.modelId);
    steps.push({
      kind: "create",
      id: `${chain.name}:create:${receiver}`,
      chainId: me,
      contract: receiver,
      modelId: model.modelId,
      description: `SlaReceiver of model ${model.modelId} (epoch ${model.epochSeconds} s from ${model.genesis}, grace ${model.verdictGraceEpochs} epochs)`,
      params: (owner) => ({
        owner,
        operator: payPerCall.operator,
        modelId: model.modelId,
        token: chain.stablecoin,
        channels: payPerCall.channels,
        thisChain: me,
        homeChain: home.chainId,
        genesis: model.genesis,
        epochSeconds: model.epochSeconds,
        verdictGraceEpochs: model.verdictGraceEpochs,
      }),
    });
    const wire = (...step: WireStepParts) => steps.push(wireStep(chain, ...step));
    const set = (setter: string, view: string, value: Address, what: string) =>
      wire(
        receiver,
        setter,
        `${receiver} ${what} ${value}`,
        slaReceiverAbi,
        () => [value],
        () => [{ functionName: view, args: [], want: value }],
      );
    // initialize set it; the owner can replace it, so it is a setting like the others
    set("setOperator", "operator", payPerCall.operator, "claims with the operator");
    for (const messenger of ["MessageRouter", "LayerZeroMessenger", "WormholeMessenger"] as const) {
      wire(
        receiver,
        `setMessenger(${messenger})`,
        `${receiver} accepts deliveries from the ${messenger}`,
        slaReceiverAbi,
        (a) => [a(me, messenger), true],
        (a) => [{ functionName: "isMessenger", args: [a(me, messenger)], want: true }],
      );
    }
    for (const messenger of ["LayerZeroMessenger", "WormholeMessenger"] as const) {
      wire(
        messenger,
        `setSender(${receiver})`,
        `${messenger} accepts sends from ${receiver}`,
        abiOf(messenger),
        (a) => [a(me, receiver), true],
        (a) => [{ functionName: "isSender", args: [a(me, receiver)], want: true }],
      );
    }
    wire(
      "MessageRouter",
      `setModelRoute(${model.modelId})`,
      `MessageRouter routes model ${model.modelId}'s verdicts and payouts to its ${receiver}`,
      messageRouterAbi,
      (a) => [model.modelId, a(me, receiver)],
      (a) => [{ functionName: "modelRouteOf", args: [model.modelId], want: a(me, receiver) }],
    );
    if (funder !== undefined) set("setTopUpFunder", "topUpFunder", funder, "pulls bond top-ups from the netting vault");
    set("setAuthorizer", "authorizer", payPerCall.authorizer, "accepts refund signatures of");
    if (payPerCall.guardian !== undefined) set("setGuardian", "guardian", payPerCall.guardian, "may be paused by");
  }
  return steps;
}

/**
 * The chain's netting vault funds bond top-ups (the registry's `nettingVault[chain]`, the escrow's and each receiver's
 * top-up funder): it approves the escrow, and with pay per call each model's SLA receiver, to pull them.
 */
function approveSteps(chain: ChainProtocols, parameters: DeployParameters): ApproveStep[] {
  const account = parameters.nettingVaults.get(chain.chainId);
  if (account === undefined) return [];
  const vault = getAddress(`0x${account.slice(-40)}`);
  const amount = parameters.topUpAllowance ?? DEFAULT_TOP_UP_ALLOWANCE;
  const spenders: ContractName[] = [
    "Escrow",
    ...(parameters.payPerCall?.models.get(chain.chainId) ?? []).map((model) => receiverName(model.modelId)),
  ];
  return spenders.map((spender) => ({
    kind: "approve",
    id: `${chain.name}:approve:${spender}`,
    chainId: chain.chainId,
    spender,
    description: `the netting vault ${vault} lets the ${spender} pull up to ${amount} for bond top-ups`,
    token: chain.stablecoin,
    vault,
    amount,
  }));
}

function abiOf(contract: ContractName): Abi {
  if (modelIdOfReceiver(contract) !== undefined) return slaReceiverAbi;
  switch (contract) {
    case "LayerZeroMessenger":
      return layerZeroMessengerAbi;
    case "WormholeMessenger":
      return wormholeMessengerAbi;
    case "ModelTerms":
      return modelTermsAbi;
    case "ModelRegistry":
      return modelRegistryAbi;
    case "SlaOracle":
      return slaOracleAbi;
    case "RevenueLedger":
      return revenueLedgerAbi;
    case "HostBond":
      return hostBondAbi;
    case "Escrow":
      return escrowAbi;
    case "MessageRouter":
      return messageRouterAbi;
    case "SlaReceiverFactory":
      return slaReceiverFactoryAbi;
  }
  throw new DeployError("invalid-config", `no ABI for ${contract}`);
}

/**
 * The deployed addresses of one chain in the manifest's shape, from a lookup that returns undefined for what is not
 * deployed; with pay per call, the receivers of the given models that exist and the channel contract they claim from.
 *
 * @example chainContractsOf((contract) => state.addressOf(31338, contract))
 */
export function chainContractsOf(
  lookUp: (contract: ContractName) => Address | undefined,
  payPerCall?: { modelIds: readonly bigint[]; channels: Address },
): SlabridgeChainContracts {
  const contracts: Partial<Record<(typeof contractKey)[DeployedContractName], Address>> = {};
  for (const [contract, key] of Object.entries(contractKey) as Array<
    [DeployedContractName, (typeof contractKey)[DeployedContractName]]
  >) {
    const address = lookUp(contract);
    if (address !== undefined) contracts[key] = address;
  }
  const { layerZeroMessenger, wormholeMessenger } = contracts;
  if (!layerZeroMessenger || !wormholeMessenger) {
    throw new DeployError("invalid-state", "a chain's messengers are not deployed: the deployment is incomplete");
  }
  const slaReceivers: Record<string, Address> = {};
  for (const modelId of payPerCall?.modelIds ?? []) {
    const address = lookUp(receiverName(modelId));
    if (address !== undefined) slaReceivers[modelId.toString()] = address;
  }
  return {
    ...contracts,
    ...(payPerCall && Object.keys(slaReceivers).length > 0 ? { slaReceivers, x402Channels: payPerCall.channels } : {}),
    layerZeroMessenger,
    wormholeMessenger,
  };
}

/** The oracle's constructor takes its signer set sorted ascending (it refuses duplicates by order). */
function sortedAddresses(addresses: readonly Address[]): Address[] {
  return [...addresses].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
}

function known<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new DeployError("unknown-protocol-address", `${what} is unknown`);
  return value;
}

/** What names one wiring call: the contract, the call as the step's id shows it, and how it is sent and read back. */
type WireStepParts = [
  contract: ContractName,
  call: string,
  description: string,
  abi: Abi,
  args: WireStep["args"],
  readBack: WireStep["readBack"],
];

/** A wiring step on `chain`: its id is `<chain>:wire:<contract>.<call>`, its function the call's name. */
function wireStep(
  chain: { name: string; chainId: number },
  ...[contract, call, description, abi, args, readBack]: WireStepParts
): WireStep {
  return {
    kind: "wire",
    id: `${chain.name}:wire:${contract}.${call}`,
    chainId: chain.chainId,
    contract,
    description,
    abi,
    functionName: call.includes("(") ? call.slice(0, call.indexOf("(")) : call,
    args,
    readBack,
  };
}
