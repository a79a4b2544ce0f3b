import { z } from "zod";

// Only the fields the demo host reads are checked; the rest of an OpenAI request passes through untouched.

/** POST /v1/completions request body. */
export const completionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()).min(1)]),
  stream: z.literal(false).optional(),
});

const contentPartSchema = z.looseObject({ type: z.string(), text: z.string().optional() });

/** POST /v1/chat/completions request body. */
export const chatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z
    .array(
      z.looseObject({
        role: z.string(),
        content: z.union([z.string(), z.array(contentPartSchema), z.null()]),
      }),
    )
    .min(1),
  stream: z.literal(false).optional(),
});

/** One chat message as the host reads it. */
export type ChatMessage = z.infer<typeof chatCompletionRequestSchema>["messages"][number];
