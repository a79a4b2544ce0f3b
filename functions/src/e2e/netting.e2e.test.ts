import { devnetStablecoinAbi, modelRegistryAbi } from "@slabridge/contracts";
import {
  checkConservation,
  type EpochRelease,
  type EvmChainManifest,
  type SettlementPayee,
  SOLANA_CHAIN_ID,
} from "@slabridge/core";
import { submitTransaction } from "@slabridge/devnet";
import { demoMeasurements, devnetEvmRoutes } from "@slabridge/devnet/testing";
import { type EvmSubmitter, processEvmSenders } from "@slabridge/evm";
import { LayerZeroTransport } from "@slabridge/layerzero";
import { base58 } from "@slabridge/solana";
import { MemoryNonceStore } from "@slabridge/store";
import { type Address, getAddress, type Hex, hexToBytes, pad } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { beforeAll, describe, expect, it } from "vitest";
import {
  botHarnessForSuite,
  EvmNettingVault,
  InvalidNettingRoundError,
  NettingVaultNotReadyError,
  readRoundReleases,
  runNettingRound,
} from "./testing/botHarness.ts";

/** The registry's Solana payees are base58 keys; the Solana vault's legs stay open (its own payer pays them). */
const solanaAccounts = new Map([[SOLANA_CHAIN_ID, (account: Hex) => base58.encode(hexToBytes(account))]]);
const openChains = new Set([SOLANA_CHAIN_ID]);
const A = 31_337;
const B = 31_338;
const INVENTORY = 1_000_000n;

// No bot runs here: the rounds are driven by hand; the harness gives the devnet and the conservation check.
const bot = botHarnessForSuite({ devnet: { hosts: ["healthy"] }, stage: { routes: devnetEvmRoutes(A, B) } }, 120_000);
let chainA: EvmChainManifest;
let chainB: EvmChainManifest;
let fromBlocks: Map<number, bigint>;
/** The netting vault: a fresh key (not an anvil dev account), the same address on both chains. */
const vaultAccount = privateKeyToAccount(generatePrivateKey());
/** The vault key's nonce records (the Nonces table every worker shares). */
const vaultNonces = new MemoryNonceStore();
const payee = (n: number) => getAddress(`0x${n.toString(16).padStart(40, "0")}`) as Address;
const PROTOCOL = payee(0xf00d01);
const CREATOR = payee(0xf00d02);
const HOST = payee(0xf00d03);
const SOLANA_HOST = "So1anaHost1111111111111111111111111111111111";

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

const balanceOf = (chainId: number, account: Address) => bot.scenario.balanceOf(chainId, account);
const vaultNonce = (chainId: number) => bot.scenario.nonceOf(chainId, vaultAccount.address);
const conservation = () =>
  bot.conservation(
    new Map([
      [A, vaultAccount.address],
      [B, vaultAccount.address],
    ]),
  );

function unlockedSubmitter(address: Address): EvmSubmitter {
  return {
    async send(chainId, { to, data, value }) {
      const { publicClient, wallet } = bot.scenario.devnet.evm.clients(chainId);
      const hash = await wallet(address).sendTransaction({ to, data, value: value ?? 0n });
      const { status } = await publicClient.waitForTransactionReceipt({ hash });
      return { transactionHash: hash, status };
    },
  };
}

/**
 * What a fresh worker of this process builds: vaults (sending with the process's one sender of the vault key per
 * chain), transport (the stablecoin among each chain's OApps).
 */
