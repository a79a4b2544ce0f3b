import { devnetStablecoinAbi as oftAbi } from "@slabridge/contracts";
import {
  NettingTransactionRevertedError,
  type NettingVault,
  NettingVaultNotReadyError,
  type VaultHooks,
  type VaultStepResult,
} from "@slabridge/core";
import {
  type Address,
  concat,
  encodeFunctionData,
  getAddress,
  type Hash,
  type Hex,
  isAddress,
  type PublicClient,
  pad,
  parseEventLogs,
} from "viem";
import { ContractRevertedError, SendCancelledError } from "../errors.ts";
import type { EvmSender } from "../sender/EvmSender.ts";

/** Configuration of one chain's {@link EvmNettingVault}. */
export interface EvmNettingVaultConfig {
  chainId: number;
  client: PublicClient;
  /** The stablecoin: an OFT (one token on every EVM chain, burn on send, mint on receive). */
  token: Address;
  /**
   * The vault key's sender (its one nonce sequence in the NonceStore; one per (chain, key) per process, see
   * `EvmSenderRegistry`): signs first, broadcasts raw without transport retries, recognises its own transactions.
   */
  sender: EvmSender;
  /** First block to search for the vault's marked transactions: at or before the round's first step. */
  fromBlock: bigint;
  /** How long a step waits for the vault's earlier transactions to be mined before giving up (default 30 s). */
  pendingTimeoutMs?: number;
}

const transferEvent = oftAbi.find((i) => i.type === "event" && i.name === "Transfer");
const oftSentEvent = oftAbi.find((i) => i.type === "event" && i.name === "OFTSent");

/**
 * A netting vault on one EVM chain: an operator account holding stablecoin, which pays payees (ERC-20 transfers) and
 * sends net transfers to other chains' vaults (OFT `send`). Every step carries its deterministic id (see
 * `nettingStepId`) appended to the calldata (the token ignores trailing calldata), so the chain itself is the record:
 * before sending, the vault looks for its own mined transaction with that id since `fromBlock` and sends nothing if
 * it finds one. Sends go through the vault key's {@link EvmSender} (nonce from the store, signed first, raw
 * broadcast, its own re-sent broadcast recognised). The decisive look-up runs once the step's nonce is reserved and
 * every lower nonce of the key is mined: nothing else of the vault is in flight then, and a racing worker (which
 * reserved a later nonce) waits for this one to land and then finds the step done, so a crash after broadcast, a
 * retry, or two racing workers never pay or bridge twice; a step found done gives its nonce back.
 *
 * @example
 * ```ts
 * const sender = processEvmSenders.sender({ client, account: vaultKey, nonceStore });
 * const vault = new EvmNettingVault({ chainId: 31337, client, token, sender, fromBlock: 120n });
 * await vault.pay(nettingStepId(round, "payout", [31337, payee]), payee, 150_000n);
 * ```
 */
export class EvmNettingVault implements NettingVault {
  readonly chainId: number;
  readonly token: Address;
  readonly #config: EvmNettingVaultConfig;

  constructor(config: EvmNettingVaultConfig) {
    this.chainId = config.chainId;
    this.token = config.token;
    this.#config = config;
  }

