import { ConditionalCheckFailedException, ProvisionedThroughputExceededException } from "@aws-sdk/client-dynamodb";
import { describe, expect, it } from "vitest";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { StoreRequestError } from "../errors/StoreRequestError.ts";
import { StoreUnavailableError } from "../errors/StoreUnavailableError.ts";
import { translateAwsError } from "./translateAwsError.ts";

function awsError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });
}

describe("translateAwsError", () => {
  it("makes throttling, 5xx and network failures a retryable StoreUnavailableError", () => {
    const throttled = new ProvisionedThroughputExceededException({ message: "slow down", $metadata: {} });
    const network = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const wrapped = new Error("socket hang up", { cause: network });
    for (const error of [
      throttled,
      awsError("ThrottlingException", 400),
      awsError("InternalServerError", 500),
      awsError("SomethingNew", 503),
      awsError("Whatever", 400, { $retryable: {} }),
      network,
      wrapped,
    ]) {
      const translated = translateAwsError(error, "PutItem", "Jobs");
      expect(translated).toBeInstanceOf(StoreUnavailableError);
      expect(translated).toMatchObject({ name: "StoreUnavailableError", retryable: true, table: "Jobs" });
      expect(translated.cause).toBe(error);
    }
  });

  it("makes validation, missing tables and access errors a non-retryable StoreRequestError", () => {
    for (const error of [
      awsError("ValidationException", 400),
      awsError("ResourceNotFoundException", 400),
      awsError("AccessDeniedException", 400),
      new ConditionalCheckFailedException({ message: "no", $metadata: {} }),
      "a string",
    ]) {
      const translated = translateAwsError(error, "Query", "Payments");
      expect(translated).toBeInstanceOf(StoreRequestError);
      expect(translated).toMatchObject({ name: "StoreRequestError", retryable: false, operation: "Query" });
    }
  });

  it("passes slabridge errors through and scrubs secrets from the message", () => {
    const own = new InvalidStoreInputError("bad");
    expect(translateAwsError(own, "PutItem", "Jobs")).toBe(own);
    const key = `0x${"ab".repeat(32)}`;
    const leaked = awsError("ValidationException", 400, { message: `bad value ${key} at https://u:pw@host/x` });
    const translated = translateAwsError(leaked, "PutItem", "Jobs");
    expect(translated.message).not.toContain(key);
    expect(translated.message).not.toContain("pw@");
  });
});
