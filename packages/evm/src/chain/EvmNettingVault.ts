import { devnetStablecoinAbi as oftAbi } from "@slabridge/contracts";
import {
  NettingTransactionRevertedError,
  type NettingVault,
  NettingVaultNotReadyError,
  type VaultHooks,
  type VaultStepResult,
} from "@slabridge/core";
import {
  type Account,
  type Address,
  concat,
  createWalletClient,
  custom,
  encodeFunctionData,
  getAddress,
  type Hash,
  type Hex,
  isAddress,
  type PublicClient,
  pad,
} from "viem";

/** Configuration of one chain's {@link EvmNettingVault}. */
export interface EvmNettingVaultConfig {
  chainId: number;
  client: PublicClient;
  /** The stablecoin: an OFT (one token on every EVM chain, burn on send, mint on receive). */
  token: Address;
  /** The vault's key: a viem Account (local key; KMS later) or an unlocked node account's address (anvil). */
  account: Account | Address;
  /** First block to search for the vault's marked transactions: at or before the round's first step. */
  fromBlock: bigint;
  /** How long to wait for an earlier pending transaction of the vault to be mined (default 30 s). */
  pendingTimeoutMs?: number;
}

const transferEvent = oftAbi.find((i) => i.type === "event" && i.name === "Transfer");
const oftSentEvent = oftAbi.find((i) => i.type === "event" && i.name === "OFTSent");

/**
 * A netting vault on one EVM chain: an operator account holding stablecoin, which pays payees (ERC-20 transfers) and
 * sends net transfers to other chains' vaults (OFT `send`). Every step carries its deterministic id (see
 * `nettingStepId`) appended to the calldata (the token ignores trailing calldata), so the chain itself is the record:
 * before sending, the vault looks for its own mined transaction with that id since `fromBlock` and sends nothing if
 * it finds one. Sends pin the nonce to the vault's mined nonce and refuse while an earlier transaction is pending,
 * so a crash after broadcast, a retry, or two racing workers never pay or bridge twice: of two transactions at one
 * nonce only one is mined, and the loser re-reads the chain.
 *
 * @example
 * ```ts
 * const vault = new EvmNettingVault({ chainId: 31337, client, token, account, fromBlock: 120n });
 * await vault.pay(nettingStepId(round, "payout", [31337, payee]), payee, 150_000n);
 * ```
 */
export class EvmNettingVault implements NettingVault {
  readonly chainId: number;
  readonly token: Address;
  readonly #config: EvmNettingVaultConfig;
  readonly #account: Account | Address;

  constructor(config: EvmNettingVaultConfig) {
    this.chainId = config.chainId;
    this.token = config.token;
    this.#config = config;
    this.#account = config.account;
  }

  /** The vault's address. */
  get address(): Address {
    return typeof this.#account === "string" ? this.#account : this.#account.address;
  }

  /**
   * Whether `account` is an EVM address (any letter case; payees are read lower-case from the registry).
   *
   * @example vault.isAccount("0x00000000000000000000000000000000000000b1"); // true
   */
  isAccount(account: string): boolean {
    return isAddress(account, { strict: false });
  }