  /** The vault's address. */
  get address(): Address {
    return this.#config.sender.address;
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
   * The vault's mined payout transaction carrying `stepId`, if any (a Transfer from the vault to `to`), in the
   * blocks up to `toBlock`.
   *
   * @example const done = await vault.findPayout(stepId, payee);
   */
  async findPayout(stepId: Hex, to: string, toBlock: bigint | "latest" = "latest"): Promise<Hash | undefined> {
    const logs = await this.#config.client.getLogs({
      address: this.token,
      event: transferEvent as Extract<typeof transferEvent, { name: "Transfer" }>,
      args: { from: this.address, to: getAddress(to) },
      fromBlock: this.#config.fromBlock,
      toBlock,
    });
    return await this.#marked(
      stepId,
      logs.map((log) => log.transactionHash),
    );
  }

  /**
   * The vault's mined OFT send carrying `stepId`, if any, with its LayerZero GUID, in the blocks up to `toBlock`.
   *
   * @example const done = await vault.findBridge(stepId); // { transactionHash, guid } | undefined
   */
  async findBridge(
    stepId: Hex,
    toBlock: bigint | "latest" = "latest",
  ): Promise<{ transactionHash: Hash; guid: Hex } | undefined> {
    const logs = await this.#config.client.getLogs({
      address: this.token,
      event: oftSentEvent as Extract<typeof oftSentEvent, { name: "OFTSent" }>,
      args: { fromAddress: this.address },
      fromBlock: this.#config.fromBlock,
      toBlock,
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
    return await this.#once(
      stepId,
      (toBlock) => this.findPayout(stepId, to, toBlock),
      { to: this.token, data, value: 0n, amount },
      hooks,
    );
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
      async (toBlock) => (await this.findBridge(stepId, toBlock))?.transactionHash,
      { to: this.token, data, value: fee.nativeFee, amount },
      hooks,
    );
    // Its own receipt, not a log query: a query of "latest" may be answered a block behind the send.
    const receipt = await this.#config.client.getTransactionReceipt({ hash: result.transactionHash });
    const [sent] = parseEventLogs({ abi: oftAbi, eventName: "OFTSent", logs: receipt.logs });
    if (!sent) throw new NettingVaultNotReadyError(this.chainId, `OFT send ${result.transactionHash} has no OFTSent`);
    return { ...result, guid: sent.args.guid };
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
    /** The step's mined transaction in the blocks up to `toBlock`. */
    find: (toBlock: bigint | "latest") => Promise<Hash | undefined>,
    request: { to: Address; data: Hex; value: bigint; amount: bigint },
    hooks: VaultHooks,
  ): Promise<VaultStepResult> {
    const { chainId } = this.#config;
    const done = await find("latest");
    if (done) return { transactionHash: done, sent: false };
    // Too little stablecoin is "not yet" (the escrows' payouts or a bridge transfer may still arrive), not a revert.
    const held = await this.balance();
    if (held < request.amount) {
      throw new NettingVaultNotReadyError(chainId, `it holds ${held} but must send ${request.amount}`);
    }
    let found: Hash | undefined;
    try {
      const { receipt } = await this.#config.sender.send(
        { to: request.to, data: concat([request.data, stepId]), value: request.value, abi: oftAbi },
        {
          // With the nonce reserved and every lower nonce of the key mined, no other step transaction of the vault
          // is in flight, and any worker reserving after this one waits here on this nonce: the chain is final for
          // the step up to the block that counted those nonces, so this look-up (pinned to that block: "latest" may
          // be resolved on a node a block behind) decides whether to send.
          onReserved: async (nonce) => {
            found = await find(await this.#minedUpTo(nonce));
            return found === undefined;
          },
          onBroadcast: async ({ hash }) => {
            await hooks.afterBroadcast?.(stepId, hash);
          },
        },
      );
      return { transactionHash: receipt.transactionHash, sent: true };
    } catch (error) {
      if (error instanceof SendCancelledError && found !== undefined) return { transactionHash: found, sent: false };
      if (error instanceof ContractRevertedError && error.transactionHash !== undefined) {
        throw new NettingTransactionRevertedError({ chainId, stepId, transactionHash: error.transactionHash });
      }
      throw error;
    }
  }

  /**
   * Waits until the vault's mined nonce is `nonce` (every earlier transaction of the key landed) and returns the
   * block whose state counted it, so what the chain shows is read at that block.
   */
  async #minedUpTo(nonce: number): Promise<bigint> {
    const { client } = this.#config;
    const deadline = Date.now() + (this.#config.pendingTimeoutMs ?? 30_000);
    for (;;) {
      const head = await client.getBlockNumber({ cacheTime: 0 });
      const mined = await client.getTransactionCount({ address: this.address, blockNumber: head });
      if (mined >= nonce) return head;
      if (Date.now() > deadline) {
        throw new NettingVaultNotReadyError(this.chainId, `${nonce - mined} earlier transaction(s) still unmined`);
      }
      await new Promise((resolve) => setTimeout(resolve, client.pollingInterval));
    }
  }
}
