import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { ed25519 } from "@noble/curves/ed25519";
import { secp256k1 } from "@noble/curves/secp256k1";
import { closeServer } from "../hosts/closeServer.ts";
import { listenLoopback } from "../hosts/listenLoopback.ts";

/**
 * A stand-in for AWS KMS on 127.0.0.1: the JSON 1.1 protocol (`POST /`, `X-Amz-Target: TrentService.<Op>`) for the
 * few operations slabridge's signers use, with real keys held in memory. The stock `@aws-sdk/client-kms` talks to it
 * with an endpoint override and dummy credentials; requests are not SigV4-checked (loopback only, nothing to guard).
 */
export interface LocalKms {
  /** `http://127.0.0.1:<port>`: pass as the KMS client's `endpoint`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

type KeySpec = "ECC_SECG_P256K1" | "ECC_NIST_EDWARDS25519";

interface HeldKey {
  readonly keyId: string;
  readonly arn: string;
  readonly spec: KeySpec;
  readonly secret: Uint8Array;
  readonly description: string;
  readonly created: number;
}

// The fixed SPKI DER prefixes AWS returns: id-ecPublicKey + secp256k1 with an uncompressed point; id-Ed25519.
const SECP256K1_SPKI_PREFIX = Uint8Array.from(Buffer.from("3056301006072a8648ce3d020106052b8104000a034200", "hex"));
const ED25519_SPKI_PREFIX = Uint8Array.from(Buffer.from("302a300506032b6570032100", "hex"));
const ACCOUNT = "000000000000";

class KmsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** What each operation does with its JSON request; the server maps a thrown {@link KmsFault} to AWS's 400 shape. */
class KeyRing {
  private readonly keys = new Map<string, HeldKey>();
  private readonly aliases = new Map<string, string>();
  constructor(private readonly region: string) {}

  handle(op: string, body: Record<string, unknown>): unknown {
    switch (op) {
      case "CreateKey":
        return this.createKey(body);
      case "DescribeKey":
        return { KeyMetadata: this.metadata(this.resolve(body.KeyId)) };
      case "GetPublicKey":
        return this.publicKey(this.resolve(body.KeyId));
      case "Sign":
        return this.sign(this.resolve(body.KeyId), body);
      case "CreateAlias":
        return this.createAlias(body);
      case "ListAliases":
        return this.listAliases(body);
      default:
        throw new KmsFault("UnsupportedOperationException", `${op} is not implemented by the local KMS`);
    }
  }

  private createKey(body: Record<string, unknown>) {
    const spec = body.KeySpec ?? body.CustomerMasterKeySpec;
    if (spec !== "ECC_SECG_P256K1" && spec !== "ECC_NIST_EDWARDS25519") {
      throw new KmsFault("ValidationException", `KeySpec ${String(spec)} is not supported by the local KMS`);
    }
    if ((body.KeyUsage ?? "SIGN_VERIFY") !== "SIGN_VERIFY") {
      throw new KmsFault("ValidationException", "only KeyUsage SIGN_VERIFY is supported by the local KMS");
    }
    const keyId = randomUUID();
    const key: HeldKey = {
      keyId,
      arn: `arn:aws:kms:${this.region}:${ACCOUNT}:key/${keyId}`,
      spec,
      secret: spec === "ECC_SECG_P256K1" ? secp256k1.utils.randomPrivateKey() : ed25519.utils.randomPrivateKey(),
      description: typeof body.Description === "string" ? body.Description : "",
      created: Date.now() / 1000,
    };
    this.keys.set(keyId, key);
    return { KeyMetadata: this.metadata(key) };
  }

  private createAlias(body: Record<string, unknown>) {
    const name = body.AliasName;
    if (typeof name !== "string" || !name.startsWith("alias/") || name.startsWith("alias/aws/")) {
      throw new KmsFault("ValidationException", "AliasName must start with alias/ (and not alias/aws/)");
    }
    if (this.aliases.has(name)) throw new KmsFault("AlreadyExistsException", `${name} already exists`);
    this.aliases.set(name, this.resolve(body.TargetKeyId).keyId);
    return {};
  }

  private listAliases(body: Record<string, unknown>) {
    const only = body.KeyId === undefined ? undefined : this.resolve(body.KeyId).keyId;
    const Aliases = [...this.aliases]
      .filter(([, keyId]) => only === undefined || keyId === only)
      .map(([name, keyId]) => ({
        AliasName: name,
        AliasArn: `arn:aws:kms:${this.region}:${ACCOUNT}:${name}`,
        TargetKeyId: keyId,
      }));
    return { Aliases, Truncated: false };
  }

