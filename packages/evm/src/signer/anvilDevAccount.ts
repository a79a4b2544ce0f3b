import { type HDAccount, mnemonicToAccount } from "viem/accounts";

/** anvil's default mnemonic: its dev accounts' keys are public test keys, the same on every anvil chain. */
const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

const derived = new Map<number, HDAccount>();

/**
 * anvil dev account `index`, derived once per process. The derivation (BIP-39 seed: 2,048 rounds of PBKDF2 in
 * JavaScript) blocks the event loop for milliseconds, so a caller signing per request must not repeat it.
 *
 * @example const buyer = anvilDevAccount(3); // 0x90F7…b906, the same object on every call
 */
export function anvilDevAccount(index: number): HDAccount {
  let account = derived.get(index);
  if (account === undefined) {
    account = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
    derived.set(index, account);
  }
  return account;
}
