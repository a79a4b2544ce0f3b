import { Options } from "@layerzerolabs/lz-v2-utilities";
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
  wormholeMessengerAbi,
  wormholeMessengerBytecode,
} from "@slabridge/contracts";
import { SOLANA_CHAIN_ID } from "@slabridge/core";
import { type Abi, type Address, getAddress, type Hex, pad, parseAbi } from "viem";
import type { DevnetClients } from "../evm/devnetClients.ts";
import { EvmDevnetError } from "../evm/EvmDevnetError.ts";
import type { EvmDevnetChain } from "../evm/startEvmDevnet.ts";
import { receiptOf, submitTransaction } from "../evm/submitTransaction.ts";
import { linkBytecode } from "./linkBytecode.ts";

/** Gas the executor gives `lzReceive` on every slabridge pathway (a verdict or receipt batch needs < 150k). */
const LZ_RECEIVE_GAS = 300_000n;
/** Wormhole chain id of Solana: slabridge's Solana emitter publishes as if from there. */
const WORMHOLE_SOLANA_CHAIN = 1;
/** Wormhole consistency level slabridge publishes with (1 = finalized on the devnet's instant-finality anvils). */
const WORMHOLE_CONSISTENCY = 1;

// What both messengers share (IMessengerConfig), so one loop can wire either.
const messengerConfigAbi = parseAbi([
  "function setSender(address sender, bool allowed)",
  "function setReceiver(address receiver)",
]);

/** slabridge's contracts on one EVM chain. */
export interface SlabridgeChainContracts {
  escrow?: Address;
  revenueLedger?: Address;
  modelRegistry?: Address;
  modelTerms?: Address;
  slaOracle?: Address;
  /** Home chain: hosts' bonds (slashed for breached epochs into top-ups for their buyers). */
  hostBond?: Address;
  /** Home chain: receiver of its Wormhole messenger (receipt batches to the ledger, the rest to the home escrow). */
  messageRouter?: Address;
  layerZeroMessenger: Address;
  wormholeMessenger: Address;
}

/** Inputs of {@link deploySlabridge}. */
export interface DeploySlabridgeOptions {
  /** The chains, as the EVM devnet deployed them (LayerZero, Wormhole, stablecoin). */
  chains: readonly EvmDevnetChain[];
  clients: (chainId: number) => DevnetClients;
  deployer: Address;
  /** EVM chain id of the home chain (registry, oracle, ledger). Every other chain gets an escrow. */
  homeChainId: number;
  probers: readonly Address[];
  proberThreshold: number;
  /** 32-byte emitter of slabridge's Solana messages (allowlisted on the home chain's Wormhole messenger). */
  solanaEmitter: Hex;
  /** Shortest epoch the registry accepts (seconds on the devnet). */
  minEpochSeconds: number;
  /** Protocol fee floor in bps and its recipient (on the home chain). */
  protocolFee: { minBps: number; recipient: Address };
  /**
   * Netting vault per slabridge chain id (bytes32 account), set on the registry: payouts for payees whose payout
   * chain is elsewhere go there on that chain.
   */
  nettingVaults?: ReadonlyMap<number, Hex>;
  /** Host bonds: the share of a bond slashed per breached epoch, and the unlock notice in epochs. */
  hostBond: { slashBps: number; noticeEpochs: number };
  onProgress?: (step: string) => void;
}

/**
 * Deploys slabridge's contracts on every devnet chain and wires them: LayerZero peers and enforced options, Wormhole
 * emitters (including the Solana emitter on the home chain), the messengers' allowed senders and receivers, and the
 * receivers' registered messengers. Home chain: ModelRegistry (+ linked ModelTerms), SlaOracle, RevenueLedger, and an
 * Escrow of its own (buyers pay on the home chain too); every other chain: an Escrow in that chain's stablecoin.
 * LayerZero cannot send to its own endpoint id, so the home chain's Wormhole messenger trusts its own emitter and
 * delivers home <-> home-escrow messages to itself, through a MessageRouter (a messenger has one receiver).
 *
 * @example const contracts = await deploySlabridge({ chains, clients, deployer, homeChainId: 31338, ... });
 */
