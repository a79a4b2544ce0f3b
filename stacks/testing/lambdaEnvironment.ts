import { SlabridgeError } from "@slabridge/core";
import type { RecordedConstruct, SstRecording } from "./recordingSst.ts";

/**
 * A function links something no stack declared, or a secret the caller gave no value for.
 *
 * @example
 * lambdaEnvironment(recording, relay, { secretValues: {}, app, region }); // throws: no value for RpcUrlEvmA
 */
class UnknownLinkError extends SlabridgeError {
  override readonly name = "UnknownLinkError" as const;
  constructor(functionName: string, what: string) {
    super(`${functionName}: ${what}`, { retryable: false });
  }
}

/** Options of {@link lambdaEnvironment}. */
export interface LambdaEnvironmentOptions {
  /** The value of every secret the function links (`sst secret set` per stage), by secret name. */
  readonly secretValues: Readonly<Record<string, string>>;
  /** The app's name and stage (`SST_RESOURCE_App`). */
  readonly app: { readonly name: string; readonly stage: string };
  /** The AWS region the function runs in (`AWS_REGION`, set by Lambda). */
  readonly region: string;
}

/**
 * The environment a recorded function gets in AWS: the `environment` its stack set, `AWS_REGION`, and one
 * `SST_RESOURCE_<Name>` JSON variable per link holding the properties SST links for its type (a table's `name`, a
 * queue's `url`, a secret's `value`, a linkable's `properties`), plus `SST_RESOURCE_App`: what `Resource.<Name>` of
 * the `sst` package, and slabridge's `linkedResource`, read.
 *
 * @example
 * const env = lambdaEnvironment(recording, recording.named("sst.aws.Function", "Relay"), { secretValues, app, region });
 * env.SST_RESOURCE_Jobs; // '{"name":"slabridge-dev-Jobs","type":"sst.aws.Dynamo"}'
 */
export function lambdaEnvironment(
  recording: SstRecording,
  fn: RecordedConstruct,
  options: LambdaEnvironmentOptions,
): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: options.region,
    SST_RESOURCE_App: JSON.stringify({ name: options.app.name, stage: options.app.stage }),
  };
  const environment = fn.args.environment;
  if (typeof environment === "object" && environment !== null) {
    for (const [name, value] of Object.entries(environment)) env[name] = String(value);
  }
  const links: unknown[] = Array.isArray(fn.args.link) ? fn.args.link : [];
  for (const instance of links) {
    const construct = recording.byInstance(instance);
    if (!construct) throw new UnknownLinkError(fn.name, "links something no stack declared");
    env[`SST_RESOURCE_${construct.name}`] = JSON.stringify(linkProperties(fn.name, construct, options));
  }
  return env;
}

function linkProperties(
  functionName: string,
  construct: RecordedConstruct,
  options: LambdaEnvironmentOptions,
): Record<string, unknown> {
  switch (construct.type) {
    case "sst.aws.Dynamo":
    case "sst.aws.Bucket":
      return { name: construct.instance.name, type: construct.type };
    case "sst.aws.Queue":
      return { url: construct.instance.url, type: construct.type };
    case "sst.Secret": {
      const value = options.secretValues[construct.name];
      if (value === undefined) throw new UnknownLinkError(functionName, `no value given for secret ${construct.name}`);
      return { value, type: "sst.sst.Secret" };
    }
    case "sst.Linkable": {
      const properties = construct.args.properties;
      return { ...(typeof properties === "object" && properties !== null ? properties : {}), type: "sst.sst.Linkable" };
    }
    default:
      throw new UnknownLinkError(functionName, `links a ${construct.type}, which SST cannot link`);
  }
}
