/** One server-sent event as it arrived: its raw text (without the blank line that ends it), its name and its data. */
export interface SseEvent {
  readonly raw: string;
  /** The `event:` field, undefined for an unnamed (`message`) event. */
  readonly event: string | undefined;
  /** The `data:` lines joined with `\n`. */
  readonly data: string;
}

/**
 * Splits a text/event-stream into whole events as its bytes arrive (WHATWG server-sent events: an event ends at a
 * blank line; CRLF, LF and CR all end a line). Events are only handed on whole, so the gateway can look at each one
 * (usage, `[DONE]`) before relaying it.
 *
 * @example
 * const splitter = new SseSplitter();
 * for (const event of splitter.push(chunk)) relay(event.raw);
 */
export class SseSplitter {
  readonly #decoder = new TextDecoder("utf-8");
  #pending = "";
  // A chunk's last CR may be half of a CRLF: it waits for the next chunk, so the pair is not read as two line ends.
  #carriedCr = false;

  /** The events completed by `chunk`; a partial event waits for the next chunk. */
  push(chunk: Uint8Array): SseEvent[] {
    let text = `${this.#carriedCr ? "\r" : ""}${this.#decoder.decode(chunk, { stream: true })}`;
    this.#carriedCr = text.endsWith("\r");
    if (this.#carriedCr) text = text.slice(0, -1);
    this.#pending += text.replace(/\r\n?/g, "\n");
    const events: SseEvent[] = [];
    for (let end = this.#pending.indexOf("\n\n"); end !== -1; end = this.#pending.indexOf("\n\n")) {
      const raw = this.#pending.slice(0, end);
      this.#pending = this.#pending.slice(end + 2);
      const event = parseEvent(raw);
      if (event !== undefined) events.push(event);
    }
    return events;
  }
}

function parseEvent(raw: string): SseEvent | undefined {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of raw.split("\n")) {
    if (line === "" || line.startsWith(":")) continue; // a comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  // A block of comments only carries nothing to relay or read.
  if (event === undefined && data.length === 0) return undefined;
  return { raw, event, data: data.join("\n") };
}

/**
 * One event in wire form: an optional name, the data (one `data:` line per line of it) and the blank line.
 *
 * @example sseEvent({ event: "error", data: JSON.stringify({ error }) }) // "event: error\ndata: {...}\n\n"
 */
export function sseEvent(fields: { readonly event?: string; readonly data: string }): string {
  const name = fields.event === undefined ? "" : `event: ${fields.event}\n`;
  return `${name}${fields.data
    .split("\n")
    .map((line) => `data: ${line}`)
    .join("\n")}\n\n`;
}