export async function deploySlabridge(options: DeploySlabridgeOptions): Promise<Map<number, SlabridgeChainContracts>> {
  const home = options.chains.find((chain) => chain.chainId === options.homeChainId);
  if (!home) throw new EvmDevnetError("invalid-config", `home chain ${options.homeChainId} is not a devnet chain`);
  const progress = options.onProgress ?? (() => {});
  const result = new Map<number, SlabridgeChainContracts>();

  // Deploy: chains in parallel, transactions on one chain in sequence (one deployer nonce per chain).
  await Promise.all(
    options.chains.map(async (chain) => {
      const deploy = deployerFor(options.clients(chain.chainId), options.deployer);
      const say = (step: string) => progress(`${chain.name}: ${step}`);
      say("deploy slabridge messengers");
      const layerZeroMessenger = await deploy("LayerZeroMessenger", layerZeroMessengerAbi, layerZeroMessengerBytecode, [
        chain.layerZero.endpointV2,
        options.deployer,
      ]);
      const wormholeMessenger = await deploy("WormholeMessenger", wormholeMessengerAbi, wormholeMessengerBytecode, [
        options.deployer,
        chain.wormhole.core,
        WORMHOLE_CONSISTENCY,
        chain.chainId,
      ]);
      if (chain.chainId === home.chainId) {
        say("deploy registry, oracle and revenue ledger");
        const modelTerms = await deploy("ModelTerms", modelTermsAbi, modelTermsBytecode, []);
        const modelRegistry = await deploy(
          "ModelRegistry",
          modelRegistryAbi,
          linkBytecode(modelRegistryBytecode, modelRegistryLinkReferences, { ModelTerms: modelTerms }),
          [
            options.deployer,
            options.protocolFee.minBps,
            chain.chainId,
            pad(options.protocolFee.recipient),
            BigInt(options.minEpochSeconds),
          ],
        );
        const slaOracle = await deploy("SlaOracle", slaOracleAbi, slaOracleBytecode, [
          options.deployer,
          modelRegistry,
          [...options.probers].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)),
          BigInt(options.proberThreshold),
        ]);
        const revenueLedger = await deploy("RevenueLedger", revenueLedgerAbi, revenueLedgerBytecode, [
          options.deployer,
        ]);
        const hostBond = await deploy("HostBond", hostBondAbi, hostBondBytecode, [
          options.deployer,
          chain.stablecoin.address,
          modelRegistry,
          slaOracle,
          revenueLedger,
          chain.chainId,
          options.hostBond.slashBps,
          options.hostBond.noticeEpochs,
        ]);
        say("deploy the home escrow and its message router");
        const escrow = await deploy("Escrow", escrowAbi, escrowBytecode, [
          options.deployer,
          chain.stablecoin.address,
          chain.chainId,
          home.chainId,
        ]);
        const messageRouter = await deploy("MessageRouter", messageRouterAbi, messageRouterBytecode, [
          options.deployer,
        ]);
        result.set(chain.chainId, {
          layerZeroMessenger,
          wormholeMessenger,
          modelTerms,
          modelRegistry,
          slaOracle,
          hostBond,
          revenueLedger,
          escrow,
          messageRouter,
        });
      } else {
        say("deploy escrow");
        const escrow = await deploy("Escrow", escrowAbi, escrowBytecode, [
          options.deployer,
          chain.stablecoin.address,
          chain.chainId,
          home.chainId,
        ]);
        result.set(chain.chainId, { layerZeroMessenger, wormholeMessenger, escrow });
      }
    }),
  );

  await Promise.all(
    options.chains.map(async (chain) => {
      progress(`${chain.name}: wire peers, emitters and messengers`);
      await wireChain(options, chain, home, result);
    }),
  );
  return result;
}

