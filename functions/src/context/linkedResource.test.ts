import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkedQueue, linkedResource, linkedSecret, linkedTable, MissingLinkError } from "./linkedResource.ts";

// A deployed function reads its links through `Resource` from `sst`, which loads process.env (and the encrypted
// links file) once, at its first read: every variable this file puts in process.env is set before that read.

const dir = mkdtempSync(join(tmpdir(), "slabridge-links-"));
const variables = {
  SST_RESOURCE_App: JSON.stringify({ name: "slabridge", stage: "test" }),
  SST_RESOURCE_Jobs: JSON.stringify({ name: "slabridge-test-Jobs", type: "sst.aws.Dynamo" }),
  SST_RESOURCE_EmptySecret: JSON.stringify({ value: "", type: "sst.sst.Secret" }),
  SST_KEY_FILE: join(dir, "resource.enc"),
  SST_KEY: "",
};

/** The links file as SST bundles it: JSON, AES-256-GCM with a zero nonce, the tag appended. */
function writeEncryptedLinks(file: string, links: Record<string, unknown>): string {
  const key = randomBytes(32);
  const cipher = createCipheriv("aes-256-gcm", key, Buffer.alloc(12, 0));
  const body = Buffer.concat([cipher.update(JSON.stringify(links)), cipher.final(), cipher.getAuthTag()]);
  writeFileSync(file, body);
  return key.toString("base64");
}

beforeAll(() => {
  variables.SST_KEY = writeEncryptedLinks(variables.SST_KEY_FILE, {
    RelayQueue: { url: "https://sqs.us-east-1.amazonaws.com/000000000000/slabridge-test-RelayQueue" },
  });
  Object.assign(process.env, variables);
});

afterAll(() => {
  for (const name of Object.keys(variables)) delete process.env[name];
  rmSync(dir, { recursive: true, force: true });
});

describe("linkedResource in a deployed function (process.env, through sst's Resource)", () => {
  it("reads SST_RESOURCE_<Name> variables and the encrypted links file", () => {
    expect(linkedResource("Jobs", linkedTable).name).toBe("slabridge-test-Jobs");
    expect(linkedResource("RelayQueue", linkedQueue).url).toMatch(/slabridge-test-RelayQueue$/);
  });

  it("names a missing link, and checks a link's shape", () => {
    expect(() => linkedResource("Nonces", linkedTable)).toThrow(MissingLinkError);
    expect(() => linkedResource("Nonces", linkedTable)).toThrow("linked resource Nonces: not linked to this function");
    expect(() => linkedResource("EmptySecret", linkedSecret)).toThrow(/linked resource EmptySecret: /);
  });

  it("does not see a variable set after the first read (Resource loads once)", () => {
    linkedResource("Jobs", linkedTable);
    process.env.SST_RESOURCE_Cursors = JSON.stringify({ name: "slabridge-test-Cursors" });
    try {
      expect(() => linkedResource("Cursors", linkedTable)).toThrow(MissingLinkError);
      // An explicit map is read as given.
      expect(linkedResource("Cursors", linkedTable, { ...process.env }).name).toBe("slabridge-test-Cursors");
    } finally {
      delete process.env.SST_RESOURCE_Cursors;
    }
  });
});

describe("linkedResource with an explicit environment (tests, the local runtime)", () => {
  it("reads SST_RESOURCE_<Name> from the map alone", () => {
    const env = { SST_RESOURCE_Samples: JSON.stringify({ name: "slabridge-test-Samples" }) };
    expect(linkedResource("Samples", linkedTable, env).name).toBe("slabridge-test-Samples");
    expect(() => linkedResource("Jobs", linkedTable, env)).toThrow("linked resource Jobs: not linked to this function");
  });

  it("refuses a value that is not JSON, or not of the link's shape", () => {
    expect(() => linkedResource("Jobs", linkedTable, { SST_RESOURCE_Jobs: "{" })).toThrow(
      "linked resource Jobs: not JSON",
    );
    expect(() => linkedResource("Jobs", linkedTable, { SST_RESOURCE_Jobs: "{}" })).toThrow(MissingLinkError);
  });
});