function world() {
  const { keys } = bot.scenario.manifest;
  const keyOf = (ref: (typeof keys)["layerZeroDvn"]): Address => {
    if (ref.kind !== "anvil-dev-account") throw new Error("devnet LayerZero keys are anvil dev accounts");
    return ref.address;
  };
  const dvn = keyOf(keys.layerZeroDvn);
  const executor = keyOf(keys.layerZeroExecutor);
  const transport = new LayerZeroTransport({
    chains: new Map(
      [chainA, chainB].map((c) => [
        c.chainId,
        {
          client: bot.scenario.client(c.chainId),
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
        client: bot.scenario.client(c.chainId),
        token: c.stablecoin.address,
        sender: processEvmSenders.sender({
          client: bot.scenario.client(c.chainId),
          account: vaultAccount,
          nonceStore: vaultNonces,
        }),
        fromBlock: fromBlocks.get(c.chainId) ?? 0n,
      }),
    ]),
  );
  const eids = new Map([chainA, chainB].map((c) => [c.chainId, c.layerZero.eid]));
  return { transport, vaults, eids };
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
  const { scenario } = bot;
  chainA = scenario.chain(A);
  chainB = scenario.chain(B);
  fromBlocks = new Map();
  for (const chain of [chainA, chainB]) {
    const { publicClient, wallet } = scenario.devnet.evm.clients(chain.chainId);
    fromBlocks.set(chain.chainId, await publicClient.getBlockNumber());
    await scenario.fund(chain.chainId, vaultAccount.address);
    // The escrows' payouts to the vault (simulated by a mint) plus the vault's inventory.
    const held = chain.chainId === A ? HELD_A : HELD_B;
    await submitTransaction(publicClient, "mint vault", () =>
      wallet(scenario.deployer()).writeContract({
        address: chain.stablecoin.address,
        abi: devnetStablecoinAbi,
        functionName: "mint",
        args: [vaultAccount.address, held + INVENTORY],
      }),
    );
  }
}, 120_000);

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
    const { scenario } = bot;
    const read = await readRoundReleases({
      home: { client: scenario.client(B), registry: scenario.homeContract("modelRegistry") },
      escrows: [{ chainId: A, client: scenario.client(A), escrow: scenario.escrowOf(A) }],
      vaults: new Map([[A, vaultAccount.address]]),
      foreignAccounts: solanaAccounts,
      items: [{ modelId: 1n, epoch: 0n }],
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

  /** Delivers every LayerZero packet a home-chain transaction sent to evm-a, mining until it is final. */
  async function deliverToA(hash: Hex): Promise<void> {
    const { transport } = world();
    for (const ref of await transport.messagesIn(B, hash)) {
      for (let attempt = 0; ; attempt++) {
        await bot.scenario.mine([B]);
        const outcome = await transport.deliver(ref, A).catch((e: unknown) => e);
        if (!(outcome instanceof Error)) {
          expect(outcome).toMatchObject({ status: "delivered" });
          break;
        }
        if (outcome.name !== "NotFinalYetError" || attempt > 5) throw outcome;
      }
    }
  }

  it("nets what the escrow paid the vault: the creator's shares cross to evm-b once, the Solana share stays open", async () => {
    const { scenario } = bot;
    const registry = scenario.homeContract("modelRegistry");
    const { issued: issuedBefore } = (await conservation()).ledger;
    // A demo buyer pays 3 requests of the model on evm-a.
    const { epoch, amount: paid } = await scenario.pay(A, MODEL, 0, 3n);
    expect(paid).toBe(30_000n);
    const e = { chainId: A, model: MODEL, epoch };
    await scenario.passEpochs([e]);

    // 2 of 3 probers sign a clean report; the oracle records it and the verdict goes to evm-a.
    const verdict = await scenario.recordVerdict(MODEL, epoch, {
      measured: demoMeasurements.healthy,
      samplesRoot: `0x${"5b".repeat(32)}`,
    });
    expect(verdict.refundBps).toBe(0);
    const published = await scenario.publishVerdict(MODEL, epoch, A, { transport: "layerzero" });
    await deliverToA(published.receipt.transactionHash);
    await scenario.release(e);

    // The registry pays shares owed on other chains than evm-a to evm-a's netting vault.
    const walletB = scenario.devnet.evm.clients(B).wallet(scenario.deployer());
    await submitTransaction(scenario.client(B), "setNettingVault", () =>
      walletB.writeContract({
        address: registry,
        abi: modelRegistryAbi,
        functionName: "setNettingVault",
        args: [A, pad(vaultAccount.address)],
      }),
    );
    const table = await scenario.payeesOf(MODEL, epoch);
    const vaultBefore = await balanceOf(A, vaultAccount.address);
    for (let index = 0; index < table.length; index++) {
      const payout = await scenario.publishPayout(MODEL, epoch, A, index, { transport: "layerzero" });
      await deliverToA(payout.receipt.transactionHash);
    }
    const vaultGot = (await balanceOf(A, vaultAccount.address)) - vaultBefore;
    // creator + validator + protocol fee (home chain) and the data contributor (Solana) went to the vault
    expect(vaultGot).toBeGreaterThan(0n);
    expect(vaultGot).toBeLessThan(paid);

    // Read the round from the chains, check it against what the vault got, and net it.
    const read = await readRoundReleases({
      home: { client: scenario.client(B), registry },
      escrows: [{ chainId: A, client: scenario.client(A), escrow: scenario.escrowOf(A) }],
      vaults: new Map([[A, vaultAccount.address]]),
      foreignAccounts: solanaAccounts,
      items: [{ modelId: MODEL, epoch }],
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
