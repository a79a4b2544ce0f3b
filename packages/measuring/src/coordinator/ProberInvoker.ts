import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { ProbingConfig } from "@slabridge/core";
import { type CosignRequest, type CosignResponse, cosignResponseSchema } from "../attest/cosignRequest.ts";
import { MeasureConfigError, ProberInvokeError } from "../errors.ts";
import type { ProbeRoundPayload } from "../probeRoundPayload.ts";

/** Options of {@link ProberInvoker}. */
export interface ProberInvokerOptions {
  vantagePoints: ProbingConfig["vantagePoints"];
  /**
   * A local Lambda Invoke API (the runtime's LambdaInvokeServer) on loopback: every region's client then talks to it
   * with placeholder credentials. Absent in AWS, where each region's client uses the Lambda role.
   */
  localEndpoint?: string;
  /** Must be true to use AWS's regional endpoints (deployed functions); never set locally. */
  useAws?: boolean;
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
/** Placeholders the local server accepts; they also keep the SDK off the default chain (no metadata probe). */
const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

/**
 * Invokes prober functions asynchronously (`InvocationType: "Event"`), one `LambdaClient` per region, since each
 * vantage point is a function in its own region.
 *
 * @example
 * const invoker = new ProberInvoker({ vantagePoints: config.probing.vantagePoints, localEndpoint: server.url });
 * await invoker.invoke("local-1", payload); invoker.destroy();
 */
export class ProberInvoker {
  readonly #vantages: Map<string, ProbingConfig["vantagePoints"][number]>;
  readonly #clients = new Map<string, LambdaClient>();
  readonly #endpoint: string | undefined;

  constructor(options: ProberInvokerOptions) {
    this.#vantages = new Map(options.vantagePoints.map((v) => [v.name, v]));
    if (options.localEndpoint !== undefined) {
      let host: string;
      try {
        host = new URL(options.localEndpoint).hostname;
      } catch {
        throw new MeasureConfigError(`local Lambda endpoint ${options.localEndpoint} is not a URL`);
      }
      if (!LOOPBACK_HOSTS.has(host)) {
        throw new MeasureConfigError(`local Lambda endpoint ${options.localEndpoint} must be on loopback`);
      }
    } else if (options.useAws !== true) {
      throw new MeasureConfigError("a prober invoker needs a local Lambda endpoint, or useAws in AWS");
    }
    this.#endpoint = options.localEndpoint;
  }

  /** The vantage points' names, in config order. */
  get vantages(): string[] {
    return [...this.#vantages.keys()];
  }

  /**
   * Sends `payload` to the prober of `vantage` as an asynchronous invocation (202 Accepted).
   *
   * @throws {ProberInvokeError} when the Lambda API refuses or cannot be reached.
   * @example await invoker.invoke("eu-west-1", payload);
   */
  async invoke(vantage: string, payload: ProbeRoundPayload): Promise<void> {
    const point = this.#vantages.get(vantage);
    if (!point) throw new MeasureConfigError(`unknown vantage point ${vantage}`);
    let status: number | undefined;
    try {
      const out = await this.#client(point.region).send(
        new InvokeCommand({
          FunctionName: point.functionName,
          InvocationType: "Event",
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
      status = out.StatusCode;
    } catch (error) {
      throw new ProberInvokeError(vantage, error);
    }
    if (status !== 202) throw new ProberInvokeError(vantage, `the Lambda API answered ${status} instead of 202`);
  }

  /**
   * Asks the prober of `vantage` to co-sign a report (a synchronous invocation) and returns its answer, parsed.
   *
   * @throws {ProberInvokeError} when the Lambda API refuses, or the prober's function failed (its refusal is in the
   *   message: e.g. a CosignRefusedError).
   * @example const { signer, signature } = await invoker.cosign("eu-west-1", cosignRequestOf(report, bundle));
   */
  async cosign(vantage: string, request: CosignRequest): Promise<CosignResponse> {
    const point = this.#vantages.get(vantage);
    if (!point) throw new MeasureConfigError(`unknown vantage point ${vantage}`);
    let text: string;
    let functionError: string | undefined;
    try {
      const out = await this.#client(point.region).send(
        new InvokeCommand({
          FunctionName: point.functionName,
          InvocationType: "RequestResponse",
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
      );
      text = new TextDecoder().decode(out.Payload ?? new Uint8Array());
      functionError = out.FunctionError;
    } catch (error) {
      throw new ProberInvokeError(vantage, error);
    }
    if (functionError !== undefined) throw new ProberInvokeError(vantage, `the prober failed: ${text.slice(0, 500)}`);
    const parsed = (() => {
      try {
        return cosignResponseSchema.safeParse(JSON.parse(text));
      } catch {
        return undefined;
      }
    })();
    if (!parsed?.success) throw new ProberInvokeError(vantage, "the prober's answer is not a co-signature");
    return parsed.data;
  }

  /** Closes every client's sockets. */
  destroy(): void {
    for (const client of this.#clients.values()) client.destroy();
    this.#clients.clear();
  }

  #client(region: string): LambdaClient {
    let client = this.#clients.get(region);
    if (!client) {
      client =
        this.#endpoint === undefined
          ? new LambdaClient({ region })
          : new LambdaClient({ region, endpoint: this.#endpoint, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 });
      this.#clients.set(region, client);
    }
    return client;
  }
}
