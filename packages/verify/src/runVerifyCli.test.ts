import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runVerifyCli, type VerifyCliContext } from "./runVerifyCli.ts";

const ORACLE = "0x00000000000000000000000000000000000000aa";

/** A context with no npm start and no devnet running, recording what is printed and which RPC reads were built. */
function context(overrides: Partial<VerifyCliContext> = {}) {
  const printed = { out: "", err: "" };
  const reads: { rpcUrl: string; allowNonLoopback: boolean }[] = [];
  const ctx: VerifyCliContext = {
    out: (text) => {
      printed.out += text;
    },
    err: (text) => {
      printed.err += text;
    },
    localEndpoints: () => undefined,
    devnetHome: () => undefined,
    isRunning: () => true,
    readVerdictOver: (rpcUrl, options) => {
      reads.push({ rpcUrl, ...options });
      return () => Promise.reject(new Error("no chain in this test"));
    },
    ...overrides,
  };
  return { ctx, printed, reads };
}

// A status API that knows no model: verify gets as far as asking it.
let server: Server;
let statusUrl: string;
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(404, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ error: { name: "StatusNotFoundError", message: "Model 7 is not listed.", kind: "model" } }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  statusUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("runVerifyCli", () => {
  it("prints its help and exits 0", async () => {
    const { ctx, printed } = context();
    expect(await runVerifyCli(["--help"], ctx)).toBe(0);
    expect(printed.out).toContain("npm run verify -- --model <id> --epoch <n>");
  });

  it("refuses a bad command line with exit 2 and the reason, before reading anything", async () => {
    for (const [argv, reason] of [
      [["--epoch", "0"], "--model is required"],
      [["--model", "x", "--epoch", "0"], '--model must be a decimal integer, got "x"'],
      [["--model", "1", "--epoch", "0", "--oracle", "0x12"], "--oracle must be an address"],
      [["--model", "1", "--epoch", "0", "--bogus"], "Unknown option '--bogus'"],
    ] as const) {
      const { ctx, printed, reads } = context({
        localEndpoints: () => {
          throw new Error("read before the command line was checked");
        },
      });
      expect(await runVerifyCli(argv, ctx)).toBe(2);
      expect(printed.err).toContain(reason);
      expect(printed.err).toContain('Run "npm run verify -- --help" for usage.');
      expect(reads).toEqual([]);
    }
  });

  it("says what is missing when no status API or RPC is known, and refuses a stale npm start's endpoints", async () => {
    const none = context();
    expect(await runVerifyCli(["--model", "1", "--epoch", "0"], none.ctx)).toBe(2);
    expect(none.printed.err).toContain("VerifyConfigError: no status URL: pass --status-url, or run npm start");

    const noRpc = context();
    expect(await runVerifyCli(["--model", "1", "--epoch", "0", "--status-url", statusUrl], noRpc.ctx)).toBe(2);
    expect(noRpc.printed.err).toContain("no home chain RPC");

    const stale = context({
      localEndpoints: () => ({ statusUrl, homeRpcUrl: "http://127.0.0.1:1", oracle: ORACLE, pid: 4242 }),
      isRunning: (pid) => pid !== 4242,
    });
    expect(await runVerifyCli(["--model", "1", "--epoch", "0", "--json"], stale.ctx)).toBe(2);
    expect(JSON.parse(stale.printed.out)).toEqual({
      ok: false,
      error: {
        name: "VerifyConfigError",
        message: expect.stringContaining("the npm start (pid 4242) that wrote .devnet/endpoints.json is not running"),
        retryable: false,
      },
    });
  });

  it("takes a running npm start's endpoints by default (loopback reads only), and a buyer's --rpc off loopback", async () => {
    const local = context({
      localEndpoints: () => ({ statusUrl, homeRpcUrl: "http://127.0.0.1:8546", oracle: ORACLE, pid: 1 }),
    });
    expect(await runVerifyCli(["--model", "7", "--epoch", "0"], local.ctx)).toBe(2);
    expect(local.reads).toEqual([{ rpcUrl: "http://127.0.0.1:8546", allowNonLoopback: false }]);
    // It reached the status API, which does not know the model.
    expect(local.printed.err).toContain("Model 7 is not listed");

    const named = context({ devnetHome: () => ({ rpcUrl: "http://127.0.0.1:8545", oracle: ORACLE }) });
    const argv = ["--model", "7", "--epoch", "0", "--status-url", statusUrl, "--rpc", "https://rpc.example/KEY"];
    expect(await runVerifyCli(argv, named.ctx)).toBe(2);
    expect(named.reads).toEqual([{ rpcUrl: "https://rpc.example/KEY", allowNonLoopback: true }]);
  });
});
