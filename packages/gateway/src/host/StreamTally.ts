import { z } from "zod";
import type { TokenUsage } from "../config/chargeFor.ts";
import type { SseEvent } from "../http/sse.ts";
import { usageOf } from "./forwardToHost.ts";

// A chat delta's content, or a completion chunk's text: what one streamed token looks like in OpenAI's API.
const chunkSchema = z.looseObject({
  choices: z
    .array(
      z.looseObject({
        delta: z.looseObject({ content: z.string().nullish() }).optional(),
        text: z.string().optional(),
      }),
    )
    .default([]),
});

/**
 * What the gateway reads of a host's OpenAI-style stream while relaying it: whether `[DONE]` has come, the usage of
 * the final chunk (`stream_options.include_usage`), and how many content deltas it relayed.
 *
 * @example
 * const tally = new StreamTally();
 * for (const event of events) if (tally.observe(event) === "done") break;
 * const usage = tally.usage();
 */
export class StreamTally {
  #done = false;
  #reported: TokenUsage | undefined;
  #deltas = 0n;

  /** Reads one event; `done` for the `[DONE]` sentinel (which the gateway holds back), `relay` for anything else. */
  observe(event: SseEvent): "done" | "relay" {
    if (event.data.trim() === "[DONE]") {
      this.#done = true;
      return "done";
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(event.data);
    } catch {
      return "relay"; // not a chunk (a host's own event): relayed, not counted
    }
    this.#reported = usageOf(parsed) ?? this.#reported;
    const chunk = chunkSchema.safeParse(parsed);
    if (chunk.success) {
      for (const choice of chunk.data.choices) {
        if ((choice.delta?.content ?? choice.text ?? "") !== "") this.#deltas++;
      }
    }
    return "relay";
  }

  /** Whether the host ended its answer with `[DONE]`. */
  get done(): boolean {
    return this.#done;
  }

  /** Content deltas relayed so far. */
  get deltas(): bigint {
    return this.#deltas;
  }

  /**
   * The usage the call is charged by: the host's own final `usage`, or, when it streamed none, the output the gateway
   * counted (one token per content delta relayed, as OpenAI streams them; no input tokens, which the gateway cannot
   * count without the model's tokenizer). Counting errs low, so a host's missing usage never costs the buyer more.
   */
  usage(): TokenUsage & { readonly reported: boolean } {
    if (this.#reported !== undefined) return { ...this.#reported, reported: true };
    return { inputTokens: 0n, outputTokens: this.#deltas, reported: false };
  }
}