  /**
   * The vault's stablecoin balance.
   *
   * @example const held = await vault.balance();
   */
  async balance(): Promise<bigint> {
    return await this.#config.client.readContract({
      address: this.token,
      abi: oftAbi,
      functionName: "balanceOf",
      args: [this.address],
    });
  }

  /**
   * The vault's mined payout transaction carrying `stepId`, if any (a Transfer from the vault to `to`).
   *
   * @example const done = await vault.findPayout(stepId, payee);
   */
  async findPayout(stepId: Hex, to: string): Promise<Hash | undefined> {
    const logs = await this.#config.client.getLogs({
      address: this.token,
      event: transferEvent as Extract<typeof transferEvent, { name: "Transfer" }>,
      args: { from: this.address, to: getAddress(to) },
      fromBlock: this.#config.fromBlock,
      toBlock: "latest",
    });
    return await this.#marked(
      stepId,
      logs.map((log) => log.transactionHash),
    );
  }

  /**
   * The vault's mined OFT send carrying `stepId`, if any, with its LayerZero GUID.
   *
   * @example const done = await vault.findBridge(stepId); // { transactionHash, guid } | undefined
   */
  async findBridge(stepId: Hex): Promise<{ transactionHash: Hash; guid: Hex } | undefined> {
    const logs = await this.#config.client.getLogs({
      address: this.token,
      event: oftSentEvent as Extract<typeof oftSentEvent, { name: "OFTSent" }>,
      args: { fromAddress: this.address },
      fromBlock: this.#config.fromBlock,
      toBlock: "latest",
    });
    const hash = await this.#marked(
      stepId,
      logs.map((log) => log.transactionHash),
    );
    const log = logs.find((l) => l.transactionHash === hash);
    if (!hash || !log?.args.guid) return undefined;
    return { transactionHash: hash, guid: log.args.guid };
  }

  /**
   * Pays `amount` to `to` unless the chain shows step `stepId` done.
   *
   * @example const { transactionHash, sent } = await vault.pay(stepId, payee, 150_000n);
   */
  async pay(stepId: Hex, to: string, amount: bigint, hooks: VaultHooks = {}): Promise<VaultStepResult> {
    const data = encodeFunctionData({ abi: oftAbi, functionName: "transfer", args: [getAddress(to), amount] });
    return await this.#once(stepId, () => this.findPayout(stepId, to), { to: this.token, data, value: 0n }, hooks);
  }

  /**
   * Sends `amount` over the OFT to `recipient` on LayerZero endpoint `dstEid` (burnt here, minted there) unless the
   * chain shows step `stepId` done. The fee is the token's `quoteSend` (paid in native gas by the vault).
   *
   * @example const { transactionHash, guid } = await vault.bridge(stepId, 40245, vaultB, 400_000n);
   */
  async bridge(
    stepId: Hex,
    dstEid: number,
    recipient: string,
    amount: bigint,
    hooks: VaultHooks = {},
  ): Promise<VaultStepResult & { guid: Hex }> {
    const found = await this.findBridge(stepId);
    if (found) return { ...found, sent: false };
    const param = {
      dstEid,
      to: pad(getAddress(recipient)),
      amountLD: amount,
      // shared decimals = local decimals: nothing is removed as dust, so the minimum is the amount itself
      minAmountLD: amount,
      extraOptions: "0x0003" as Hex,
      composeMsg: "0x" as Hex,
      oftCmd: "0x" as Hex,
    } as const;
    const fee = await this.#config.client.readContract({
      address: this.token,
      abi: oftAbi,
      functionName: "quoteSend",
      args: [param, false],
    });
    const data = encodeFunctionData({ abi: oftAbi, functionName: "send", args: [param, fee, this.address] });
    const result = await this.#once(
      stepId,
      async () => (await this.findBridge(stepId))?.transactionHash,
      { to: this.token, data, value: fee.nativeFee },
      hooks,
    );
    const sent = await this.findBridge(stepId);
    if (!sent) throw new NettingVaultNotReadyError(this.chainId, `OFT send ${result.transactionHash} has no OFTSent`);
    return { ...result, guid: sent.guid };
  }

  /** Which of `hashes` (the vault's own transactions) carries `stepId` at the end of its calldata. */
  async #marked(stepId: Hex, hashes: readonly Hash[]): Promise<Hash | undefined> {
    const suffix = stepId.slice(2).toLowerCase();
    for (const hash of new Set(hashes)) {
      const tx = await this.#config.client.getTransaction({ hash });
      if (tx.input.toLowerCase().endsWith(suffix)) return hash;
    }
    return undefined;
  }

  async #once(
    stepId: Hex,
    find: () => Promise<Hash | undefined>,
    request: { to: Address; data: Hex; value: bigint },
    hooks: VaultHooks,
  ): Promise<VaultStepResult> {
    const { client, chainId } = this.#config;
    // Each attempt either finds the step done, or sends at the vault's mined nonce; losing that nonce to another
    // transaction (a racing worker) sends the loop back to reading the chain.
    for (let attempt = 0; attempt < 4; attempt++) {
      const nonce = await this.#idleNonce();
      const done = await find();
      if (done) return { transactionHash: done, sent: false };
      const wallet = createWalletClient({ account: this.#account, transport: custom({ request: client.request }) });
      let hash: Hash;
      try {
        hash = await wallet.sendTransaction({
          account: this.#account,
          chain: client.chain ?? null,
          to: request.to,
          data: concat([request.data, stepId]),
          value: request.value,
          nonce,
        });
      } catch (error) {
        if (/nonce/i.test(String((error as Error).message))) continue;
        throw error;
      }
      await hooks.afterBroadcast?.(stepId, hash);
      const receipt = await client.waitForTransactionReceipt({
        hash,
        timeout: this.#config.pendingTimeoutMs ?? 30_000,
      });
      if (receipt.status !== "success") {
        throw new NettingTransactionRevertedError({ chainId, stepId, transactionHash: hash });
      }
      return { transactionHash: hash, sent: true };
    }
    throw new NettingVaultNotReadyError(chainId, "its nonce kept being taken by other transactions");
  }

  /** The vault's next nonce once no transaction of it is pending (an earlier run's send must land first). */
  async #idleNonce(): Promise<number> {
    const { client } = this.#config;
    const deadline = Date.now() + (this.#config.pendingTimeoutMs ?? 30_000);
    for (;;) {
      const [mined, pending] = await Promise.all([
        client.getTransactionCount({ address: this.address, blockTag: "latest" }),
        client.getTransactionCount({ address: this.address, blockTag: "pending" }),
      ]);
      if (pending === mined) return mined;
      if (Date.now() > deadline) {
        throw new NettingVaultNotReadyError(this.chainId, `${pending - mined} transaction(s) still pending`);
      }
      await new Promise((resolve) => setTimeout(resolve, client.pollingInterval));
    }
  }
}
