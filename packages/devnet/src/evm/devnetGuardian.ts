import { guardians } from "@wormhole-foundation/sdk-base";
import { type Address, privateKeyToAddress } from "viem/accounts";
import { registerSecret } from "./EvmDevnetError.ts";

/**
 * The devnet guardian's address, derived at run time from the key published in @wormhole-foundation/sdk-base
 * (the key itself never appears in slabridge code or output).
 *
 * @example const guardian = devnetGuardianAddress(); // the single guardian of guardian set 0
 */
export function devnetGuardianAddress(): Address {
  const key = devnetGuardianKey();
  return privateKeyToAddress(key);
}

/** The devnet guardian key from sdk-base, registered for scrubbing. Internal to the devnet's signer. */
export function devnetGuardianKey(): `0x${string}` {
  const raw = guardians.devnetGuardianPrivateKey;
  registerSecret(raw);
  return raw.startsWith("0x") ? (raw as `0x${string}`) : `0x${raw}`;
}