  private resolve(id: unknown): HeldKey {
    if (typeof id !== "string" || id.length === 0) throw new KmsFault("ValidationException", "KeyId is required");
    // A key id, its ARN, an alias name or an alias ARN, as AWS accepts.
    const bare = id.replace(/^arn:aws:kms:[^:]*:[^:]*:/, "").replace(/^key\//, "");
    const keyId = bare.startsWith("alias/") ? this.aliases.get(bare) : bare;
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (!key) throw new KmsFault("NotFoundException", `${id} is not found`);
    return key;
  }

  private metadata(key: HeldKey) {
    return {
      AWSAccountId: ACCOUNT,
      KeyId: key.keyId,
      Arn: key.arn,
      CreationDate: key.created,
      Enabled: true,
      Description: key.description,
      KeyUsage: "SIGN_VERIFY",
      KeyState: "Enabled",
      Origin: "AWS_KMS",
      KeyManager: "CUSTOMER",
      KeySpec: key.spec,
      CustomerMasterKeySpec: key.spec === "ECC_SECG_P256K1" ? key.spec : undefined,
      SigningAlgorithms: [algorithmOf(key.spec)],
      MultiRegion: false,
    };
  }

  private publicKey(key: HeldKey) {
    const spki =
      key.spec === "ECC_SECG_P256K1"
        ? concat(SECP256K1_SPKI_PREFIX, secp256k1.getPublicKey(key.secret, false))
        : concat(ED25519_SPKI_PREFIX, ed25519.getPublicKey(key.secret));
    return {
      KeyId: key.arn,
      PublicKey: Buffer.from(spki).toString("base64"),
      KeySpec: key.spec,
      CustomerMasterKeySpec: key.spec === "ECC_SECG_P256K1" ? key.spec : undefined,
      KeyUsage: "SIGN_VERIFY",
      SigningAlgorithms: [algorithmOf(key.spec)],
    };
  }

  private sign(key: HeldKey, body: Record<string, unknown>) {
    const algorithm = body.SigningAlgorithm;
    if (algorithm !== algorithmOf(key.spec)) {
      throw new KmsFault("InvalidKeyUsageException", `${String(algorithm)} is not valid for this key`);
    }
    if (typeof body.Message !== "string") throw new KmsFault("ValidationException", "Message is required");
    const message = Uint8Array.from(Buffer.from(body.Message, "base64"));
    const type = body.MessageType ?? "RAW";
    let signature: Uint8Array;
    if (key.spec === "ECC_SECG_P256K1") {
      if (type !== "RAW" && type !== "DIGEST") throw new KmsFault("ValidationException", `MessageType ${type}`);
      if (type === "DIGEST" && message.length !== 32) {
        throw new KmsFault("ValidationException", "a DIGEST for ECDSA_SHA_256 is 32 bytes");
      }
      const digest = type === "DIGEST" ? message : new Uint8Array(sha256(message));
      // KMS does not normalize s: half its signatures are high-s, which callers must fix for Ethereum.
      signature = secp256k1.sign(digest, key.secret, { lowS: false }).toDERRawBytes();
    } else {
      // AWS signs Ed25519 (pure) RAW messages only.
      if (type !== "RAW") throw new KmsFault("ValidationException", "ED25519_SHA_512 signs RAW messages only");
      signature = ed25519.sign(message, key.secret);
    }
    return { KeyId: key.arn, Signature: Buffer.from(signature).toString("base64"), SigningAlgorithm: algorithm };
  }
}

function algorithmOf(spec: KeySpec): string {
  return spec === "ECC_SECG_P256K1" ? "ECDSA_SHA_256" : "ED25519_SHA_512";
}

function sha256(message: Uint8Array): Buffer {
  return createHash("sha256").update(message).digest();
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() });
  res.end(JSON.stringify(body));
}

/**
 * Starts the local KMS on 127.0.0.1 (an ephemeral port unless `port` is given). Keys live in this process only and
 * are gone on `stop()`.
 *
 * @example
 * ```ts
 * const kms = await startLocalKms();
 * const client = new KMSClient({ region: "us-east-1", endpoint: kms.endpoint, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
 * ```
 */
export async function startLocalKms(options: { port?: number; region?: string } = {}): Promise<LocalKms> {
  const ring = new KeyRing(options.region ?? "us-east-1");
  const server = createServer((req, res) => {
    void (async () => {
      const target = req.headers["x-amz-target"];
      if (req.method !== "POST" || typeof target !== "string" || !target.startsWith("TrentService.")) {
        reply(res, 400, { __type: "UnknownOperationException", message: "expected POST with a TrentService target" });
        return;
      }
      try {
        const text = await readBody(req);
        const body = (text.length === 0 ? {} : JSON.parse(text)) as Record<string, unknown>;
        reply(res, 200, ring.handle(target.slice("TrentService.".length), body));
      } catch (error) {
        if (error instanceof KmsFault) reply(res, 400, { __type: error.type, message: error.message });
        else if (error instanceof SyntaxError)
          reply(res, 400, { __type: "SerializationException", message: "bad JSON" });
        else reply(res, 500, { __type: "KMSInternalException", message: "internal error" });
      }
    })();
  });
  const port = await listenLoopback(server, options.port);
  return { endpoint: `http://127.0.0.1:${port}`, stop: () => closeServer(server) };
}
