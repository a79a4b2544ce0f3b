import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  escrowAbi,
  hostBondAbi,
  layerZeroMessengerAbi,
  modelRegistryAbi,
  wormholeMessengerAbi,
} from "@slabridge/contracts";
import {
  type DeploymentManifest,
  encodeMessage,
  type KeyReference,
  parseDeploymentManifest,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import { DeployState, deploySlabridge, deploySolanaVault } from "@slabridge/deploy";
import { anvilDevAccount } from "@slabridge/evm";
import { kmsSolanaSigner } from "@slabridge/solana";
import { Connection, Keypair, LAMPORTS_PER_SOL } from "@solana/web3.js";
import {
  type Account,
  type Address,
  erc20Abi,
  type Hex,
  type LocalAccount,
  pad,
  parseAbi,
  parseEventLogs,
  toHex,
} from "viem";
import { type LocalDynamo, startLocalDynamo } from "./dynamo/startLocalDynamo.ts";
import type { DevnetClients } from "./evm/devnetClients.ts";
import { reachTimestamp } from "./evm/reachTimestamp.ts";
import type { KeyReference as EvmKeyReference } from "./evm/startEvmDevnet.ts";
import { defaultEvmDevnetChains, type EvmDevnet, type EvmDevnetChain, startEvmDevnet } from "./evm/startEvmDevnet.ts";
import { submitTransaction } from "./evm/submitTransaction.ts";
import { type DevnetGuardian, startDevnetGuardian } from "./guardian/startDevnetGuardian.ts";
import { type DemoHostPreset, demoHostPresets } from "./hosts/demoHostPresets.ts";
import { type DemoHost, startDemoHost } from "./hosts/startDemoHost.ts";
import {
  createDevnetKmsKeys,
  createDevnetKmsSolanaKeys,
  type DevnetKmsKey,
  localKmsClient,
} from "./kms/createDevnetKmsKeys.ts";
import { type LocalKms, startLocalKms } from "./kms/startLocalKms.ts";
import { DEMO_VERDICT_GRACE_EPOCHS, mintDemoModel } from "./slabridge/mintDemoModel.ts";
import { createStablecoinMint, mintStablecoin } from "./solana/createStablecoinFixture.ts";
import { SolanaLocalRpc } from "./solana/SolanaLocalRpc.ts";
import { placeX402StandIn } from "./x402/placeX402StandIn.ts";

/** Options of {@link startDevnet}. */
export interface StartDevnetOptions {
  /** Folder for the manifest and the devnet's key files (default: a fresh temp folder). */
  dir?: string;
  /** Epoch length of the demo models, in seconds (default 10). */
  epochSeconds?: number;
  /** Demo hosts to start, one model each (default: healthy, slowP95, poorUptime). */
  hosts?: readonly DemoHostPreset[];
  /** Called at every step, with the time since start. */
  onProgress?: (step: string, elapsedMs: number) => void;
  /**
   * Starts these EVM chains' clocks this many seconds behind the wall clock, by chain id (tests of clock skew: an
   * anvil's own start can leave it a second behind the others).
   */
  evmClockLagSeconds?: Readonly<Record<number, number>>;
  /**
   * What each demo model's host stakes on the home chain's HostBond (6 decimals; default none). With a bond, a
   * breached epoch's verdict waits for every payment chain's receipts (its slash is split by them), which the main
   * job's bot relays; tests that drive single chains by hand leave it out.
   */
  hostBond?: bigint;
  /**
   * Pay per call (x402): the batch-settlement stand-in at its canonical addresses on every EVM chain, then the deploy
   * command's plan run again once the demo models are listed, which gives each its `SlaReceiver` on every EVM chain,
   * reached through the chain's MessageRouter (default off: the escrow alone takes payments).
   */
  payPerCall?: boolean;
  /**
   * The demo models' verdict grace in epochs: how long after an epoch's end its verdict may take before buyers get
   * their payments back in full without one (default 2).
   */
  verdictGraceEpochs?: number;
  /**
   * Who signs for slabridge's operator roles (deployer, LayerZero DVN and executor, probers, EVM netting vaults, the
   * x402 facilitator, the probers' payers). `"kms"` (default): one secp256k1 key per role in the devnet's KMS
   * stand-in, named in the manifest as `kms` keys, so every handler signs through `@aws-sdk/client-kms` as in AWS.
   * `"anvil"`: anvil's node-unlocked dev accounts, for tests that play those roles by hand with the node's keys.
   */
  signer?: "kms" | "anvil";
}

/** The bond `npm start` and `npm run devnet` give each demo model (0.5 of the stablecoin). */
export const DEMO_HOST_BOND = 500_000n;

/** A running devnet: the manifest plus handles on every service, for tests and the main job. */
export interface Devnet {
  manifest: DeploymentManifest;
  manifestPath: string;
  /** Where the key files live (mode 0600). */
  dir: string;
  evm: EvmDevnet;
  solana: SolanaLocalRpc;
  guardian: DevnetGuardian;
  dynamo: LocalDynamo;
  /** The KMS stand-in holding the roles' keys (absent with `signer: "anvil"`): handlers sign through its endpoint. */
  kms?: Pick<LocalKms, "endpoint">;
  hosts: DemoHost[];
  /** Wall time from the call to ready, in ms. */
  startupMs: number;
  /** Stops everything this devnet started; safe to call twice. */
  stop(): Promise<void>;
}

const HOME_CHAIN_ID = 31_338;
const PAYMENT_CHAIN_ID = 31_337;
/** 0.01 stablecoin (6 decimals) per inference request. */
const PRICE_PER_REQUEST = 10_000n;
const PROTOCOL_FEE_BPS = 100;
const PROBERS = 3;
const PROBER_THRESHOLD = 2;
const SOLANA_OPERATORS = 3;
const SOLANA_THRESHOLD = 2;
const BUYERS = 3;
/** Host bonds: a breached epoch slashes 10 % of the bond; an unlock takes effect after 2 epochs' notice. */
const BOND_SLASH_BPS = 1_000;
const BOND_NOTICE_EPOCHS = 2;
/** The Solana vault's own float (6 decimals): it advances Solana buyers' bond top-ups before value is netted in. */
const SOLANA_VAULT_FLOAT = 1_000_000_000n;
/** One dedicated key per EVM chain receives the payouts of payees paid out elsewhere (netting vault). */
const NETTING_VAULTS = 2;
/** The shortest epoch the devnet's registry accepts (tests run 1 s epochs). */
const DEVNET_MIN_EPOCH_SECONDS = 1;
/** The deployment state file in the devnet's folder: `npm run deploy -- --stage devnet` resumes from it. */
const DEPLOY_STATE_FILE = "deploy-state.json";
const logMessagePublished = parseAbi([
  "event LogMessagePublished(address indexed sender, uint64 sequence, uint32 nonce, bytes payload, uint8 consistencyLevel)",
]);

/**
 * Starts the whole local world on 127.0.0.1: two anvil chains with the real LayerZero V2 and Wormhole contracts
 * (payment chain evm-a, home chain evm-b), slabridge's contracts deployed and wired, one demo model per demo host
 * listed on evm-a's escrow over LayerZero and on the home chain's own escrow over Wormhole self-delivery (buyers pay
 * on both), netting vaults per chain set on the registry (a dedicated key on EVM, the vault on Solana); LiteSVM
 * behind a loopback Solana RPC with a stablecoin and a multisig vault; the devnet guardian; a DynamoDB-compatible
 * server with slabridge's tables; by default a KMS stand-in holding a key per operator role, which the contracts are
 * deployed with and the manifest names (see `signer`). Writes a manifest validated by the shared schema.
 *
 * @example const devnet = await startDevnet({ onProgress: (step) => console.log(step) }); await devnet.stop();
 */
export async function startDevnet(options: StartDevnetOptions = {}): Promise<Devnet> {
  const started = performance.now();
  const progress = (step: string) => options.onProgress?.(step, Math.round(performance.now() - started));
  const epochSeconds = options.epochSeconds ?? 10;
  const presets = options.hosts ?? (["healthy", "slowP95", "poorUptime"] as const);
  const dir = options.dir ?? path.join(tmpdir(), `slabridge-devnet-${process.pid}-${Date.now()}`);
  mkdirSync(path.join(dir, "keys"), { recursive: true, mode: 0o700 });

  const stops: Array<() => Promise<void>> = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    const results = await Promise.allSettled(stops.reverse().map((close) => close()));
    const failed = results.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
  };

  try {
    const signer = options.signer ?? "kms";
    progress(
      signer === "kms"
        ? "starting anvil chains, the KMS stand-in with a key per role, Solana, DynamoDB and demo hosts"
        : "starting anvil chains, Solana, DynamoDB and demo hosts",
    );
    // The LayerZero DVN is part of the ULN config the chains are deployed with: its key exists before them.
    const kmsStarted =
      signer === "kms"
        ? startLocalKms().then(async (kms) => {
            stops.push(() => kms.stop());
            const roles = await createDevnetKmsKeys(localKmsClient(kms.endpoint), kmsRoleNames(defaultEvmDevnetChains));
            return { kms, ...kmsRolesOf(roles, defaultEvmDevnetChains) };
          })
        : Promise.resolve(undefined);
    const [evm, solana, dynamo, hosts, kms] = await Promise.all([
      kmsStarted.then((kms) =>
        startEvmDevnet({
          chains: defaultEvmDevnetChains.map((chain) => {
            const lag = options.evmClockLagSeconds?.[chain.chainId];
            return lag === undefined ? chain : { ...chain, clockLagSeconds: lag };
          }),
          // The prober payers come last, so adding them moved no other account.
          demoAccounts: PROBERS + 2 + BUYERS + NETTING_VAULTS + 1 + PROBERS,
          ...(kms
            ? {
                layerZeroKeys: kms.layerZeroKeys,
                fund: kms.funded,
              }
            : {}),
          onProgress: progress,
        }).then((devnet) => {
          stops.push(() => devnet.stop());
          return devnet;
        }),
      ),
      SolanaLocalRpc.start().then((rpc) => {
        stops.push(() => rpc.close());
        return rpc;
      }),
      startLocalDynamo({ tablePrefix: "slabridge-devnet-" }).then((db) => {
        stops.push(() => db.close());
        return db;
      }),
      Promise.all(
        presets.map((preset, i) =>
          startDemoHost({ name: preset, model: `demo-model-${i + 1}`, seed: i + 1, ...demoHostPresets[preset] }).then(
            (host) => {
              stops.push(() => host.close());
              return host;
            },
          ),
        ),
      ),
      kmsStarted,
    ]);

    const { keys } = evm.manifest;
    const demo = keys.demo;
    // Anvil's dev accounts keep their places with KMS keys too (the buyers' indices do not move); with KMS, the
    // operator roles' accounts among them go unused.
    const anvilProbers = demo.slice(0, PROBERS);
    const creator = at(demo, PROBERS);
    const hostSigner = at(demo, PROBERS + 1);
    const evmBuyers = demo.slice(PROBERS + 2, PROBERS + 2 + BUYERS);
    const anvilVaults = demo.slice(PROBERS + 2 + BUYERS, PROBERS + 2 + BUYERS + NETTING_VAULTS);
    const roles: DevnetRoles = kms?.roles ?? {
      deployer: { ref: keys.deployer, account: evm.deployerAccount },
      layerZeroDvn: anvilRole(keys.layerZeroDvn),
      layerZeroExecutor: anvilRole(keys.layerZeroExecutor),
      probers: anvilProbers.map(anvilRole),
      nettingVaults: anvilVaults.map(anvilRole),
      // Submits x402 deposits for the gateways (its own nonce sequence, apart from the relay bot's executor).
      x402Facilitator: anvilRole(at(demo, PROBERS + 2 + BUYERS + NETTING_VAULTS)),
      // Each prober pays gateway-sold models as a buyer with its own funded account (never its signing key).
      proberPayers: demo
        .slice(PROBERS + 2 + BUYERS + NETTING_VAULTS + 1, PROBERS + 2 + BUYERS + NETTING_VAULTS + 1 + PROBERS)
        .map(anvilRole),
    };
    const deployer = roles.deployer.account.address;

    progress("solana: stablecoin mint, funded buyers");
    // The vault multisig's operators: Ed25519 keys in the KMS stand-in (as in AWS), or key files with `signer: "anvil"`.
    // So is the Solana deployer, which pays for the vault's accounts (their addresses derive from its key).
    const solanaKeys = kms
      ? await createDevnetKmsSolanaKeys(localKmsClient(kms.kms.endpoint), [
          ...Array.from({ length: SOLANA_OPERATORS }, (_, i) => `solana-operator-${i}`),
          "solana-deployer",
        ])
      : Array.from({ length: SOLANA_OPERATORS + 1 }, (_, i) => {
          const key = Keypair.generate();
          const name = i < SOLANA_OPERATORS ? `solana-operator-${i}` : "solana-deployer";
          return { ref: writeKeyFile(dir, name, key), publicKey: key.publicKey, key };
        });
    const operators = solanaKeys.slice(0, SOLANA_OPERATORS);
    const solanaDeployer = required(solanaKeys[SOLANA_OPERATORS], "the Solana deployer");
    const solanaBuyers = Array.from({ length: BUYERS }, () => Keypair.generate());
    // The mint is the devnet's (protocol side, like the EVM chains' tokens); the vault is the deploy command's.
    const stablecoin = createStablecoinMint(solana, { buyers: solanaBuyers });
    solana.airdrop(solanaDeployer.publicKey, LAMPORTS_PER_SOL);
    // Fresh chains every start: a state file left by an earlier devnet in this folder names accounts gone with it.
    const statePath = path.join(dir, DEPLOY_STATE_FILE);
    rmSync(statePath, { force: true });
    progress(
      `solana: the vault's ${SOLANA_THRESHOLD}-of-${SOLANA_OPERATORS} multisig and token account (the deploy command's)`,
    );
    const { accounts: solanaAccounts } = await deploySolanaVault({
      plan: {
        name: "solana",
        chainId: SOLANA_CHAIN_ID,
        mint: stablecoin.mint,
        operators: operators.map((operator) => operator.publicKey),
        threshold: SOLANA_THRESHOLD,
      },
      connection: new Connection(solana.url, "confirmed"),
      payer:
        "key" in solanaDeployer
          ? solanaDeployer.key
          : kmsSolanaSigner({
              kms: localKmsClient(required(kms, "the KMS").kms.endpoint),
              keyId: solanaDeployer.ref.keyId,
              publicKey: solanaDeployer.ref.publicKey,
            }),
      state: DeployState.open(statePath, { stage: "devnet", deployer }),
      pollIntervalMs: 10,
    });
    const solanaVault = required(solanaAccounts, "the Solana vault's accounts");
    // like the EVM vaults' accounts: the operators' float, from which the vault advances buyers' bond top-ups
    mintStablecoin(solana, stablecoin, solanaVault.vault, SOLANA_VAULT_FLOAT);
    const operatorRefs = operators.map((operator) => operator.ref);
    const solanaBuyerRefs = solanaBuyers.map((key, i) => writeKeyFile(dir, `solana-buyer-${i}`, key));
    const solanaEmitter = toHex(solanaVault.multisig.toBytes());

    // EVM: a dedicated dev account per chain. Solana: the vault token account itself (payouts netted there stay in
    // the vault; the Solana payout code transfers out of the vault, so it names the vault as the destination).
    const nettingVaults: Array<{ chainId: number; account: Hex; key?: KeyReference }> = [
      ...evm.manifest.chains.map((chain, i) => {
        const vault = at(roles.nettingVaults, i);
        return { chainId: chain.chainId, account: pad(addressOf(vault.signer)), key: vault.ref };
      }),
      { chainId: SOLANA_CHAIN_ID, account: toHex(solanaVault.vault.toBytes()) },
    ];
    const chainOf = (chainId: number) => {
      const chain = evm.manifest.chains.find((c) => c.chainId === chainId);
      if (!chain) throw new Error(`devnet: chain ${chainId} missing`);
      return chain;
    };
    // slabridge's contracts go through `npm run deploy`'s code path, signed by the deployer's key (not by anvil).
    let deploySteps = 0;
    const deploy = (onProgress: (line: string) => void) =>
      deploySlabridge({
        stage: "devnet",
        chains: evm.manifest.chains.map((chain) => ({
          name: chain.name,
          chainId: chain.chainId,
          layerZero: { eid: chain.layerZero.eid, endpointV2: chain.layerZero.endpointV2 },
          wormhole: { chainId: chain.wormhole.wormholeChainId, core: chain.wormhole.core },
          stablecoin: chain.stablecoin.address,
        })),
        parameters: {
          homeChainId: HOME_CHAIN_ID,
          probers: roles.probers.map((prober) => addressOf(prober.signer)),
          proberThreshold: PROBER_THRESHOLD,
          solanaEmitter,
          minEpochSeconds: DEVNET_MIN_EPOCH_SECONDS,
          protocolFee: { minBps: PROTOCOL_FEE_BPS, recipient: deployer },
          nettingVaults: new Map(nettingVaults.map((vault) => [vault.chainId, vault.account])),
          hostBond: { slashBps: BOND_SLASH_BPS, noticeEpochs: BOND_NOTICE_EPOCHS },
        },
        // Pay per call: the relay bot's executor claims the receivers' vouchers; the gateway's facilitator key
        // signs buyers' cooperative refunds; no guardian (the owner alone pauses).
        payPerCall: options.payPerCall
          ? {
              operator: addressOf(roles.layerZeroExecutor.signer),
              authorizer: addressOf(roles.x402Facilitator.signer),
            }
          : undefined,
        clients: new Map(evm.manifest.chains.map((chain) => [chain.chainId, evm.clients(chain.chainId).publicClient])),
        account: roles.deployer.account,
        // The vaults approve the escrows' and receivers' bond top-ups with their own keys (deploy command steps).
        vaultAccounts: new Map(
          evm.manifest.chains.map((chain, i) => [chain.chainId, localAccountOf(at(roles.nettingVaults, i))]),
        ),
        statePath,
        onProgress,
      });
    // One line per step is what `npm run deploy` prints; the devnet's story needs only that it happens.
    let { contracts } = await deploy(() => {
      if (deploySteps++ === 0) progress("slabridge: deploy and wire the contracts (the deploy command's plan)");
    });
    progress(`slabridge: ${deploySteps} deploy and wiring steps done`);
    const home = required(contracts.get(HOME_CHAIN_ID), "home contracts");
    const payment = required(contracts.get(PAYMENT_CHAIN_ID), "payment contracts");
    const registry = required(home.modelRegistry, "registry");

    progress(`${chainOf(HOME_CHAIN_ID).name}: mint ${hosts.length} demo models (epoch ${epochSeconds}s)`);
    const homeClients = evm.clients(HOME_CHAIN_ID);
    const models: DeploymentManifest["models"] = [];
    for (const host of hosts) {
      const modelId = await mintDemoModel({
        clients: homeClients,
        registry,
        creator: creator.address,
        hostSigner: hostSigner.address,
        hostEndpoint: host.url,
        name: host.name,
        epochSeconds,
        pricePerRequest: PRICE_PER_REQUEST,
        protocolFeeBps: PROTOCOL_FEE_BPS,
        homeChainId: HOME_CHAIN_ID,
        ...(options.verdictGraceEpochs === undefined ? {} : { verdictGraceEpochs: options.verdictGraceEpochs }),
        hostPayout: { chainId: PAYMENT_CHAIN_ID, account: pad(hostSigner.address) },
        dataContributorSolana: toHex(solanaBuyers[0]?.publicKey.toBytes() ?? new Uint8Array(32)),
      });
      const core = await homeClients.publicClient.readContract({
        address: registry,
        abi: modelRegistryAbi,
        functionName: "coreOf",
        args: [modelId],
      });
      if (options.hostBond !== undefined && options.hostBond > 0n) {
        await depositDemoBond(homeClients, chainOf(HOME_CHAIN_ID), required(home.hostBond, "hostBond"), {
          host: hostSigner.address,
          modelId,
          amount: options.hostBond,
        });
      }
      models.push({
        modelId: modelId.toString(),
        homeChainId: HOME_CHAIN_ID,
        genesis: Number(core.genesis),
        epochSeconds,
        hostName: host.name,
        hostUrl: host.url,
        pricePerRequest: PRICE_PER_REQUEST.toString(),
      });
    }

    progress("start the devnet guardian (observes both Wormhole cores)");
    const guardian = await startDevnetGuardian({
      chains: evm.manifest.chains.map((chain) => ({
        wormholeChainId: chain.wormhole.wormholeChainId,
        rpcUrl: chain.rpcUrl,
        evmChainId: chain.chainId,
        core: chain.wormhole.core,
      })),
    });
    stops.push(() => guardian.close());

    progress("list the demo models on evm-a over LayerZero (DVN verify, commit, lzReceive)");
    const relayer = evm.layerZeroRelayer(HOME_CHAIN_ID, PAYMENT_CHAIN_ID);
    for (const model of models) {
      await publishListing(evm, registry, home.layerZeroMessenger, BigInt(model.modelId), model, relayer);
    }
    progress("list the demo models on the home chain's own escrow over Wormhole (self-delivered VAA)");
    for (const model of models) {
      await publishHomeListing(evm, guardian, registry, home.wormholeMessenger, BigInt(model.modelId));
    }
    for (const [chainId, deployed] of [
      [PAYMENT_CHAIN_ID, payment],
      [HOME_CHAIN_ID, home],
    ] as const) {
      const escrow = required(deployed.escrow, `escrow of ${chainId}`);
      for (const model of models) {
        const listing = await evm.clients(chainId).publicClient.readContract({
          address: escrow,
          abi: escrowAbi,
          functionName: "listing",
          args: [BigInt(model.modelId)],
        });
        if (Number(listing.epochSeconds) !== epochSeconds) {
          throw new Error(`devnet: model ${model.modelId} is not listed on the escrow of ${chainId} after relaying`);
        }
      }
    }

    if (options.payPerCall) {
      progress("pay per call: the x402 batch-settlement stand-in at its canonical addresses on each EVM chain");
      await Promise.all(evm.manifest.chains.map((chain) => placeX402StandIn(evm.clients(chain.chainId))));
      // The deploy command's re-run: every model now listed on a chain gets its SLA receiver there, wired.
      let receiverSteps = 0;
      ({ contracts } = await deploy((line) => {
        if (!line.endsWith("done earlier")) receiverSteps++;
      }));
      progress(`pay per call: an SLA receiver per model on each EVM chain (${receiverSteps} deploy command steps)`);
      // The deploy command's approvals: each vault lets each receiver pull its bond top-ups.
      for (const chain of evm.manifest.chains) {
        const receivers = Object.keys(contracts.get(chain.chainId)?.slaReceivers ?? {});
        if (receivers.length !== models.length) {
          throw new Error(`devnet: ${chain.name} has ${receivers.length} SLA receivers for ${models.length} models`);
        }
      }
    }

    // Genesis is the home chain's clock at mint; another anvil's clock may lag it (its start can leave it a second
    // behind), and until it reaches genesis its escrow refuses payments (BeforeGenesis). Ready means payable.
    const latestGenesis = models.reduce((latest, model) => Math.max(latest, model.genesis), 0);
    for (const chain of evm.manifest.chains) await reachTimestamp(evm.clients(chain.chainId), BigInt(latestGenesis));

    const manifest = parseDeploymentManifest({
      version: 1,
      network: "devnet",
      createdAt: new Date().toISOString(),
      homeChainId: HOME_CHAIN_ID,
      chains: [
        ...evm.manifest.chains.map((chain) => {
          const deployed = required(contracts.get(chain.chainId), `contracts of ${chain.chainId}`);
          return {
            family: "evm" as const,
            name: chain.name,
            chainId: chain.chainId,
            rpcUrl: chain.rpcUrl,
            confirmations: chain.layerZero.confirmations,
            layerZero: {
              eid: chain.layerZero.eid,
              endpointV2: chain.layerZero.endpointV2,
              sendUln302: chain.layerZero.sendUln302,
              receiveUln302: chain.layerZero.receiveUln302,
            },
            wormhole: { chainId: chain.wormhole.wormholeChainId, core: chain.wormhole.core },
            stablecoin: {
              address: chain.stablecoin.address,
              decimals: chain.stablecoin.decimals,
              symbol: chain.stablecoin.symbol,
            },
            contracts: {
              ...(deployed.escrow ? { escrow: deployed.escrow } : {}),
              ...(deployed.revenueLedger ? { revenueLedger: deployed.revenueLedger } : {}),
              ...(deployed.modelRegistry ? { modelRegistry: deployed.modelRegistry } : {}),
              ...(deployed.slaOracle ? { slaOracle: deployed.slaOracle } : {}),
              ...(deployed.hostBond ? { hostBond: deployed.hostBond } : {}),
              ...(deployed.messageRouter ? { messageRouter: deployed.messageRouter } : {}),
              ...(deployed.slaReceiverFactory ? { slaReceiverFactory: deployed.slaReceiverFactory } : {}),
              ...(deployed.slaReceivers && deployed.x402Channels
                ? { slaReceivers: deployed.slaReceivers, x402Channels: deployed.x402Channels }
                : {}),
              layerZeroMessenger: deployed.layerZeroMessenger,
              wormholeMessenger: deployed.wormholeMessenger,
            },
          };
        }),
        {
          family: "solana" as const,
          name: "solana",
          chainId: SOLANA_CHAIN_ID,
          rpcUrl: solana.url,
          wsUrl: solana.wsUrl,
          mint: stablecoin.mint.toBase58(),
          decimals: stablecoin.decimals,
          vault: solanaVault.vault.toBase58(),
          multisig: solanaVault.multisig.toBase58(),
          threshold: SOLANA_THRESHOLD,
          operators: operatorRefs,
          wormholeEmitter: solanaEmitter,
        },
      ],
      guardian: { apiUrl: guardian.url, guardianSetIndex: 0 },
      dynamo: { endpoint: dynamo.endpoint, region: "us-east-1", tables: dynamo.tableNames },
      hosts: hosts.map((host, i) => ({
        name: host.name,
        url: host.url,
        preset: presets[i] ?? host.name,
        modelId: models[i]?.modelId ?? "0",
      })),
      models,
      keys: {
        deployer: roles.deployer.ref,
        layerZeroDvn: roles.layerZeroDvn.ref,
        layerZeroExecutor: roles.layerZeroExecutor.ref,
        wormholeGuardian: keys.wormholeGuardian,
        probers: roles.probers.map((prober) => prober.ref),
        proberThreshold: PROBER_THRESHOLD,
        demoBuyers: [...evmBuyers, ...solanaBuyerRefs],
        nettingVaults,
        ...(options.payPerCall
          ? {
              x402Facilitator: roles.x402Facilitator.ref,
              proberPayers: roles.proberPayers.map((payer) => payer.ref),
            }
          : {}),
      },
    } satisfies DeploymentManifest);
    const manifestPath = path.join(dir, "manifest.json");
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    const startupMs = Math.round(performance.now() - started);
    progress(`ready in ${(startupMs / 1000).toFixed(1)} s`);
    return {
      manifest,
      manifestPath,
      dir,
      evm,
      solana,
      guardian,
      dynamo,
      ...(kms ? { kms: { endpoint: kms.kms.endpoint } } : {}),
      hosts,
      startupMs,
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

async function publishListing(
  evm: EvmDevnet,
  registry: Address,
  messenger: Address,
  modelId: bigint,
  model: DeploymentManifest["models"][number],
  relayer: ReturnType<EvmDevnet["layerZeroRelayer"]>,
): Promise<void> {
  const clients = evm.clients(HOME_CHAIN_ID);
  const message = encodeMessage({
    kind: "ModelListing",
    modelId,
    genesis: BigInt(model.genesis),
    epochSeconds: BigInt(model.epochSeconds),
    fromEpoch: 0n,
    pricePerRequest: BigInt(model.pricePerRequest),
    active: true,
    // the quote depends on the message length only: the first terms version, the demo grace
    version: 1,
    verdictGraceEpochs: DEMO_VERDICT_GRACE_EPOCHS,
  });
  const fee = await clients.publicClient.readContract({
    address: messenger,
    abi: layerZeroMessengerAbi,
    functionName: "quote",
    args: [PAYMENT_CHAIN_ID, message],
  });
  const [anyone] = await clients.accounts();
  if (!anyone) throw new Error("devnet: no account to publish listings with");
  const receipt = await submitTransaction(clients.publicClient, `publish listing of model ${modelId}`, () =>
    clients.wallet(anyone).writeContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "publishListing",
      args: [modelId, PAYMENT_CHAIN_ID, messenger],
      value: fee,
    }),
  );
  const outcomes = await relayer.relayReceipt(receipt);
  if (outcomes.length !== 1 || outcomes[0]?.status !== "delivered") {
    throw new Error(`devnet: listing of model ${modelId} was not delivered (${outcomes.map((o) => o.status)})`);
  }
}

/**
 * Lists a model on the home chain's own escrow: LayerZero has no pathway to its own endpoint, so the registry sends
 * through the home Wormhole messenger to this chain, and the guardian's VAA is delivered back to the same messenger.
 */
async function publishHomeListing(
  evm: EvmDevnet,
  guardian: DevnetGuardian,
  registry: Address,
  messenger: Address,
  modelId: bigint,
): Promise<void> {
  const clients = evm.clients(HOME_CHAIN_ID);
  const chain = evm.manifest.chains.find((c) => c.chainId === HOME_CHAIN_ID);
  if (!chain) throw new Error("devnet: home chain missing");
  const [anyone] = await clients.accounts();
  if (!anyone) throw new Error("devnet: no account to publish listings with");
  // The Wormhole core's message fee (0 on the devnet); the registry pays the exact quote and returns the change.
  const fee = await clients.publicClient.readContract({
    address: chain.wormhole.core,
    abi: parseAbi(["function messageFee() view returns (uint256)"]),
    functionName: "messageFee",
  });
  const receipt = await submitTransaction(clients.publicClient, `publish home listing of model ${modelId}`, () =>
    clients.wallet(anyone).writeContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "publishListing",
      args: [modelId, HOME_CHAIN_ID, messenger],
      value: fee,
    }),
  );
  const [published] = parseEventLogs({ abi: logMessagePublished, logs: receipt.logs }).filter(
    (log) => log.address.toLowerCase() === chain.wormhole.core.toLowerCase(),
  );
  if (!published) throw new Error(`devnet: home listing of model ${modelId} published no Wormhole message`);
  const id = {
    chain: chain.wormhole.wormholeChainId,
    emitter: pad(messenger).slice(2).toLowerCase(),
    sequence: published.args.sequence,
  };
  let vaa = guardian.store.get(id);
  for (let i = 0; vaa === undefined && i < 50; i++) {
    await guardian.observer.pollOnce();
    vaa = guardian.store.get(id);
  }
  if (!vaa) throw new Error(`devnet: the guardian did not sign the home listing of model ${modelId}`);
  const vaaBytes = toHex(vaa);
  await submitTransaction(clients.publicClient, `deliver home listing of model ${modelId}`, () =>
    clients.wallet(anyone).writeContract({
      address: messenger,
      abi: wormholeMessengerAbi,
      functionName: "receiveVaa",
      args: [vaaBytes],
    }),
  );
}

