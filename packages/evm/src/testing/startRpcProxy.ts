import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** What the proxy does with one JSON-RPC request. */
export type ProxyAction =
  /** Pass it to the node and answer with the node's reply. */
  | { kind: "forward" }
  /** Pass it to the node at once, but answer only after `delayMs` (the client has timed out by then). */
  | { kind: "forward-late"; delayMs: number }
  /** Pass it to the node only after `delayMs` (a slow path to the node), then answer with the node's reply. */
  | { kind: "forward-after"; delayMs: number }
  /** Do not pass it on; answer with this JSON-RPC error. */
  | { kind: "error"; code: number; message: string }
  /** Do not pass it on; answer with this result (e.g. `null`: a node that has no receipt yet). */
  | { kind: "result"; result: unknown }
  /** Lose it: never passed on, never answered (the client times out). */
  | { kind: "drop" };

/** A fake JSON-RPC node on 127.0.0.1 in front of a real one, with per-request rules. */
export interface RpcProxy {
  url: string;
  /** Requests seen, by method (including those answered by a rule). */
  count(method: string): number;
  /** Requests that reached the node, by method. */
  forwarded(method: string): number;
  /** Decides each request's fate; the default forwards everything. */
  rule: (method: string, params: unknown, seen: number) => ProxyAction;
  /** Called as a request is passed to the node (after any `forward-after` delay): the order the node sees. */
  onForward?: ((method: string, params: unknown) => void) | undefined;
  stop(): Promise<void>;
}

/**
 * Test fixture: a loopback JSON-RPC proxy to `targetUrl` whose `rule` can answer late (after the client's timeout),
 * with an error or with a result of its own, to reproduce a node that accepts a transaction but whose answer never
 * reaches the client, or one whose reads disagree for a moment.
 *
 * @example
 * const proxy = await startRpcProxy(anvil.rpcUrl);
 * proxy.rule = (method, _params, seen) => method === "eth_sendRawTransaction" && seen === 1
 *   ? { kind: "forward-late", delayMs: 1_000 } : { kind: "forward" };
 */
export async function startRpcProxy(targetUrl: string): Promise<RpcProxy> {
  const counts = new Map<string, number>();
  const forwards = new Map<string, number>();
  const bump = (map: Map<string, number>, method: string) => {
    const n = (map.get(method) ?? 0) + 1;
    map.set(method, n);
    return n;
  };
  const forward = async (method: string, body: string): Promise<string> => {
    bump(forwards, method);
    const response = await fetch(targetUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
    return await response.text();
  };
  const proxy: RpcProxy = {
    url: "",
    count: (method) => counts.get(method) ?? 0,
    forwarded: (method) => forwards.get(method) ?? 0,
    rule: () => ({ kind: "forward" }),
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.from(chunk));
    const body = Buffer.concat(chunks).toString("utf8");
    const request = JSON.parse(body) as { id: number; method: string; params?: unknown };
    const action = proxy.rule(request.method, request.params, bump(counts, request.method));
    let reply: string;
    if (action.kind === "drop") {
      await new Promise((resolve) => res.on("close", resolve));
      return;
    }
    if (action.kind === "error") {
      reply = JSON.stringify({ jsonrpc: "2.0", id: request.id, error: { code: action.code, message: action.message } });
    } else if (action.kind === "result") {
      reply = JSON.stringify({ jsonrpc: "2.0", id: request.id, result: action.result });
    } else {
      if (action.kind === "forward-after") await new Promise((resolve) => setTimeout(resolve, action.delayMs));
      proxy.onForward?.(request.method, request.params);
      reply = await forward(request.method, body);
      if (action.kind === "forward-late") await new Promise((resolve) => setTimeout(resolve, action.delayMs));
    }
    if (res.destroyed) return;
    res.writeHead(200, { "content-type": "application/json" }).end(reply);
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.destroyed) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP address");
  proxy.url = `http://127.0.0.1:${address.port}`;
  return proxy;
}
