import { GetPublicKeyCommand } from "@aws-sdk/client-kms";
import { startLocalKms } from "@slabridge/devnet";
import { describe, expect, it } from "vitest";
import { createKmsClient, devnetKmsClient } from "./createKmsClient.ts";
import { MissingLinkError } from "./linkedResource.ts";

describe("createKmsClient", () => {
  it("talks to a local KMS on loopback and refuses any other endpoint", async () => {
    const kms = await startLocalKms();
    const client = createKmsClient({ region: "us-east-1", endpoint: kms.endpoint });
    try {
      await expect(client.send(new GetPublicKeyCommand({ KeyId: "alias/none" }))).rejects.toMatchObject({
        name: "NotFoundException",
      });
    } finally {
      client.destroy();
      await kms.stop();
    }
    expect(() => createKmsClient({ region: "us-east-1", endpoint: "https://kms.example.com" })).toThrow(
      MissingLinkError,
    );
    expect(() => createKmsClient({ region: "us-east-1", endpoint: "not a url" })).toThrow(MissingLinkError);
  });

  it("gives the local runtime a client on the devnet's KMS stand-in, and none for a devnet of anvil accounts", async () => {
    expect(devnetKmsClient({})).toBeUndefined();
    const kms = await startLocalKms();
    const client = devnetKmsClient({ kms: { endpoint: kms.endpoint } });
    try {
      // It reached the stand-in: the stand-in's own answer for a key it does not hold.
      await expect(client?.send(new GetPublicKeyCommand({ KeyId: "alias/none" }))).rejects.toMatchObject({
        name: "NotFoundException",
      });
    } finally {
      client?.destroy();
      await kms.stop();
    }
    expect(() => devnetKmsClient({ kms: { endpoint: "https://kms.example.com" } })).toThrow(MissingLinkError);
  });
});
