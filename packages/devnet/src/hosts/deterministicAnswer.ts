import { createHash } from "node:crypto";

/**
 * The demo model's "inference": an echo tagged with a hash of (model, prompt), so equal prompts get equal answers
 * and probers can check an answer without a real model.
 *
 * @example
 * deterministicAnswer("llama-demo", "hi").text; // "[llama-demo#3f1c…] hi"
 */
export function deterministicAnswer(model: string, prompt: string): { readonly text: string; readonly digest: string } {
  const digest = createHash("sha256").update(model).update("\n").update(prompt).digest("hex");
  // The echo is capped so a huge prompt does not make a huge answer.
  return { text: `[${model}#${digest.slice(0, 16)}] ${prompt.slice(0, 256)}`, digest };
}