async function wireChain(
  options: DeploySlabridgeOptions,
  chain: EvmDevnetChain,
  home: EvmDevnetChain,
  deployed: Map<number, SlabridgeChainContracts>,
): Promise<void> {
  const clients = options.clients(chain.chainId);
  const wallet = clients.wallet(options.deployer);
  const mine = contractsOf(deployed, chain.chainId);
  const send = (label: string, write: () => Promise<Hex>) =>
    submitTransaction(clients.publicClient, `${chain.name}: ${label}`, write);
  const lz = { address: mine.layerZeroMessenger, abi: layerZeroMessengerAbi } as const;
  const wh = { address: mine.wormholeMessenger, abi: wormholeMessengerAbi } as const;
  const enforced = Options.newOptions().addExecutorLzReceiveOption(LZ_RECEIVE_GAS, 0).toHex() as Hex;

  // Home talks to every payment chain and back; payment chains talk to home only.
  const peers = chain.chainId === home.chainId ? options.chains.filter((other) => other !== chain) : [home];
  for (const peer of peers) {
    const theirs = contractsOf(deployed, peer.chainId);
    await send("LayerZero setChain", () =>
      wallet.writeContract({ ...lz, functionName: "setChain", args: [peer.chainId, peer.layerZero.eid] }),
    );
    await send("LayerZero setPeer", () =>
      wallet.writeContract({
        ...lz,
        functionName: "setPeer",
        args: [peer.layerZero.eid, pad(theirs.layerZeroMessenger)],
      }),
    );
    await send("LayerZero setEnforcedOptions", () =>
      wallet.writeContract({
        ...lz,
        functionName: "setEnforcedOptions",
        args: [[{ eid: peer.layerZero.eid, msgType: 1, options: enforced }]],
      }),
    );
    await send("Wormhole setEmitter", () =>
      wallet.writeContract({
        ...wh,
        functionName: "setEmitter",
        args: [peer.wormhole.wormholeChainId, pad(theirs.wormholeMessenger), peer.chainId],
      }),
    );
  }

  if (chain.chainId === home.chainId) {
    const registry = required(mine.modelRegistry, "modelRegistry");
    const oracle = required(mine.slaOracle, "slaOracle");
    const ledger = required(mine.revenueLedger, "revenueLedger");
    await send("Wormhole setEmitter (Solana)", () =>
      wallet.writeContract({
        ...wh,
        functionName: "setEmitter",
        args: [WORMHOLE_SOLANA_CHAIN, options.solanaEmitter, SOLANA_CHAIN_ID],
      }),
    );
    for (const messenger of [lz.address, wh.address]) {
      const config = { address: messenger, abi: messengerConfigAbi } as const;
      await send("messenger setReceiver(ledger)", () =>
        wallet.writeContract({ ...config, functionName: "setReceiver", args: [ledger] }),
      );
      for (const sender of [registry, oracle]) {
        await send("messenger setSender", () =>
          wallet.writeContract({ ...config, functionName: "setSender", args: [sender, true] }),
        );
      }
      await send("ledger setMessenger", () =>
        wallet.writeContract({
          address: ledger,
          abi: revenueLedgerAbi,
          functionName: "setMessenger",
          args: [messenger, true],
        }),
      );
      await send("registry setMessenger", () =>
        wallet.writeContract({
          address: registry,
          abi: modelRegistryAbi,
          functionName: "setMessenger",
          args: [messenger, true],
        }),
      );
      await send("oracle setMessenger", () =>
        wallet.writeContract({
          address: oracle,
          abi: slaOracleAbi,
          functionName: "setMessenger",
          args: [messenger, true],
        }),
      );
    }
    await send("registry setSlaOracle", () =>
      wallet.writeContract({ address: registry, abi: modelRegistryAbi, functionName: "setSlaOracle", args: [oracle] }),
    );
    const hostBond = required(mine.hostBond, "hostBond");
    // Every chain verdicts go to holds escrow: the slash is split over all of them by their receipts.
    const paymentChains = [...options.chains.map((c) => c.chainId), SOLANA_CHAIN_ID];
    await send("hostBond setPaymentChains", () =>
      wallet.writeContract({
        address: hostBond,
        abi: hostBondAbi,
        functionName: "setPaymentChains",
        args: [paymentChains],
      }),
    );
    await send("oracle setHostBond", () =>
      wallet.writeContract({ address: oracle, abi: slaOracleAbi, functionName: "setHostBond", args: [hostBond] }),
    );
    for (const [vaultChain, vault] of options.nettingVaults ?? []) {
      await send(`registry setNettingVault(${vaultChain})`, () =>
        wallet.writeContract({
          address: registry,
          abi: modelRegistryAbi,
          functionName: "setNettingVault",
          args: [vaultChain, vault],
        }),
      );
    }
    await wireHomeEscrow(options, chain, mine, send);
  } else {
    const escrow = required(mine.escrow, "escrow");
    for (const messenger of [lz.address, wh.address]) {
      const config = { address: messenger, abi: messengerConfigAbi } as const;
      await send("messenger setReceiver(escrow)", () =>
        wallet.writeContract({ ...config, functionName: "setReceiver", args: [escrow] }),
      );
      await send("messenger setSender(escrow)", () =>
        wallet.writeContract({ ...config, functionName: "setSender", args: [escrow, true] }),
      );
      await send("escrow setMessenger", () =>
        wallet.writeContract({
          address: escrow,
          abi: escrowAbi,
          functionName: "setMessenger",
          args: [messenger, true],
        }),
      );
    }
  }
  // The chain's netting vault advances bond top-ups: the escrow pulls them from it (it approves the escrow itself).
  const vault = options.nettingVaults?.get(chain.chainId);
  if (vault) {
    const funder = getAddress(`0x${vault.slice(-40)}`);
    await send("escrow setTopUpFunder", () =>
      wallet.writeContract({
        address: required(mine.escrow, "escrow"),
        abi: escrowAbi,
        functionName: "setTopUpFunder",
        args: [funder],
      }),
    );
  }
}

