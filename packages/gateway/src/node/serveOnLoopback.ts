import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback HTTP server in front of a Fetch API handler. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

async function requestOf(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === "string") headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  const method = req.method ?? "GET";
  const body = method === "GET" || method === "HEAD" ? null : Buffer.concat(chunks);
  return new Request(new URL(req.url ?? "/", origin), { method, headers, body });
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  // The buyer went away: the handler's body is cancelled, so it can stop its own work (the host call).
  const hungUp = () => void reader.cancel().catch(() => undefined);
  res.once("close", hungUp);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      if (!res.write(value)) await Promise.race([once(res, "drain"), once(res, "close")]);
    }
  } finally {
    res.off("close", hungUp);
  }
  res.end();
}

/**
 * Serves a `(Request) => Promise<Response>` handler on 127.0.0.1 (a free port), as the devnet runs the gateway.
 * Request bodies are buffered; response bodies are streamed, each chunk written as the handler's body yields it (a
 * streamed model call reaches the buyer event by event), and a buyer who hangs up cancels the body.
 *
 * @example const server = await serveOnLoopback(gateway.handle); await fetch(`${server.url}/models/llama/v1/completions`, ...);
 */
export async function serveOnLoopback(handle: (request: Request) => Promise<Response>): Promise<LoopbackServer> {
  let origin = "http://127.0.0.1";
  const server: Server = createServer((req, res) => {
    requestOf(req, origin)
      .then(handle)
      .then((response) => writeResponse(response, res))
      .catch((error: unknown) => {
        console.error("loopback server: the handler failed", error);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address: string | AddressInfo | null = server.address();
  if (address === null || typeof address === "string") throw new Error("the loopback server has no port");
  origin = `http://127.0.0.1:${address.port}`;
  return {
    url: origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
