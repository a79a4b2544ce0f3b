import { z } from "zod";

/**
 * The part of an OpenAI `POST /v1/completions` answer a prober checks: the right object type, at least one choice
 * with text. Extra fields pass (providers add their own), a missing or mistyped one makes the answer bad.
 *
 * @example
 * completionResponseSchema.safeParse(await res.json()).success;
 */
export const completionResponseSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal("text_completion"),
  created: z.number().int().nonnegative(),
  model: z.string().min(1),
  choices: z
    .array(
      z.looseObject({
        text: z.string(),
        index: z.number().int().nonnegative(),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
});
/** See {@link completionResponseSchema}. */
export type CompletionResponse = z.infer<typeof completionResponseSchema>;
