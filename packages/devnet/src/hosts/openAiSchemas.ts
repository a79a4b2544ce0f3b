import { z } from "zod";

// Only the fields the demo host reads are checked; the rest of an OpenAI request passes through untouched.

/** `stream` and `stream_options` of a completion request: server-sent events, ending with a usage chunk if asked. */
const streamFields = {
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
};

/** POST /v1/completions request body. */
export const completionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()).min(1)]),
  ...streamFields,
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
  ...streamFields,
});

/** One chat message as the host reads it. */
export type ChatMessage = z.infer<typeof chatCompletionRequestSchema>["messages"][number];
