import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const MAX_MESSAGE_BYTES = 1 << 20;

/**
 * Just enough RFC 6455 server side for JSON-RPC pubsub (text frames, ping/pong, close), so the devnet does not
 * depend on an undeclared `ws` package. Use `MiniWebSocket.accept` from an HTTP server's `upgrade` event.
 *
 * @example server.on("upgrade", (req, socket) => MiniWebSocket.accept(req, socket)?.onMessage((t) => ...))
 */
export class MiniWebSocket {
  private buffered = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private messageHandler: (text: string) => void = () => {};
  private closeHandler: () => void = () => {};
  private closed = false;

  private constructor(private readonly socket: Duplex) {
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("close", () => this.markClosed());
    socket.on("error", () => this.markClosed());
  }

  /** Completes the handshake; returns `null` (and rejects the socket) for a non-WebSocket upgrade. */
  static accept(request: IncomingMessage, socket: Duplex): MiniWebSocket | null {
    const key = request.headers["sec-websocket-key"];
    if (typeof key !== "string" || request.headers.upgrade?.toLowerCase() !== "websocket") {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      return null;
    }
    const accept = createHash("sha1")
      .update(key + GUID)
      .digest("base64");
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    return new MiniWebSocket(socket);
  }

  onMessage(handler: (text: string) => void): this {
    this.messageHandler = handler;
    return this;
  }

  onClose(handler: () => void): this {
    this.closeHandler = handler;
    return this;
  }

  send(text: string): void {
    if (!this.closed) this.socket.write(frame(0x1, Buffer.from(text, "utf8")));
  }

  close(): void {
    if (this.closed) return;
    this.socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
    this.markClosed();
  }

  /** Drops the connection without a closing handshake (server shutdown). */
  terminate(): void {
    this.socket.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeHandler();
  }

  private onData(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) return;
      const b0 = b[0] ?? 0;
      const b1 = b[1] ?? 0;
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (length > MAX_MESSAGE_BYTES) {
        this.terminate();
        return;
      }
      const masked = (b1 & 0x80) !== 0;
      const maskOffset = offset;
      if (masked) offset += 4;
      if (b.length < offset + length) return;
      const payload = Buffer.from(b.subarray(offset, offset + length));
      if (masked)
        for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (b[maskOffset + (i % 4)] ?? 0);
      this.buffered = b.subarray(offset + length);
      this.onFrame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    switch (opcode) {
      case 0x0: // continuation
      case 0x1: // text
      case 0x2: // binary (treated as UTF-8 text: JSON-RPC only)
        this.fragments.push(payload);
        if (fin) {
          const text = Buffer.concat(this.fragments).toString("utf8");
          this.fragments = [];
          this.messageHandler(text);
        }
        return;
      case 0x8:
        this.close();
        return;
      case 0x9:
        if (!this.closed) this.socket.write(frame(0xa, payload));
        return;
      default:
        return; // pong or reserved: ignore
    }
  }
}

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  let header: Buffer;
  if (len < 126) {
    header = Buffer.from([0x80 | opcode, len]);
  } else if (len < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([header, payload]);
}