function writeKeyFile(dir: string, name: string, key: Keypair): KeyReference {
  const file = path.join(dir, "keys", `${name}.json`);
  // Same format as the Solana CLI's keypair files; readable by the owner only.
  writeFileSync(file, JSON.stringify(Array.from(key.secretKey)), { mode: 0o600 });
  chmodSync(file, 0o600);
  return { kind: "devnet-key-file", path: file, publicKey: key.publicKey.toBase58() };
}

/** Who signs for one operator role: the manifest's reference and what the devnet's own set-up signs with. */
interface DevnetRole {
  ref: KeyReference;
  /** A KMS-backed account, or the address of an anvil account the node signs for. */
  signer: Account | Address;
}

/** slabridge's operator roles on the devnet (the deployer signs locally in both modes: the deploy command's way). */
interface DevnetRoles {
  deployer: { ref: KeyReference; account: LocalAccount };
  layerZeroDvn: DevnetRole;
  layerZeroExecutor: DevnetRole;
  probers: DevnetRole[];
  /** One per EVM chain, in chain order. */
  nettingVaults: DevnetRole[];
  x402Facilitator: DevnetRole;
  proberPayers: DevnetRole[];
}

/** A role's signer as an account that signs itself: its KMS account, or an anvil dev account's by its index. */
function localAccountOf(role: DevnetRole): LocalAccount {
  if (typeof role.signer !== "string" && role.signer.type === "local") return role.signer;
  if (role.ref.kind === "anvil-dev-account") return anvilDevAccount(role.ref.index);
  throw new Error(`devnet: no local account for key ${role.ref.kind}`);
}

