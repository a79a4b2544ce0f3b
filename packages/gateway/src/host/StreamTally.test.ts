import { describe, expect, it } from "vitest";
import type { SseEvent } from "../http/sse.ts";
import { StreamTally } from "./StreamTally.ts";

const event = (data: unknown): SseEvent => {
  const text = typeof data === "string" ? data : JSON.stringify(data);
  return { raw: `data: ${text}`, event: undefined, data: text };
};

describe("StreamTally", () => {
  it("charges by the host's final usage chunk, and holds back [DONE]", () => {
    const tally = new StreamTally();
    expect(tally.observe(event({ choices: [{ delta: { role: "assistant", content: "" } }] }))).toBe("relay");
    expect(tally.observe(event({ choices: [{ delta: { content: "Hi" } }] }))).toBe("relay");
    expect(tally.observe(event({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 9 } }))).toBe("relay");
    expect(tally.done).toBe(false);
    expect(tally.observe(event("[DONE]"))).toBe("done");
    expect(tally.done).toBe(true);
    expect(tally.deltas).toBe(1n);
    expect(tally.usage()).toEqual({ inputTokens: 5n, outputTokens: 9n, reported: true });
  });

  it("without usage, counts one output token per non-empty delta (chat) or text (completions), no input tokens", () => {
    const tally = new StreamTally();
    tally.observe(event({ choices: [{ delta: { content: "An" } }] }));
    tally.observe(event({ choices: [{ delta: { content: null } }] }));
    tally.observe(event({ choices: [{ text: " SLA" }, { text: "" }] }));
    tally.observe(event("not json")); // a host's own event: relayed, not counted
    tally.observe(event({ choices: [{ delta: {}, finish_reason: "stop" }] }));
    expect(tally.usage()).toEqual({ inputTokens: 0n, outputTokens: 2n, reported: false });
  });
});
