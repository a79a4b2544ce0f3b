import { devnetStablecoinAbi, escrowAbi, modelRegistryAbi, slaOracleAbi } from "@slabridge/contracts";
import {
  checkConservation,
  type EpochRelease,
  type EvmChainManifest,
  InvalidNettingRoundError,
  NettingVaultNotReadyError,
  pickRefundBps,
  type SettlementPayee,
  type SlaReport,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import { type Devnet, devnetChainsOf, startDevnet, submitTransaction } from "@slabridge/devnet";
import {
  buildSubmitReportTx,
  EvmNettingVault,
  type EvmSubmitter,
  readRoundReleases,
  readStablecoinLedger,
  signSlaReport,
  walletClientSigner,
} from "@slabridge/evm";
import { LayerZeroTransport } from "@slabridge/layerzero";
import { runNettingRound } from "@slabridge/netting";
import { base58 } from "@slabridge/solana";
import { Connection } from "@solana/web3.js";
import { type Address, getAddress, type Hex, hexToBytes, pad } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSolanaStablecoinSupply } from "../context/netting/readSolanaStablecoinSupply.ts";

const A = 31_337;
const B = 31_338;
const INVENTORY = 1_000_000n;

let devnet: Devnet;
let chainA: EvmChainManifest;
let chainB: EvmChainManifest;
let fromBlocks: Map<number, bigint>;
/** The netting vault: a fresh key (not an anvil dev account), the same address on both chains. */
const vaultAccount = privateKeyToAccount(generatePrivateKey());
const payee = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`) as Address;
const PROTOCOL = payee(0xf00d01);
const CREATOR = payee(0xf00d02);
const HOST = payee(0xf00d03);
const SOLANA_HOST = "So1anaHost1111111111111111111111111111111111";
/** The registry's Solana payees are base58 keys; the Solana vault's legs stay open (its own payer pays them). */
const solanaAccounts = new Map([[SOLANA_CHAIN_ID, (account: Hex) => base58.encode(hexToBytes(account))]]);
const openChains = new Set([SOLANA_CHAIN_ID]);

// One (model, epoch), released on A, B and Solana (as if each had an escrow).
const payees: SettlementPayee[] = [
  { chain: A, account: PROTOCOL.toLowerCase(), shareBps: 1000 },
  { chain: B, account: CREATOR.toLowerCase(), shareBps: 6000 },
  { chain: SOLANA_CHAIN_ID, account: SOLANA_HOST, shareBps: 500 },
  { chain: A, account: HOST.toLowerCase(), shareBps: 2500 },
];
const release: EpochRelease = {
  modelId: 1n,
  epoch: 7n,
  payees,
  released: new Map([
    [A, 1_000_001n],
    [B, 300_000n],
    [SOLANA_CHAIN_ID, 200_000n],
  ]),
};
// Worked by hand: A's vault received the creator's 600,000 and the Solana host's 50,000 of R_A; B's vault the
// protocol's 30,000, the Solana host's 15,000 and the host's 75,000 of R_B.
const HELD_A = 650_000n;
const HELD_B = 120_000n;

function deployer(): Address {
  const ref = devnet.manifest.keys.deployer;
  if (ref.kind !== "anvil-dev-account") throw new Error("the devnet deployer is an anvil dev account");
  return ref.address;
}

function chainOf(chainId: number): EvmChainManifest {
  const chain = devnetChainsOf(devnet.manifest).evm.find((c) => c.chainId === chainId);
  if (!chain) throw new Error(`no chain ${chainId}`);
  return chain;
}

const balanceOf = (chainId: number, account: Address) =>
  devnet.evm.clients(chainId).publicClient.readContract({
    address: chainOf(chainId).stablecoin.address,
    abi: devnetStablecoinAbi,
    functionName: "balanceOf",
    args: [account],
  });

const vaultNonce = (chainId: number) =>
  devnet.evm.clients(chainId).publicClient.getTransactionCount({ address: vaultAccount.address });

function unlockedSubmitter(address: Address): EvmSubmitter {
  return {
    async send(chainId, { to, data, value }) {
      const { publicClient, wallet } = devnet.evm.clients(chainId);
      const hash = await wallet(address).sendTransaction({ to, data, value: value ?? 0n });
      const { status } = await publicClient.waitForTransactionReceipt({ hash });
      return { transactionHash: hash, status };
    },
  };
}

/** What a fresh worker builds: vaults, transport (the stablecoin among each chain's OApps). */
function world() {
  const keyOf = (ref: (typeof devnet.manifest.keys)["layerZeroDvn"]): Address => {
    if (ref.kind !== "anvil-dev-account") throw new Error("devnet LayerZero keys are anvil dev accounts");
    return ref.address;
  };
  const dvn = keyOf(devnet.manifest.keys.layerZeroDvn);
  const executor = keyOf(devnet.manifest.keys.layerZeroExecutor);
  const transport = new LayerZeroTransport({
    chains: new Map(
      [chainA, chainB].map((c) => [
        c.chainId,
        {
          client: devnet.evm.clients(c.chainId).publicClient,
          eid: c.layerZero.eid,
          endpointV2: c.layerZero.endpointV2,
          receiveUln302: c.layerZero.receiveUln302,
          messenger: c.contracts.layerZeroMessenger,
          oapps: [c.stablecoin.address],
          confirmations: c.confirmations,
        },
      ]),
    ),
    dvn: { address: dvn, submitter: unlockedSubmitter(dvn) },
    executor: { address: executor, submitter: unlockedSubmitter(executor) },
  });
  const vaults = new Map(
    [chainA, chainB].map((c) => [
      c.chainId,
      new EvmNettingVault({
        chainId: c.chainId,
        client: devnet.evm.clients(c.chainId).publicClient,
        token: c.stablecoin.address,
        account: vaultAccount,
        fromBlock: fromBlocks.get(c.chainId) ?? 0n,
      }),
    ]),
  );
  const eids = new Map([chainA, chainB].map((c) => [c.chainId, c.layerZero.eid]));
  return { transport, vaults, eids };
}

async function conservation() {
  const { solana } = devnetChainsOf(devnet.manifest);
  if (!solana) throw new Error("the devnet has Solana");
  const connection = new Connection(solana.rpcUrl, "confirmed");
  const ledger = await readStablecoinLedger(
    [chainA, chainB].map((c) => ({
      chainId: c.chainId,
      client: devnet.evm.clients(c.chainId).publicClient,
      token: c.stablecoin.address,
      eid: c.layerZero.eid,
      roles: new Map([[vaultAccount.address, "vault"]]),
    })),
    {
      solana: await readSolanaStablecoinSupply(
        connection,
        solana.chainId,
        solana.mint,
        new Map([[solana.vault, "vault"]]),
      ),
    },
  );
  return { ledger, report: checkConservation(ledger) };
}

/** Crashes the worker right after its n-th broadcast (the transaction is mined; the run dies before recording). */
function crashAfter(n: number) {
  let count = 0;
  return {
    afterBroadcast: () => {
      count++;
      if (count === n) throw new Error(`simulated crash after broadcast ${n}`);
    },
  };
}

beforeAll(async () => {
  devnet = await startDevnet({ hosts: ["healthy"] });
  chainA = chainOf(A);
  chainB = chainOf(B);
  fromBlocks = new Map();
  for (const chain of [chainA, chainB]) {
    const { publicClient, wallet } = devnet.evm.clients(chain.chainId);
    fromBlocks.set(chain.chainId, await publicClient.getBlockNumber());
    await publicClient.request({
      method: "anvil_setBalance" as "eth_blockNumber",
      params: [vaultAccount.address, "0xde0b6b3a7640000"] as unknown as undefined,
    });
    // The escrows' payouts to the vault (simulated by a mint) plus the vault's inventory.
    const held = chain.chainId === A ? HELD_A : HELD_B;
    await submitTransaction(publicClient, "mint vault", () =>
      wallet(deployer()).writeContract({
        address: chain.stablecoin.address,
        abi: devnetStablecoinAbi,
        functionName: "mint",
        args: [vaultAccount.address, held + INVENTORY],
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  await devnet?.stop();
});

describe("netting round on the devnet", () => {
  let issued: bigint;

  it("conservation holds before the round", async () => {
    const { ledger, report } = await conservation();
    expect(report.violations).toEqual([]);
    expect(report.holds).toBe(true);
    expect(ledger.inFlight).toEqual([]);
    // Solana is part of the check: its mint's supply is held by the vault and the funded buyers.
    const solana = ledger.chains.find((c) => c.chain === SOLANA_CHAIN_ID);
    expect(solana?.totalSupply).toBeGreaterThan(0n);
    expect(solana?.balances.length).toBeGreaterThan(1);
    issued = ledger.issued;
  });

  it("reads a round from the chains: the registry's payee table and the escrow's (here: no) payouts", async () => {
    const home = devnet.evm.clients(B).publicClient;
    const registry = chainB.contracts.modelRegistry as Address;
    const read = await readRoundReleases({
      home: { client: home, registry },
      escrows: [{ chainId: A, client: devnet.evm.clients(A).publicClient, escrow: chainA.contracts.escrow as Address }],
      vaults: new Map([[A, vaultAccount.address]]),
      items: [{ modelId: 1n, epoch: 0n }],
      foreignAccounts: solanaAccounts,
    });
    const [model] = read.releases;
    expect(model?.payees.reduce((sum, p) => sum + p.shareBps, 0)).toBe(10_000);
    // The demo model pays its data contributor on Solana (a base58 key) and its host on evm-a.
    expect(model?.payees.find((p) => p.chain === SOLANA_CHAIN_ID)?.account).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    expect(model?.payees.some((p) => p.chain === A && /^0x[0-9a-f]{40}$/.test(p.account))).toBe(true);
    // Nothing was paid out for this epoch: nothing released, nothing received.
    expect(model?.released.size).toBe(0);
    expect(read.vaultReceived.size).toBe(0);
  });

  it("refuses a round its vaults cannot pay, sending nothing", async () => {
    const { transport, vaults, eids } = world();
    const big: EpochRelease = { ...release, modelId: 99n, released: new Map([[B, 10n ** 12n]]) };
    const before = [await vaultNonce(A), await vaultNonce(B)];
    await expect(
      runNettingRound({ roundId: "too-big", releases: [big], vaults, openChains, eids, transport }),
    ).rejects.toThrow(NettingVaultNotReadyError);
    expect([await vaultNonce(A), await vaultNonce(B)]).toEqual(before);
  });

  it("refuses a round whose vault receipts differ from the plan, sending nothing", async () => {
    const { transport, vaults, eids } = world();
    const vaultReceived = new Map([
      [A, HELD_A],
      [B, HELD_B - 1n],
    ]);
    const before = [await vaultNonce(A), await vaultNonce(B)];
    await expect(
      runNettingRound({ roundId: "round-1", releases: [release], vaults, openChains, eids, transport, vaultReceived }),
    ).rejects.toThrow(InvalidNettingRoundError);
    expect([await vaultNonce(A), await vaultNonce(B)]).toEqual(before);
  });

  it("survives a crash after the OFT send and one after a payout; the net crosses A -> B once", async () => {
    const run = (hooks?: ReturnType<typeof crashAfter>) => {
      const { transport, vaults, eids } = world();
      return runNettingRound({
        roundId: "round-1",
        releases: [release],
        vaults,
        openChains,
        eids,
        transport,
        vaultReceived: new Map([
          [A, HELD_A],
          [B, HELD_B],
        ]),
        ...(hooks ? { hooks } : {}),
      });
    };
    await expect(run(crashAfter(1))).rejects.toThrow(/simulated crash after broadcast 1/);
    // The OFT send is mined: 475,000 burnt on A, not minted on B yet; conservation counts it in flight by GUID.
    const mid = await conservation();
    expect(mid.ledger.inFlight.map((t) => [t.from, t.to, t.amount])).toEqual([[A, B, 475_000n]]);
    expect(mid.report.holds).toBe(true);
    // Forgetting what is in flight breaks the check: it is not vacuous.
    expect(checkConservation({ ...mid.ledger, inFlight: [] }).missing).toBe(475_000n);
    expect(mid.ledger.issued).toBe(issued);

    await expect(run(crashAfter(1))).rejects.toThrow(/simulated crash/); // this time the first payout's broadcast
    const record = await run();

    expect(record.bridged).toHaveLength(1);
    expect(record.bridged[0]).toMatchObject({ from: A, to: B, amount: 475_000n, sent: false });
    expect(record.paid.map((p) => [p.chain, getAddress(p.account), p.amount, p.sent])).toEqual([
      [A, PROTOCOL, 50_000n, false],
      [A, HOST, 125_000n, true],
      [B, CREATOR, 720_000n, true],
    ]);
    expect(record.openBalances.map((t) => [t.from, t.to, t.amount])).toEqual([[SOLANA_CHAIN_ID, B, 125_000n]]);
    expect(record.openBalances[0]?.reason).toMatch(/Wormhole Token Bridge\/NTT/);
    expect(record.solanaPayouts).toEqual([{ chain: SOLANA_CHAIN_ID, account: SOLANA_HOST, amount: 65_000n }]);

    expect(await balanceOf(A, HOST)).toBe(125_000n);
    expect(await balanceOf(A, PROTOCOL)).toBe(50_000n);
    expect(await balanceOf(B, CREATOR)).toBe(720_000n);
    // A sent exactly its net and paid its payees; B paid the Solana vault's 125,000 share from inventory.
    expect(await balanceOf(A, vaultAccount.address)).toBe(INVENTORY);
    expect(await balanceOf(B, vaultAccount.address)).toBe(INVENTORY - 125_000n);
    // One OFT send + two payouts on A, one payout on B: nothing sent twice.
    expect([await vaultNonce(A), await vaultNonce(B)]).toEqual([3, 1]);

    const after = await conservation();
    expect(after.report.violations).toEqual([]);
    expect(after.ledger.inFlight).toEqual([]);
    expect(after.ledger.issued).toBe(issued);
  });

  it("a replay and two racing duplicates change nothing", async () => {
    const run = () => {
      const { transport, vaults, eids } = world();
      return runNettingRound({ roundId: "round-1", releases: [release], vaults, openChains, eids, transport });
    };
    const [first, second] = await Promise.all([run(), run()]);
    const third = await run();
    for (const record of [first, second, third]) {
      expect(record.bridged.every((b) => !b.sent && b.deliveryTransactions.length === 0)).toBe(true);
      expect(record.paid.every((p) => !p.sent)).toBe(true);
    }
    expect([await vaultNonce(A), await vaultNonce(B)]).toEqual([3, 1]);
    expect(await balanceOf(B, CREATOR)).toBe(720_000n);
    expect((await conservation()).report.holds).toBe(true);
  });

  it("two racing workers on a new round pay each payee once", async () => {
    const small: EpochRelease = { ...release, modelId: 2n, released: new Map([[A, 10_000n]]) };
    const run = () => {
      const { transport, vaults, eids } = world();
      return runNettingRound({ roundId: "round-2", releases: [small], vaults, openChains, eids, transport });
    };
    const creatorBefore = await balanceOf(B, CREATOR);
    const hostBefore = await balanceOf(A, HOST);
    const records = await Promise.allSettled([run(), run()]);
    // A loser may give up with a retryable error; a retry then completes without sending anything new.
    for (const r of records) if (r.status === "rejected") expect(r.reason).toMatchObject({ retryable: true });
    const final = await run();
    expect(final.bridged.map((b) => [b.from, b.to, b.amount])).toEqual([[A, B, 6_000n]]);
    expect(await balanceOf(B, CREATOR)).toBe(creatorBefore + 6_000n);
    expect(await balanceOf(A, HOST)).toBe(hostBefore + 0n); // host is on A: the escrow paid it directly
    expect(final.paid.map((p) => [p.chain, getAddress(p.account), p.amount])).toEqual([[B, CREATOR, 6_000n]]);
    // round-1 took nonces [3, 1]; round-2 one OFT send on A and one payout on B
    expect([await vaultNonce(A), await vaultNonce(B)]).toEqual([4, 2]);
    const { ledger, report } = await conservation();
    expect(report.holds).toBe(true);
    expect(ledger.issued).toBe(issued);
  });
});

describe("netting after real escrow payouts (pay, verdict, release, payouts over LayerZero)", () => {
  const MODEL = 1n; // the healthy demo host: no refund
  const publicClient = (chainId: number) => devnet.evm.clients(chainId).publicClient;
  const escrow = () => chainA.contracts.escrow as Address;
  const registry = () => chainB.contracts.modelRegistry as Address;
  const messenger = () => chainB.contracts.layerZeroMessenger as Address;
  const anvilKey = (ref: (typeof devnet.manifest.keys)["deployer"] | undefined): Address => {
    if (ref?.kind !== "anvil-dev-account") throw new Error("expected an anvil dev account");
    return ref.address;
  };

  /** Delivers every LayerZero packet a home-chain transaction sent to evm-a, mining until it is final. */
  async function deliverToA(hash: Hex): Promise<void> {
    const { transport } = world();
    for (const ref of await transport.messagesIn(B, hash)) {
      for (let attempt = 0; ; attempt++) {
        await publicClient(B).request({ method: "evm_mine" as never });
        const outcome = await transport.deliver(ref, A).catch((e: unknown) => e);
        if (!(outcome instanceof Error)) {
          expect(outcome).toMatchObject({ status: "delivered" });
          break;
        }
        if (outcome.name !== "NotFinalYetError" || attempt > 5) throw outcome;
      }
    }
  }

  async function passTime(chainId: number, endSeconds: bigint): Promise<void> {
    const now = (await publicClient(chainId).getBlock({ blockTag: "latest" })).timestamp;
    const delta = endSeconds > now ? Number(endSeconds - now) + 1 : 1;
    await publicClient(chainId).request({ method: "evm_increaseTime" as never, params: [delta] as never });
    await publicClient(chainId).request({ method: "evm_mine" as never });
  }

  it("nets what the escrow paid the vault: the creator's shares cross to evm-b once, the Solana share stays open", async () => {
    const { issued: issuedBefore } = (await conservation()).ledger;
    // A demo buyer pays 3 requests of the model on evm-a.
    const buyer = anvilKey(devnet.manifest.keys.demoBuyers[0]);
    const paid = 30_000n;
    const walletA = devnet.evm.clients(A).wallet(buyer);
    await submitTransaction(publicClient(A), "approve", () =>
      walletA.writeContract({
        address: chainA.stablecoin.address,
        abi: devnetStablecoinAbi,
        functionName: "approve",
        args: [escrow(), paid],
      }),
    );
    const epoch = await publicClient(A).readContract({
      address: escrow(),
      abi: escrowAbi,
      functionName: "currentEpoch",
      args: [MODEL],
    });
    await submitTransaction(publicClient(A), "pay", () =>
      walletA.writeContract({ address: escrow(), abi: escrowAbi, functionName: "pay", args: [MODEL, paid] }),
    );
    const end = await publicClient(A).readContract({
      address: escrow(),
      abi: escrowAbi,
      functionName: "epochEnd",
      args: [MODEL, epoch],
    });
    await passTime(A, end);
    await passTime(B, end);

    // 2 of 3 probers sign a clean report; the oracle records it and the verdict goes to evm-a.
    const clientsB = devnet.evm.clients(B);
    const oracle = chainB.contracts.slaOracle as Address;
    const terms = await publicClient(B).readContract({
      address: registry(),
      abi: modelRegistryAbi,
      functionName: "slaTermsAt",
      args: [MODEL, epoch],
    });
    const measured = { p50Ms: 40, p95Ms: 90, p99Ms: 120, uptimeBps: 10_000, sampleCount: 300 };
    const report: SlaReport = {
      modelId: MODEL,
      epoch,
      ...measured,
      samplesRoot: `0x${"5b".repeat(32)}`,
      refundBps: pickRefundBps(terms, measured),
    };
    expect(report.refundBps).toBe(0);
    const probers = devnet.manifest.keys.probers.slice(0, 2).map((key) => {
      const address = anvilKey(key);
      return walletClientSigner(clientsB.wallet(address), address);
    });
    const { signatures } = await signSlaReport(report, { chainId: B, oracle }, probers);
    const operator = deployer();
    const walletB = clientsB.wallet(operator);
    const submit = buildSubmitReportTx({ oracle, report, signatures });
    await submitTransaction(publicClient(B), "submitReport", () =>
      walletB.sendTransaction({ to: oracle, data: submit.data }),
    );
    const verdictTx = await submitTransaction(publicClient(B), "publishVerdict", () =>
      walletB.writeContract({
        address: oracle,
        abi: slaOracleAbi,
        functionName: "publishVerdict",
        args: [MODEL, epoch, A, messenger()],
      }),
    );
    await deliverToA(verdictTx.transactionHash);
    await submitTransaction(publicClient(A), "release", () =>
      devnet.evm
        .clients(A)
        .wallet(operator)
        .writeContract({ address: escrow(), abi: escrowAbi, functionName: "release", args: [MODEL, epoch] }),
    );

    // The registry pays shares owed on other chains than evm-a to evm-a's netting vault.
    await submitTransaction(publicClient(B), "setNettingVault", () =>
      walletB.writeContract({
        address: registry(),
        abi: modelRegistryAbi,
        functionName: "setNettingVault",
        args: [A, pad(vaultAccount.address)],
      }),
    );
    const table = await publicClient(B).readContract({
      address: registry(),
      abi: modelRegistryAbi,
      functionName: "payees",
      args: [MODEL, epoch],
    });
    const vaultBefore = await balanceOf(A, vaultAccount.address);
    for (let index = 0; index < table.length; index++) {
      const tx = await submitTransaction(publicClient(B), `publishPayout ${index}`, () =>
        walletB.writeContract({
          address: registry(),
          abi: modelRegistryAbi,
          functionName: "publishPayout",
          args: [MODEL, epoch, A, index, messenger()],
        }),
      );
      await deliverToA(tx.transactionHash);
    }
    const vaultGot = (await balanceOf(A, vaultAccount.address)) - vaultBefore;
    // creator + validator + protocol fee (home chain) and the data contributor (Solana) went to the vault
    expect(vaultGot).toBeGreaterThan(0n);
    expect(vaultGot).toBeLessThan(paid);

    // Read the round from the chains, check it against what the vault got, and net it.
    const read = await readRoundReleases({
      home: { client: publicClient(B), registry: registry() },
      escrows: [{ chainId: A, client: publicClient(A), escrow: escrow() }],
      vaults: new Map([[A, vaultAccount.address]]),
      items: [{ modelId: MODEL, epoch }],
      foreignAccounts: solanaAccounts,
    });
    expect(read.releases[0]?.released).toEqual(new Map([[A, paid]]));
    expect(read.vaultReceived).toEqual(new Map([[A, vaultGot]]));

    const owedOnB = read.releases[0]?.payees.filter((p) => p.chain === B) ?? [];
    const accountsOnB = [...new Set(owedOnB.map((p) => getAddress(p.account)))];
    expect(accountsOnB.length).toBeGreaterThan(0);
    const before = await Promise.all(accountsOnB.map((a) => balanceOf(B, a)));
    const run = () => {
      const { transport, vaults, eids } = world();
      return runNettingRound({
        roundId: `escrow-${MODEL}-${epoch}`,
        releases: read.releases,
        vaultReceived: read.vaultReceived,
        vaults,
        openChains,
        eids,
        transport,
      });
    };
    const record = await run();
    const onB = record.plan.payouts.filter((p) => p.chain === B);
    const totalOnB = onB.reduce((sum, p) => sum + p.amount, 0n);
    expect(record.bridged.map((t) => [t.from, t.to, t.amount, t.sent])).toEqual([[A, B, totalOnB, true]]);
    const solanaShare = record.solanaPayouts.reduce((sum, p) => sum + p.amount, 0n);
    expect(solanaShare).toBeGreaterThan(0n);
    expect(record.openBalances.map((t) => [t.from, t.to, t.amount])).toEqual([[A, SOLANA_CHAIN_ID, solanaShare]]);
    // Everything the escrow sent the vault is either bridged to evm-b or owed to the Solana vault.
    expect(totalOnB + solanaShare).toBe(vaultGot);
    for (const [i, account] of accountsOnB.entries()) {
      const owed = onB.filter((p) => getAddress(p.account) === account).reduce((sum, p) => sum + p.amount, 0n);
      expect((await balanceOf(B, account)) - (before[i] ?? 0n)).toBe(owed);
    }

    // A replay sends nothing; value is conserved and nothing is in flight.
    const again = await run();
    expect(again.bridged.every((t) => !t.sent) && again.paid.every((p) => !p.sent)).toBe(true);
    const { ledger, report: conserved } = await conservation();
    expect(conserved.violations).toEqual([]);
    expect(ledger.inFlight).toEqual([]);
    expect(ledger.issued).toBe(issuedBefore);
  });
});
