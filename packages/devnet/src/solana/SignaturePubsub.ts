import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { toJson } from "./dispatchJsonRpc.ts";
import { MiniWebSocket } from "./MiniWebSocket.ts";
import { RpcErrorCode } from "./RpcError.ts";
import type { SolanaLedger } from "./SolanaLedger.ts";
import type { TransactionRecord } from "./TransactionHistory.ts";

interface Subscription {
  socket: MiniWebSocket;
  signature: string;
}

/**
 * The websocket side of the RPC: `signatureSubscribe` / `signatureUnsubscribe`, which is what web3.js
 * `confirmTransaction` relies on. Since everything is final once executed, a subscription fires at most once,
 * immediately if the signature is already in the history.
 *
 * @example server.on("upgrade", (req, socket) => pubsub.accept(req, socket));
 */
export class SignaturePubsub {
  private nextId = 0;
  private readonly subscriptions = new Map<number, Subscription>();
  private readonly sockets = new Set<MiniWebSocket>();
  private readonly unlisten: () => void;

  constructor(private readonly ledger: SolanaLedger) {
    this.unlisten = ledger.onTransaction((record) => {
      for (const [id, sub] of this.subscriptions) {
        if (sub.signature === record.signature) this.fire(id, sub, record);
      }
    });
  }

  accept(request: IncomingMessage, socket: Duplex): void {
    const ws = MiniWebSocket.accept(request, socket);
    if (ws === null) return;
    this.sockets.add(ws);
    ws.onMessage((text) => this.onMessage(ws, text)).onClose(() => {
      this.sockets.delete(ws);
      for (const [id, sub] of this.subscriptions) if (sub.socket === ws) this.subscriptions.delete(id);
    });
  }

  close(): void {
    this.unlisten();
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    this.subscriptions.clear();
  }

  private onMessage(ws: MiniWebSocket, text: string): void {
    let msg: { id?: unknown; method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      ws.send(toJson({ jsonrpc: "2.0", id: null, error: { code: RpcErrorCode.parseError, message: "Parse error" } }));
      return;
    }
    // Notifications (web3.js sends a "ping" every 5 s) need no answer.
    if (typeof msg !== "object" || msg === null || msg.id === undefined) return;
    const id = msg.id;
    const params = Array.isArray(msg.params) ? msg.params : [];
    const reply = (result: unknown) => ws.send(toJson({ jsonrpc: "2.0", result, id }));
    const fail = (code: number, message: string) => ws.send(toJson({ jsonrpc: "2.0", error: { code, message }, id }));
    switch (msg.method) {
      case "signatureSubscribe": {
        const signature = params[0];
        if (typeof signature !== "string") {
          fail(RpcErrorCode.invalidParams, "Invalid params: expected a signature");
          return;
        }
        const subId = this.nextId++;
        const sub = { socket: ws, signature };
        this.subscriptions.set(subId, sub);
        reply(subId);
        const done = this.ledger.history.get(signature);
        if (done !== undefined) this.fire(subId, sub, done);
        return;
      }
      case "signatureUnsubscribe": {
        const subId = params[0];
        if (typeof subId !== "number") {
          fail(RpcErrorCode.invalidParams, "Invalid params: expected a subscription id");
          return;
        }
        // Already-fired subscriptions are gone; answering true keeps clients that unsubscribe afterwards quiet.
        this.subscriptions.delete(subId);
        reply(true);
        return;
      }
      default:
        fail(RpcErrorCode.methodNotFound, "Method not found");
    }
  }

  private fire(id: number, sub: Subscription, record: TransactionRecord): void {
    this.subscriptions.delete(id);
    sub.socket.send(
      toJson({
        jsonrpc: "2.0",
        method: "signatureNotification",
        params: { result: { context: { slot: record.slot }, value: { err: record.meta.err } }, subscription: id },
      }),
    );
  }
}
