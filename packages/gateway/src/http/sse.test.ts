import { describe, expect, it } from "vitest";
import { SseSplitter, sseEvent } from "./sse.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("SseSplitter", () => {
  it("hands on whole events only, across chunk boundaries and split UTF-8", () => {
    const splitter = new SseSplitter();
    const euro = bytes("data: 5 €\n\n");
    expect(splitter.push(bytes('data: {"a"'))).toEqual([]);
    expect(splitter.push(bytes(":1}\n"))).toEqual([]);
    expect(splitter.push(bytes("\ndata: x\n\n"))).toEqual([
      { raw: 'data: {"a":1}', event: undefined, data: '{"a":1}' },
      { raw: "data: x", event: undefined, data: "x" },
    ]);
    // The euro sign's three bytes arrive in two chunks.
    expect(splitter.push(euro.slice(0, euro.length - 3))).toEqual([]);
    expect(splitter.push(euro.slice(euro.length - 3))).toEqual([{ raw: "data: 5 €", event: undefined, data: "5 €" }]);
  });

  it("reads CRLF and CR line ends, named events, multi-line data, and skips comment-only blocks", () => {
    const splitter = new SseSplitter();
    const events = splitter.push(
      bytes(": keep-alive\r\n\r\nevent: error\r\ndata: one\r\ndata:two\r\rdata: [DONE]\n\n"),
    );
    expect(events).toEqual([
      { raw: "event: error\ndata: one\ndata:two", event: "error", data: "one\ntwo" },
      { raw: "data: [DONE]", event: undefined, data: "[DONE]" },
    ]);
    // A CRLF split between two chunks is one line end, not two (which would end the event early).
    const split = new SseSplitter();
    expect(split.push(bytes("event: x\r"))).toEqual([]);
    expect(split.push(bytes("\ndata: 1\r\n\r\n"))).toEqual([{ raw: "event: x\ndata: 1", event: "x", data: "1" }]);
  });
});

describe("sseEvent", () => {
  it("writes a named event with one data line per line, and reads back as it was written", () => {
    const text = sseEvent({ event: "x402-payment-response", data: "a\nb" });
    expect(text).toBe("event: x402-payment-response\ndata: a\ndata: b\n\n");
    expect(new SseSplitter().push(bytes(text))).toEqual([
      { raw: "event: x402-payment-response\ndata: a\ndata: b", event: "x402-payment-response", data: "a\nb" },
    ]);
    expect(sseEvent({ data: "[DONE]" })).toBe("data: [DONE]\n\n");
  });
});
