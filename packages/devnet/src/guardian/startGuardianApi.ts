import { createServer, type ServerResponse } from "node:http";
import type { Address } from "viem";
import { devnetGuardianAddress } from "../evm/devnetGuardian.ts";
import { closeServer } from "../hosts/closeServer.ts";
import { listenLoopback } from "../hosts/listenLoopback.ts";
import type { VaaId, VaaStore } from "./VaaStore.ts";

/** Options for {@link startGuardianApi}. */
export interface GuardianApiOptions {
  readonly store: VaaStore;
  /** Served at /v1/guardianset/current; defaults to set 0 with the devnet guardian. */
  readonly guardianSet?: { readonly index: number; readonly addresses: readonly Address[] };
}

/** A running guardian REST API. */
export interface GuardianApi {
  /** `http://127.0.0.1:<port>`, the base URL to give a Wormhole SDK or relayer as its guardian RPC. */
  readonly url: string;
  close(): Promise<void>;
}

// gRPC status codes, as the guardian's grpc-gateway puts them in error bodies.
const grpcInvalidArgument = 3;
const grpcNotFound = 5;
const grpcUnimplemented = 12;
const maxUint64 = (1n << 64n) - 1n;

class ApiError {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly message: string,
  ) {}
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    // The guardian's public REST endpoint allows any origin, so browser dashboards can read it.
    "access-control-allow-origin": "*",
  });
  res.end(text);
}

/** Mirrors the guardian's GetSignedVAA validation: gateway type checks, then hex.DecodeString and the length. */
function parseSignedVaaPath(chain: string, emitter: string, sequence: string): VaaId {
  if (!/^\d+$/.test(chain) || Number(chain) > 0xffff) {
    throw new ApiError(400, grpcInvalidArgument, `type mismatch, parameter: message_id.emitter_chain, error: ${chain}`);
  }
  if (!/^\d+$/.test(sequence) || BigInt(sequence) > maxUint64) {
    throw new ApiError(
      400,
      grpcInvalidArgument,
      `type mismatch, parameter: message_id.sequence, error: strconv.ParseUint: parsing "${sequence}": invalid syntax`,
    );
  }
  const badChar = /[^0-9a-fA-F]/.exec(emitter);
  if (badChar !== null) {
    const codePoint = badChar[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, "0") ?? "";
    throw new ApiError(
      400,
      grpcInvalidArgument,
      `failed to decode address: encoding/hex: invalid byte: U+${codePoint} '${badChar[0]}'`,
    );
  }
  if (emitter.length % 2 !== 0) {
    throw new ApiError(400, grpcInvalidArgument, "failed to decode address: encoding/hex: odd length hex string");
  }
  if (emitter.length !== 64) throw new ApiError(400, grpcInvalidArgument, "address must be 32 bytes");
  return { chain: Number(chain), emitter: emitter.toLowerCase(), sequence: BigInt(sequence) };
}

/**
 * Serves the store in the shape of the Wormhole guardian public REST API (grpc-gateway): GET
 * /v1/signed_vaa/{chain}/{emitter}/{sequence} -> `{ vaaBytes }` (base64), 404 `{ code: 5, message: "requested VAA not
 * found in store", details: [] }`, 400 `{ code: 3, ... }` for bad parameters; and GET /v1/guardianset/current.
 *
 * @example
 * const api = await startGuardianApi({ store }); await fetch(`${api.url}/v1/signed_vaa/1/${emitter}/0`);
 */
export async function startGuardianApi(options: GuardianApiOptions): Promise<GuardianApi> {
  const { store } = options;
  const guardianSet = options.guardianSet ?? { index: 0, addresses: [devnetGuardianAddress()] };

  const handle = (method: string, path: string): { status: number; body: unknown } => {
    const signedVaa = /^\/v1\/signed_vaa\/([^/]*)\/([^/]*)\/([^/]*)$/.exec(path);
    const isGuardianSet = path === "/v1/guardianset/current";
    if (signedVaa === null && !isGuardianSet) throw new ApiError(404, grpcNotFound, "Not Found");
    if (method !== "GET") throw new ApiError(405, grpcUnimplemented, "Method Not Allowed");
    if (isGuardianSet) {
      return { status: 200, body: { guardianSet: { index: guardianSet.index, addresses: guardianSet.addresses } } };
    }
    const [, chain = "", emitter = "", sequence = ""] = signedVaa ?? [];
    const id = parseSignedVaaPath(decodeURIComponent(chain), decodeURIComponent(emitter), decodeURIComponent(sequence));
    const vaa = store.get(id);
    if (vaa === undefined) throw new ApiError(404, grpcNotFound, "requested VAA not found in store");
    return { status: 200, body: { vaaBytes: Buffer.from(vaa).toString("base64") } };
  };

  const server = createServer((req, res) => {
    try {
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      const { status, body } = handle(req.method ?? "GET", path);
      sendJson(res, status, body);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : new ApiError(500, 13, "internal error");
      sendJson(res, apiError.status, { code: apiError.code, message: apiError.message, details: [] });
    }
    // GET bodies are ignored; draining keeps the keep-alive connection usable.
    req.resume();
  });
  const port = await listenLoopback(server);
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}
