import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AccountInfo, PublicKey } from "@solana/web3.js";
import type { LiteSVM } from "litesvm";
import { dispatchJsonRpc } from "./dispatchJsonRpc.ts";
import { createRpcMethods, type RpcMethod } from "./rpcMethods.ts";
import { SignaturePubsub } from "./SignaturePubsub.ts";
import { SolanaLedger } from "./SolanaLedger.ts";

/** Options of `SolanaLocalRpc.start`. */
export interface SolanaLocalRpcOptions {
  /** Loopback address to bind; anything else is refused. Default 127.0.0.1. */
  host?: string;
  /** Also advance one slot every N ms when idle, so blockhashes expire without traffic. Default: only per transaction. */
  slotIntervalMs?: number;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const PORT_ATTEMPTS = 20;

/**
 * A local Solana cluster: LiteSVM (with SPL Token, Token-2022, ATA and Memo loaded) behind a loopback JSON-RPC
 * endpoint that unmodified `@solana/web3.js` `Connection` code can use. The websocket pubsub
 * (`signatureSubscribe`, used by `confirmTransaction`) listens on port + 1 as web3.js expects, and on the
 * HTTP port too.
 *
 * @example const rpc = await SolanaLocalRpc.start(); const conn = new Connection(rpc.url, "confirmed");
 */
export class SolanaLocalRpc {
  readonly url: string;
  readonly wsUrl: string;
  /** HTTP port; the websocket listener is on `port + 1`. Stays readable after `close()`. */
  readonly port: number;
  private readonly pubsub: SignaturePubsub;
  private readonly timer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    readonly ledger: SolanaLedger,
    private readonly methods: Record<string, RpcMethod>,
    private readonly servers: readonly [Server, Server],
    pubsub: SignaturePubsub,
    host: string,
    slotIntervalMs: number | undefined,
  ) {
    const port = (servers[0].address() as AddressInfo).port;
    this.port = port;
    const urlHost = host.includes(":") ? `[${host}]` : host;
    this.url = `http://${urlHost}:${port}`;
    this.wsUrl = `ws://${urlHost}:${port + 1}`;
    this.pubsub = pubsub;
    if (slotIntervalMs !== undefined && slotIntervalMs > 0) {
      this.timer = setInterval(() => ledger.advanceSlot(), slotIntervalMs);
      this.timer.unref();
    }
  }

  /** Starts a fresh cluster on a free port pair (P for HTTP, P+1 for websockets). */
  static async start(options: SolanaLocalRpcOptions = {}): Promise<SolanaLocalRpc> {
    const host = options.host ?? "127.0.0.1";
    if (!LOOPBACK.has(host)) throw new Error(`SolanaLocalRpc only binds loopback addresses, not ${host}`);
    const ledger = new SolanaLedger();
    const methods = createRpcMethods(ledger);
    const pubsub = new SignaturePubsub(ledger);
    const onRequest = (req: IncomingMessage, res: ServerResponse) => handleHttp(methods, req, res);
    const make = () => {
      const server = createServer(onRequest);
      server.on("upgrade", (req, socket) => pubsub.accept(req, socket));
      return server;
    };
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      const http = make();
      await listen(http, host, 0);
      const port = (http.address() as AddressInfo).port;
      const ws = make();
      try {
        await listen(ws, host, port + 1);
      } catch {
        // Port + 1 is taken: web3.js derives the websocket port, so pick another pair.
        await closeServer(http);
        continue;
      }
      return new SolanaLocalRpc(ledger, methods, [http, ws], pubsub, host, options.slotIntervalMs);
    }
    pubsub.close();
    throw new Error(`SolanaLocalRpc: no free port pair after ${PORT_ATTEMPTS} attempts`);
  }

  /** The VM itself, for setup that has no RPC equivalent (e.g. loading a program). */
  get svm(): LiteSVM {
    return this.ledger.svm;
  }

  /** Funds an address from the faucet with a real transfer; returns the signature. */
  airdrop(address: PublicKey, lamports: number | bigint): string {
    return this.ledger.airdrop(address, lamports);
  }

  /** Writes an account directly (bypasses the runtime) and indexes it for owner/program scans. */
  setAccount(address: PublicKey, info: AccountInfo<Uint8Array>): void {
    this.ledger.setAccount(address, info);
  }

  /** Calls a JSON-RPC method in process, with the same validation and errors as over HTTP. */
  request(method: string, params: unknown[] = []): unknown {
    const text = dispatchJsonRpc(this.methods, JSON.stringify({ jsonrpc: "2.0", id: 0, method, params }));
    const response = JSON.parse(text ?? "null") as { result?: unknown; error?: { code: number; message: string } };
    if (response.error !== undefined) throw new Error(`${method}: ${response.error.message} (${response.error.code})`);
    return response.result;
  }

  /** Stops both listeners, drops open connections and frees the ports. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer !== undefined) clearInterval(this.timer);
      this.pubsub.close();
      await Promise.all(this.servers.map(closeServer));
    })();
    return this.closing;
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // Keep-alive sockets from web3.js would otherwise hold the port until they time out.
    server.closeAllConnections();
  });
}

function handleHttp(methods: Record<string, RpcMethod>, req: IncomingMessage, res: ServerResponse): void {
  if (req.method === "GET" && req.url === "/health") {
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    return;
  }
  if (req.method !== "POST") {
    res.writeHead(405, { allow: "POST" }).end();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      res.writeHead(413).end();
      req.destroy();
      return;
    }
    chunks.push(chunk);
  });
  req.on("end", () => {
    if (res.headersSent) return;
    const text = dispatchJsonRpc(methods, Buffer.concat(chunks).toString("utf8"));
    if (text === null) {
      res.writeHead(204).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(text);
  });
}
