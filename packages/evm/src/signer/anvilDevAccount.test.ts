import { describe, expect, it } from "vitest";
import { anvilDevAccount } from "./anvilDevAccount.ts";

describe("anvilDevAccount", () => {
  it("is anvil's dev account at that index (the addresses anvil prints at start)", () => {
    expect(anvilDevAccount(0).address).toBe("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    expect(anvilDevAccount(9).address).toBe("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720");
  });

  it("derives each account once: a per-request signer gets the same account back, not a fresh PBKDF2 derivation", () => {
    expect(anvilDevAccount(3)).toBe(anvilDevAccount(3));
    expect(anvilDevAccount(3)).not.toBe(anvilDevAccount(4));
  });
});
