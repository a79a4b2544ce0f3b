import { DescribeKeyCommand, ListAliasesCommand } from "@aws-sdk/client-kms";
import { keccak256, recoverAddress, toHex } from "viem";
import { publicKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { createDevnetKmsKeys, localKmsClient } from "./createDevnetKmsKeys.ts";
import { startLocalKms } from "./startLocalKms.ts";

describe("createDevnetKmsKeys", () => {
  it("creates one secp256k1 key per role behind its alias, named by it in the reference, signing for its address", async () => {
    const kms = await startLocalKms();
    const client = localKmsClient(kms.endpoint);
    try {
      const keys = await createDevnetKmsKeys(client, ["deployer", "prober-0"]);
      expect([...keys.keys()]).toEqual(["deployer", "prober-0"]);
      const { Aliases = [] } = await client.send(new ListAliasesCommand({}));
      expect(Aliases.map((alias) => alias.AliasName).sort()).toEqual([
        "alias/slabridge-devnet-deployer",
        "alias/slabridge-devnet-prober-0",
      ]);
      for (const [role, key] of keys) {
        expect(key.ref).toMatchObject({ kind: "kms", keyId: `alias/slabridge-devnet-${role}` });
        const described = await client.send(new DescribeKeyCommand({ KeyId: key.ref.keyId }));
        expect(described.KeyMetadata?.KeySpec).toBe("ECC_SECG_P256K1");
        expect(described.KeyMetadata?.Description).toBe(`slabridge devnet ${role}`);
        expect(key.account.address).toBe(publicKeyToAddress(key.ref.publicKey as `0x${string}`));
        const hash = keccak256(toHex(role));
        expect(await recoverAddress({ hash, signature: await key.account.sign({ hash }) })).toBe(key.account.address);
      }
      const [deployer, prober] = [...keys.values()];
      expect(deployer?.account.address).not.toBe(prober?.account.address);
    } finally {
      client.destroy();
      await kms.stop();
    }
  });
});
