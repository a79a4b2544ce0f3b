import { modelRegistryAbi } from "@slabridge/contracts";
import type { Address } from "viem";
import { type ReaderClient, readContractTyped } from "../contracts/readContractTyped.ts";

/**
 * The home ModelRegistry's `verdictGraceEpochs` term per (model, epoch), from `termsAt(modelId, epoch)`: once epoch
 * `epoch + 1 + grace` has begun without a verdict for `epoch`, its buyers take their payments back.
 *
 * The terms of a started epoch never change, so a grace read for an epoch at or before the model's current epoch is
 * kept for good; a future epoch's (a pending version the owner may still replace) is read again each time.
 *
 * @example const grace = await new RegistryGraceReader(client, registry).verdictGraceEpochs(1n, 41n); // e.g. 2
 */
export class RegistryGraceReader {
  readonly #client: ReaderClient;
  readonly #registry: Address;
  readonly #fixed = new Map<string, number>();

  constructor(client: ReaderClient, registry: Address) {
    this.#client = client;
    this.#registry = registry;
  }

  async verdictGraceEpochs(modelId: bigint, epoch: bigint): Promise<number> {
    const key = `${modelId}:${epoch}`;
    const cached = this.#fixed.get(key);
    if (cached !== undefined) return cached;
    const [terms, current] = await Promise.all([
      readContractTyped(this.#client, this.#registry, modelRegistryAbi, "termsAt", [modelId, epoch]),
      readContractTyped(this.#client, this.#registry, modelRegistryAbi, "currentEpoch", [modelId]),
    ]);
    if (epoch <= current) this.#fixed.set(key, terms.verdictGraceEpochs);
    return terms.verdictGraceEpochs;
  }
}
