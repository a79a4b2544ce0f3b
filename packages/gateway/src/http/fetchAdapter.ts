import type { HTTPAdapter, HTTPResponseInstructions } from "@x402/core/server";

/**
 * The x402 HTTP server's view of a Fetch API request.
 *
 * @example const adapter = fetchAdapter(request, new URL(request.url));
 */
export function fetchAdapter(request: Request, url: URL): HTTPAdapter {
  return {
    getHeader: (name) => request.headers.get(name) ?? undefined,
    getMethod: () => request.method,
    getPath: () => url.pathname,
    getUrl: () => request.url,
    getAcceptHeader: () => request.headers.get("accept") ?? "",
    getUserAgent: () => request.headers.get("user-agent") ?? "",
  };
}

/**
 * A Fetch API response from the x402 HTTP server's instructions (a 402 with `PAYMENT-REQUIRED`, a paywall page).
 *
 * @example return responseOf(result.response);
 */
export function responseOf(instructions: HTTPResponseInstructions): Response {
  const body =
    instructions.isHtml === true && typeof instructions.body === "string"
      ? instructions.body
      : JSON.stringify(instructions.body ?? {});
  return new Response(body, { status: instructions.status, headers: instructions.headers });
}
