import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_RESPONSE_BYTES, nodeHttpFetch, ResponseTooLargeError } from "./nodeHttpFetch.ts";

/** A loopback server: echoes the request as JSON, or answers per path (status, huge body, never). */
let server: Server;
let base = "";
let openRequests = 0;
beforeAll(async () => {
  server = createServer((request, response) => {
    openRequests++;
    response.on("close", () => openRequests--);
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "";
      if (path === "/hang") return; // never answers
      if (path === "/huge") {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(Buffer.alloc(MAX_RESPONSE_BYTES + 1, 32));
        return;
      }
      const status = path === "/teapot" ? 418 : 200;
      response.writeHead(status, { "content-type": "application/json", "x-answer": "42" }).end(
        JSON.stringify({
          method: request.method,
          contentType: request.headers["content-type"],
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("nodeHttpFetch", () => {
  it("posts the body with its headers and reads the answer whole: status, headers, text and JSON", async () => {
    const response = await nodeHttpFetch(`${base}/rpc`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}',
    });
    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("application/json");
    expect(response.headers.get("x-answer")).toBe("42");
    expect(response.body).toBeNull();
    expect(await response.json()).toEqual({
      method: "POST",
      contentType: "application/json",
      body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}',
    });
  });

  it("gives a non-2xx answer as a response that is not ok, with its body", async () => {
    const response = await nodeHttpFetch(`${base}/teapot`, { method: "POST", body: "{}" });
    expect(response.ok).toBe(false);
    expect(response.status).toBe(418);
    expect(JSON.parse(await response.text()).body).toBe("{}");
  });

  it("rejects with the signal's reason and closes the request when aborted", async () => {
    const controller = new AbortController();
    const pending = nodeHttpFetch(`${base}/hang`, { method: "POST", body: "{}", signal: controller.signal });
    await expect.poll(() => openRequests).toBe(1);
    controller.abort(new Error("gave up"));
    await expect(pending).rejects.toThrow("gave up");
    await expect.poll(() => openRequests).toBe(0);
    // An already aborted signal sends nothing.
    await expect(nodeHttpFetch(`${base}/rpc`, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("refuses a body larger than viem's limit, a body that is not a string, and other protocols", async () => {
    await expect(nodeHttpFetch(`${base}/huge`, { method: "POST", body: "{}" })).rejects.toBeInstanceOf(
      ResponseTooLargeError,
    );
    await expect(nodeHttpFetch(`${base}/rpc`, { method: "POST", body: new Uint8Array(2) })).rejects.toThrow(
      /only a string body/,
    );
    await expect(nodeHttpFetch("ftp://127.0.0.1/x")).rejects.toThrow(/unsupported protocol ftp:/);
  });

  it("rejects when nothing listens (the RPC client makes it a retryable unavailable error)", async () => {
    await expect(nodeHttpFetch("http://127.0.0.1:1/", { method: "POST", body: "{}" })).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
  });
});