function anvilRole(ref: EvmKeyReference): DevnetRole {
  return { ref, signer: ref.address };
}

function addressOf(signer: Account | Address): Address {
  return typeof signer === "string" ? signer : signer.address;
}

/** The KMS key names of every role (aliases `alias/slabridge-devnet-<name>`). */
function kmsRoleNames(chains: readonly { name?: string; chainId: number }[]): string[] {
  return [
    "deployer",
    "layerzero-dvn",
    "layerzero-executor",
    ...Array.from({ length: PROBERS }, (_, i) => `prober-${i}`),
    ...chains.map((chain) => `netting-vault-${chain.name ?? chain.chainId}`),
    "x402-facilitator",
    ...Array.from({ length: PROBERS }, (_, i) => `prober-payer-${i}`),
  ];
}

/**
 * The roles' KMS keys, and what the chains fund them with: gas for every key; the stablecoin for those that hold or
 * pay it (the netting vaults' float, the probers' payers buy probe calls), as their anvil accounts had.
 */
function kmsRolesOf(keys: ReadonlyMap<string, DevnetKmsKey>, chains: readonly { name?: string; chainId: number }[]) {
  const key = (name: string) => required(keys.get(name), `KMS key ${name}`);
  const role = (name: string): DevnetRole => ({ ref: key(name).ref, signer: key(name).account });
  const roles: DevnetRoles = {
    deployer: { ref: key("deployer").ref, account: key("deployer").account },
    layerZeroDvn: role("layerzero-dvn"),
    layerZeroExecutor: role("layerzero-executor"),
    probers: Array.from({ length: PROBERS }, (_, i) => role(`prober-${i}`)),
    nettingVaults: chains.map((chain) => role(`netting-vault-${chain.name ?? chain.chainId}`)),
    x402Facilitator: role("x402-facilitator"),
    proberPayers: Array.from({ length: PROBERS }, (_, i) => role(`prober-payer-${i}`)),
  };
  const holdsStablecoin = new Set(
    [...roles.nettingVaults, ...roles.proberPayers].map((held) => addressOf(held.signer)),
  );
  const funded = [...keys.values()].map(({ account }) => ({
    address: account.address,
    stablecoin: holdsStablecoin.has(account.address),
  }));
  return {
    roles,
    layerZeroKeys: { dvn: key("layerzero-dvn").account, executor: key("layerzero-executor").account },
    funded,
  };
}

function at<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`devnet: missing item ${index}`);
  return item;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`devnet: ${what} missing`);
  return value;
}

/** The host stakes `amount` behind its model on the home chain's HostBond (approve, then deposit). */
async function depositDemoBond(
  clients: DevnetClients,
  chain: EvmDevnetChain,
  hostBond: Address,
  bond: { host: Address; modelId: bigint; amount: bigint },
): Promise<void> {
  const wallet = clients.wallet(bond.host);
  await submitTransaction(clients.publicClient, `${chain.name}: host approves its bond`, () =>
    wallet.writeContract({
      address: chain.stablecoin.address,
      abi: erc20Abi,
      functionName: "approve",
      args: [hostBond, bond.amount],
    }),
  );
  await submitTransaction(clients.publicClient, `${chain.name}: host bond for model ${bond.modelId}`, () =>
    wallet.writeContract({
      address: hostBond,
      abi: hostBondAbi,
      functionName: "deposit",
      args: [bond.modelId, bond.amount],
    }),
  );
}
