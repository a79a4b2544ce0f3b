import { describe, expect, it } from "vitest";
import { contractReceiverAuthorizer, ReceiverContractSignsItselfError } from "./contractReceiverAuthorizer.ts";

describe("contractReceiverAuthorizer", () => {
  it("has the contract's checksummed address and refuses to sign with a typed 501", async () => {
    const signer = contractReceiverAuthorizer(`0x${"ab".repeat(20)}`);
    expect(signer.address).toBe("0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB");
    const error = await signer
      .signTypedData({ domain: {}, types: {}, primaryType: "ClaimBatch", message: {} })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReceiverContractSignsItselfError);
    expect(error).toMatchObject({ status: 501, code: "receiver_contract_authorizes_itself" });
  });
});
