import { KMSClient } from "@aws-sdk/client-kms";
import { MissingLinkError } from "./linkedResource.ts";

// Dummy credentials are only ever sent to this machine (the devnet's KMS stand-in).
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/**
 * The KMS client the manifest's `kms` keys sign through: in AWS the region's KMS with the default credential chain
 * (the Lambda role); with `endpoint`, a local KMS on loopback (the devnet's stand-in) with dummy credentials.
 *
 * @throws {MissingLinkError} when `endpoint` is not a loopback http URL.
 * @example const kms = createKmsClient({ region: env.AWS_REGION ?? "us-east-1" });
 */
export function createKmsClient(options: { region: string; endpoint?: string | undefined }): KMSClient {
  if (options.endpoint === undefined) return new KMSClient({ region: options.region });
  let url: URL | undefined;
  try {
    url = new URL(options.endpoint);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== "http:" || !["127.0.0.1", "[::1]", "localhost"].includes(url.hostname)) {
    throw new MissingLinkError("KMS endpoint", "a local KMS must be an http URL on loopback (127.0.0.1, ::1)");
  }
  return new KMSClient({ region: options.region, endpoint: options.endpoint, credentials: LOCAL_CREDENTIALS });
}

/**
 * The local runtime's KMS client: the devnet's KMS stand-in on loopback, which holds the manifest's `kms` keys (as the
 * local DynamoDB holds its tables). Undefined for a devnet whose roles are anvil accounts.
 *
 * @example const kms = devnetKmsClient(devnet); buildRelayWorld({ ...options, kms });
 */
export function devnetKmsClient(devnet: { kms?: { endpoint: string } | undefined }): KMSClient | undefined {
  return devnet.kms === undefined ? undefined : createKmsClient({ region: "us-east-1", endpoint: devnet.kms.endpoint });
}
