import { SlabridgeError } from "../errors/SlabridgeError.ts";
import { type StageConfig, stageConfigSchema } from "./stageConfig.ts";

/** A stage config failed validation; `issues` name each bad field by its path. */
export class InvalidStageConfigError extends SlabridgeError {
  override readonly name = "InvalidStageConfigError" as const;
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super("invalid stage config", { details: issues.join("; "), retryable: false });
    this.issues = issues;
  }
}

/**
 * Validates a stage config (parsed JSON) and returns it with defaults applied, or throws one error naming every bad
 * field (`routes.2.destination: chain 5 is not in chains`).
 *
 * @example const config = parseStageConfig(JSON.parse(text));
 */
export function parseStageConfig(input: unknown): StageConfig {
  const parsed = stageConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new InvalidStageConfigError(
    parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`),
  );
}
