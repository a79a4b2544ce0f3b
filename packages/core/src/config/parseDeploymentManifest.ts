import { SlabridgeError } from "../errors/SlabridgeError.ts";
import { type DeploymentManifest, deploymentManifestSchema } from "./deploymentManifest.ts";

/** A deployment manifest failed validation; `issues` name each bad field by its path. */
export class InvalidManifestError extends SlabridgeError {
  override readonly name = "InvalidManifestError" as const;
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super("invalid deployment manifest", { details: issues.join("; "), retryable: false });
    this.issues = issues;
  }
}

/**
 * Validates a deployment manifest (parsed JSON) and returns it typed, or throws one readable error naming every bad
 * field (`chains.0.rpcUrl: must be an http(s) URL`).
 *
 * @example const manifest = parseDeploymentManifest(JSON.parse(text));
 */
export function parseDeploymentManifest(input: unknown): DeploymentManifest {
  const parsed = deploymentManifestSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidManifestError(
    parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
  );
}
