import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import { LocalFunctionUrlServer } from "./LocalFunctionUrlServer.ts";

const servers: LocalFunctionUrlServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

async function serve(handler: (event: APIGatewayProxyEventV2) => Promise<unknown>, timeoutSeconds?: number) {
  const server = new LocalFunctionUrlServer({
    name: "status",
    handler,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
  });
  servers.push(server);
  await server.start();
  return server;
}

describe("LocalFunctionUrlServer", () => {
  it("listens on loopback only", async () => {
    const server = await serve(async () => ({ statusCode: 204 }));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it("hands the handler a payload 2.0 event: path, query, headers, cookies, method, text body", async () => {
    const events: APIGatewayProxyEventV2[] = [];
    const server = await serve(async (event) => {
      events.push(event);
      return { statusCode: 200, body: "{}" };
    });
    const response = await fetch(`${server.url}/jobs/a%20b?status=failed&status=dead-lettered&limit=5`, {
      method: "POST",
      headers: { "X-Trace": "t1", "Content-Type": "application/json", Cookie: "a=1; b=2" },
      body: JSON.stringify({ hello: "world" }),
    });
    expect(response.status).toBe(200);
    const [event] = events;
    expect(event?.version).toBe("2.0");
    expect(event?.routeKey).toBe("$default");
    expect(event?.rawPath).toBe("/jobs/a%20b");
    expect(event?.rawQueryString).toBe("status=failed&status=dead-lettered&limit=5");
    expect(event?.queryStringParameters).toEqual({ status: "failed,dead-lettered", limit: "5" });
    expect(event?.headers["x-trace"]).toBe("t1");
    expect(event?.cookies).toEqual(["a=1", "b=2"]);
    expect(event?.requestContext.http.method).toBe("POST");
    expect(event?.requestContext.http.path).toBe("/jobs/a%20b");
    expect(event?.requestContext.http.sourceIp).toMatch(/127\.0\.0\.1/);
    expect(event?.body).toBe('{"hello":"world"}');
    expect(event?.isBase64Encoded).toBe(false);
  });

  it("base64-encodes binary bodies and leaves GETs without body or query fields", async () => {
    const events: APIGatewayProxyEventV2[] = [];
    const server = await serve(async (event) => {
      events.push(event);
      return { statusCode: 200 };
    });
    await fetch(`${server.url}/upload`, {
      method: "PUT",
      headers: { "Content-Type": "application/octet-stream" },
      body: new Uint8Array([0, 255, 1]),
    });
    await fetch(`${server.url}/health`);
    expect(events[0]?.isBase64Encoded).toBe(true);
    expect(Buffer.from(events[0]?.body ?? "", "base64")).toEqual(Buffer.from([0, 255, 1]));
    expect(events[1]?.body).toBeUndefined();
    expect(events[1]?.queryStringParameters).toBeUndefined();
    expect(events[1]?.rawQueryString).toBe("");
  });

  it("answers a structured result with its status, headers, cookies and (base64) body", async () => {
    const server = await serve(async (event) =>
      event.rawPath === "/binary"
        ? { statusCode: 200, headers: { "Content-Type": "image/png" }, body: "AAEC", isBase64Encoded: true }
        : {
            statusCode: 404,
            headers: { "Content-Type": "application/json", "X-Thing": "1" },
            cookies: ["s=1; Path=/"],
            body: JSON.stringify({ error: { name: "NotFound" } }),
          },
    );
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-thing")).toBe("1");
    expect(missing.headers.get("set-cookie")).toBe("s=1; Path=/");
    expect(await missing.json()).toEqual({ error: { name: "NotFound" } });
    const binary = await fetch(`${server.url}/binary`);
    expect(binary.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await binary.arrayBuffer())).toEqual(new Uint8Array([0, 1, 2]));
  });

  it("answers any other JSON result as a 200 application/json body, as a function URL does", async () => {
    const server = await serve(async () => ({ models: [1, 2] }));
    const response = await fetch(`${server.url}/models`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ models: [1, 2] });
  });

  it("answers a function error or a timeout with a 502 that reveals nothing of the error", async () => {
    const failing = await serve(async () => {
      throw new Error("RPC https://eth.example/v2/Zk3vL9aQ8xYp2Rt7Nw4Bc6Df1Gh5Jm0K is down");
    });
    const failed = await fetch(`${failing.url}/health`);
    expect(failed.status).toBe(502);
    const text = await failed.text();
    expect(JSON.parse(text)).toEqual({ Message: "Internal Server Error" });
    expect(text).not.toContain("Zk3vL9");
    const slow = await serve(() => new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200 }), 3_000)), 1);
    const timedOut = await fetch(`${slow.url}/health`);
    expect(timedOut.status).toBe(502);
  });

  it("cannot start twice and refuses its URL once stopped", async () => {
    const server = await serve(async () => ({ statusCode: 200 }));
    await expect(server.start()).rejects.toThrow(/cannot start/);
    await server.stop();
    expect(() => server.url).toThrow(/not started/);
  });
});
