import { BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN, claimBatchTypes, refundTypes } from "@x402/evm";
import { type Hex, recoverTypedDataAddress, slice } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import {
  contractReceiverAuthorizer,
  InvalidRefundRequestError,
  ReceiverContractSignsItselfError,
} from "./contractReceiverAuthorizer.ts";

const RECEIVER = `0x${"ab".repeat(20)}` as const;
const CHANNEL: Hex = `0x${"cd".repeat(32)}`;
const refundRequest = (overrides: Record<string, unknown> = {}) => ({
  domain: { ...BATCH_SETTLEMENT_DOMAIN, chainId: 31_337, verifyingContract: BATCH_SETTLEMENT_ADDRESS },
  types: refundTypes,
  primaryType: "Refund",
  message: { channelId: CHANNEL, nonce: 3n, amount: 4_500n },
  ...overrides,
});

describe("contractReceiverAuthorizer", () => {
  const key = privateKeyToAccount(generatePrivateKey());

  it("has the contract's checksummed address and, without a refund key, refuses every signature with a typed 501", async () => {
    const signer = contractReceiverAuthorizer(RECEIVER);
    expect(signer.address).toBe("0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB");
    for (const primaryType of ["ClaimBatch", "Refund"]) {
      const error = await signer
        .signTypedData({ domain: {}, types: {}, primaryType, message: {} })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ReceiverContractSignsItselfError);
      expect(error).toMatchObject({ status: 501, code: "receiver_contract_authorizes_itself" });
    }
  });

  it("signs a Refund as the SlaReceiver checks it: channelId, nonce, amount packed, then the key's RefundAuthorization signature", async () => {
    const signed = await contractReceiverAuthorizer(RECEIVER, key).signTypedData(refundRequest());
    expect((signed.length - 2) / 2).toBe(145);
    expect(slice(signed, 0, 32)).toBe(CHANNEL);
    expect(BigInt(slice(signed, 32, 64))).toBe(3n);
    expect(BigInt(slice(signed, 64, 80))).toBe(4_500n);
    const signer = await recoverTypedDataAddress({
      domain: { name: "slabridge SlaReceiver", version: "1", chainId: 31_337, verifyingContract: RECEIVER },
      types: {
        RefundAuthorization: [
          { name: "channelId", type: "bytes32" },
          { name: "nonce", type: "uint256" },
          { name: "amount", type: "uint128" },
        ],
      },
      primaryType: "RefundAuthorization",
      message: { channelId: CHANNEL, nonce: 3n, amount: 4_500n },
      signature: slice(signed, 80),
    });
    expect(signer).toBe(key.address);
  });

  it("never signs a ClaimBatch, even with the refund key", async () => {
    const error = await contractReceiverAuthorizer(RECEIVER, key)
      .signTypedData({
        domain: { ...BATCH_SETTLEMENT_DOMAIN, chainId: 31_337, verifyingContract: BATCH_SETTLEMENT_ADDRESS },
        types: claimBatchTypes,
        primaryType: "ClaimBatch",
        message: { claims: [] },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReceiverContractSignsItselfError);
    expect(error).toMatchObject({ code: "receiver_contract_authorizes_itself" });
  });

  it("refuses a Refund of another domain or contract, or an amount over uint128, with a typed 400", async () => {
    const signer = contractReceiverAuthorizer(RECEIVER, key);
    const domain = refundRequest().domain;
    for (const request of [
      refundRequest({ domain: { ...domain, name: "Another Protocol" } }),
      refundRequest({ domain: { ...domain, verifyingContract: RECEIVER } }),
      refundRequest({ message: { channelId: CHANNEL, nonce: 0n, amount: 1n << 128n } }),
      refundRequest({ message: { channelId: "0x12", nonce: 0n, amount: 1n } }),
    ]) {
      const error = await signer.signTypedData(request).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidRefundRequestError);
      expect(error).toMatchObject({ status: 400, code: "invalid_refund_request" });
    }
  });
});
