import { S3Client } from "@aws-sdk/client-s3";
import { S3BlobStore } from "@slabridge/measuring";
import { linkedBucket, linkedResource } from "./linkedResource.ts";

/**
 * The published evidence of a deployed function: the stage's evidence bucket in the app's home region, through the
 * link its record names (`Evidence` for the evaluator's world, which publishes; `EvidenceReadOnly` for the probers and
 * the status API, which read). A prober in another region reads across regions (`SLABRIDGE_TABLES_REGION`, the home
 * region, as for its tables).
 *
 * @throws {MissingLinkError} when the function's stack did not link that bucket
 * @example const blobs = evidenceFromEnv(env, "read");
 */
export function evidenceFromEnv(env: NodeJS.ProcessEnv, access: "read" | "write"): S3BlobStore {
  const bucket = linkedResource(access === "write" ? "Evidence" : "EvidenceReadOnly", linkedBucket, env).name;
  const region = env.SLABRIDGE_TABLES_REGION ?? env.AWS_REGION ?? "us-east-1";
  return new S3BlobStore({ client: new S3Client({ region }), bucket });
}
