import type { Address, PublicClient } from "viem";
import { ForgedVaaError } from "./errors/ForgedVaaError.ts";
import { WormholeRpcError } from "./errors/WormholeRpcError.ts";
import type { GuardianSet } from "./verifyVaa.ts";
import { wormholeCoreAbi } from "./wormholeCoreAbi.ts";

/** Options of {@link GuardianSetCache}. */
export interface GuardianSetCacheOptions {
  readonly client: PublicClient;
  readonly chainId: number;
  /** The Wormhole core (proxy) on that chain. */
  readonly core: Address;
  /** How long the current index is trusted before it is read again (default 10 minutes). */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

/**
 * The guardian sets a chain's core accepts, read with `getCurrentGuardianSetIndex` / `getGuardianSet` and cached:
 * a set's keys never change, only which index is current (and when an old one expires), so only that is re-read.
 * A VAA may be signed by the current set or by an older one the core has not expired yet, as `parseAndVerifyVM`
 * allows.
 *
 * @example
 * ```ts
 * const sets = new GuardianSetCache({ client, chainId: 31338, core });
 * const set = await sets.forIndex(splitVaa(bytes)?.guardianSetIndex ?? 0);
 * ```
 */
export class GuardianSetCache {
  readonly #options: GuardianSetCacheOptions;
  readonly #keys = new Map<number, Promise<{ keys: readonly Address[]; expirationTime: number }>>();
  #current: { index: number; readAt: number } | undefined;

  constructor(options: GuardianSetCacheOptions) {
    this.#options = options;
  }

  /**
   * The guardian set with `index` if the core accepts VAAs signed by it now.
   *
   * @throws {ForgedVaaError} reason "guardian-set" when the core would refuse the index
   * @throws {WormholeRpcError} when the core cannot be read
   * @example
   * ```ts
   * const { keys } = await sets.forIndex(0);
   * ```
   */
  async forIndex(index: number): Promise<GuardianSet> {
    let current = await this.#currentIndex(false);
    // A newer index than we know: the set may have rotated since the cache was filled.
    if (index > current) current = await this.#currentIndex(true);
    if (index > current) throw new ForgedVaaError("guardian-set", `set ${index} is not in use (current ${current})`);
    // Keys of a set never change, so the cache serves them; an old set's expiry is read fresh each time.
    const set = index < current ? await this.#readSet(index) : await this.#set(index);
    if (index < current) {
      const now = await this.#read("getBlock", () => this.#options.client.getBlock());
      if (set.expirationTime === 0 || BigInt(set.expirationTime) < now.timestamp) {
        throw new ForgedVaaError("guardian-set", `set ${index} has expired (current ${current})`);
      }
    }
    return { index, keys: set.keys };
  }

  /**
   * The current guardian set.
   *
   * @example
   * ```ts
   * const { index, keys } = await sets.current();
   * ```
   */
  async current(): Promise<GuardianSet> {
    const index = await this.#currentIndex(false);
    return { index, keys: (await this.#set(index)).keys };
  }

  async #currentIndex(refresh: boolean): Promise<number> {
    const now = (this.#options.now ?? Date.now)();
    const cached = this.#current;
    if (!refresh && cached !== undefined && now - cached.readAt < (this.#options.ttlMs ?? 600_000)) return cached.index;
    const index = await this.#read("getCurrentGuardianSetIndex", () =>
      this.#options.client.readContract({
        address: this.#options.core,
        abi: wormholeCoreAbi,
        functionName: "getCurrentGuardianSetIndex",
      }),
    );
    this.#current = { index, readAt: now };
    return index;
  }

  #set(index: number): Promise<{ keys: readonly Address[]; expirationTime: number }> {
    const cached = this.#keys.get(index);
    if (cached !== undefined) return cached;
    const read = this.#readSet(index);
    this.#keys.set(index, read);
    // A failed read must not stay cached.
    read.catch(() => this.#keys.delete(index));
    return read;
  }

  #readSet(index: number): Promise<{ keys: readonly Address[]; expirationTime: number }> {
    return this.#read("getGuardianSet", () =>
      this.#options.client.readContract({
        address: this.#options.core,
        abi: wormholeCoreAbi,
        functionName: "getGuardianSet",
        args: [index],
      }),
    );
  }

  async #read<T>(operation: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      throw new WormholeRpcError(this.#options.chainId, `Reading ${operation} from the Wormhole core`, error);
    }
  }
}