/**
 * The home chain's own escrow: its Wormhole messenger trusts its own emitter for this chain and delivers to a
 * MessageRouter, which hands receipt batches to the ledger and listings, verdicts and payouts to the escrow (both
 * check that the source is this chain). The escrow sends its receipt batches through the same messenger.
 */
async function wireHomeEscrow(
  options: DeploySlabridgeOptions,
  chain: EvmDevnetChain,
  mine: SlabridgeChainContracts,
  send: (label: string, write: () => Promise<Hex>) => Promise<unknown>,
): Promise<void> {
  const wallet = options.clients(chain.chainId).wallet(options.deployer);
  const escrow = required(mine.escrow, "home escrow");
  const router = required(mine.messageRouter, "messageRouter");
  const ledger = required(mine.revenueLedger, "revenueLedger");
  const wh = { address: mine.wormholeMessenger, abi: wormholeMessengerAbi } as const;
  const routerContract = { address: router, abi: messageRouterAbi } as const;
  await send("Wormhole setEmitter (self)", () =>
    wallet.writeContract({
      ...wh,
      functionName: "setEmitter",
      args: [chain.wormhole.wormholeChainId, pad(mine.wormholeMessenger), chain.chainId],
    }),
  );
  await send("router setMessenger(Wormhole)", () =>
    wallet.writeContract({ ...routerContract, functionName: "setMessenger", args: [mine.wormholeMessenger, true] }),
  );
  // MessageCodec kinds: 1 ModelListing, 2 ReceiptBatch, 3 Verdict, 4 Payout.
  for (const [kind, target] of [
    [1, escrow],
    [2, ledger],
    [3, escrow],
    [4, escrow],
  ] as const) {
    await send(`router setRoute(${kind})`, () =>
      wallet.writeContract({ ...routerContract, functionName: "setRoute", args: [kind, target] }),
    );
  }
  await send("ledger setMessenger(router)", () =>
    wallet.writeContract({
      address: ledger,
      abi: revenueLedgerAbi,
      functionName: "setMessenger",
      args: [router, true],
    }),
  );
  // The router delivers to the escrow; the messenger is what the escrow sends its receipt batches through.
  for (const messenger of [router, mine.wormholeMessenger]) {
    await send("home escrow setMessenger", () =>
      wallet.writeContract({ address: escrow, abi: escrowAbi, functionName: "setMessenger", args: [messenger, true] }),
    );
  }
  await send("Wormhole setSender(home escrow)", () =>
    wallet.writeContract({
      address: mine.wormholeMessenger,
      abi: messengerConfigAbi,
      functionName: "setSender",
      args: [escrow, true],
    }),
  );
  await send("Wormhole setReceiver(router)", () =>
    wallet.writeContract({
      address: mine.wormholeMessenger,
      abi: messengerConfigAbi,
      functionName: "setReceiver",
      args: [router],
    }),
  );
}

/** Deploys slabridge contracts from the deployer account, one mined deployment at a time. */
export function deployerFor(clients: DevnetClients, deployer: Address) {
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

function contractsOf(deployed: Map<number, SlabridgeChainContracts>, chainId: number): SlabridgeChainContracts {
  const contracts = deployed.get(chainId);
  if (!contracts) throw new EvmDevnetError("invalid-config", `no slabridge contracts on chain ${chainId}`);
  return contracts;
}

function required(address: Address | undefined, name: string): Address {
  if (!address) throw new EvmDevnetError("invalid-config", `${name} was not deployed`);
  return address;
}
