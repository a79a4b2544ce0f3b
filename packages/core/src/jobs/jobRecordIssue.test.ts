import { describe, expect, it } from "vitest";
import { jobRecordIssue } from "./jobRecordIssue.ts";

describe("jobRecordIssue", () => {
  it("accepts a sent submit, a settle job's payout claim and states without either", () => {
    expect(jobRecordIssue({ kind: "deliver-message", status: "submitted", destinationTransaction: "0x01" })).toBe(
      undefined,
    );
    expect(jobRecordIssue({ kind: "settle", status: "submitted", payoutClaim: { claimedAt: 1 } })).toBe(undefined);
    expect(jobRecordIssue({ kind: "settle", status: "submitted", payoutClaim: { claimedAt: 1, release: "0x" } })).toBe(
      undefined,
    );
    expect(jobRecordIssue({ kind: "refund", status: "confirmed" })).toBe(undefined);
  });

  it("refuses a payout claim outside a submitted settle job, beside a send or a nonce, and a submit with neither", () => {
    const claim = { claimedAt: 1 };
    expect(jobRecordIssue({ kind: "refund", status: "submitted", payoutClaim: claim })).toMatch(/only a settle job/);
    expect(jobRecordIssue({ kind: "settle", status: "finalized", payoutClaim: claim })).toMatch(/only a submitted/);
    expect(
      jobRecordIssue({ kind: "settle", status: "submitted", payoutClaim: claim, destinationTransaction: "0x01" }),
    ).toMatch(/not both/);
    expect(jobRecordIssue({ kind: "settle", status: "submitted", payoutClaim: claim, nonce: 3 })).toMatch(/no nonce/);
    expect(jobRecordIssue({ kind: "settle", status: "submitted" })).toMatch(/needs a destination transaction/);
  });
});
