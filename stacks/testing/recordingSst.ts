/**
 * A recording stand-in for the SST globals (`sst`, `aws`, `$config`, `$app`, `$interpolate`), so the stacks can be
 * loaded and checked without the SST CLI (which downloads Pulumi and cannot run here). Every component construction
 * is recorded as (type, name, args); every `Queue.subscribe` call as (queue, subscriber, args). Constructed objects
 * carry the output properties later stacks read (name, arn, url, keyId...) as plain, recognisable strings.
 *
 * Like SST, it rejects two components of one type with the same name.
 *
 * @example
 * const sst = installRecordingSst({ name: "slabridge", stage: "dev" });
 * const config = (await import("../../sst.config.ts")).default;
 * await config.run();
 * sst.recording.ofType("sst.aws.Function");
 * sst.uninstall();
 */
export interface RecordedConstruct {
  readonly type: string;
  readonly name: string;
  readonly args: Readonly<Record<string, unknown>>;
  /** The object the stack received. */
  readonly instance: Readonly<Record<string, unknown>>;
  /** Pulumi resource options (the third constructor argument), e.g. `{ provider }`; empty when none were given. */
  readonly options: Readonly<Record<string, unknown>>;
}

export interface RecordedSubscription {
  /** Name of the queue subscribed to. */
  readonly queue: string;
  readonly subscriber: unknown;
  readonly args: Readonly<Record<string, unknown>>;
}

export class DuplicateComponentError extends Error {
  override readonly name = "DuplicateComponentError";
  constructor(
    readonly type: string,
    readonly componentName: string,
  ) {
    super(`${type} "${componentName}" is declared twice`);
  }
}

export class MissingComponentError extends Error {
  override readonly name = "MissingComponentError";
  constructor(
    readonly type: string,
    readonly componentName: string,
  ) {
    super(`no ${type} named "${componentName}" was declared`);
  }
}

export class SstRecording {
  readonly constructs: RecordedConstruct[] = [];
  readonly subscriptions: RecordedSubscription[] = [];

  ofType(type: string): RecordedConstruct[] {
    return this.constructs.filter((construct) => construct.type === type);
  }

  named(type: string, name: string): RecordedConstruct {
    const found = this.constructs.find((construct) => construct.type === type && construct.name === name);
    if (!found) throw new MissingComponentError(type, name);
    return found;
  }

  /** The construct whose instance is `instance` (identity), if it was recorded. */
  byInstance(instance: unknown): RecordedConstruct | undefined {
    return this.constructs.find((construct) => construct.instance === instance);
  }

  record(type: string, name: string, args: unknown, instance: Record<string, unknown>, options?: unknown): void {
    if (this.constructs.some((construct) => construct.type === type && construct.name === name)) {
      throw new DuplicateComponentError(type, name);
    }
    this.constructs.push({ type, name, args: asRecord(args), instance, options: asRecord(options) });
  }
}

function asRecord(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

const region = "us-east-1";
const account = "000000000000";

export interface RecordingApp {
  readonly name: string;
  readonly stage: string;
}

export interface InstalledRecordingSst {
  readonly recording: SstRecording;
  /** Removes the globals again (restoring whatever was there before). */
  uninstall(): void;
}

const globalNames = ["sst", "aws", "$config", "$app", "$interpolate"] as const;

/**
 * Installs the stand-in globals for one app/stage. Call `uninstall()` when done; install again for another stage.
 */
export function installRecordingSst(app: RecordingApp): InstalledRecordingSst {
  const recording = new SstRecording();
  const physical = (name: string) => `${app.name}-${app.stage}-${name}`;

  class Dynamo {
    readonly name: string;
    readonly arn: string;
    constructor(name: string, args: unknown) {
      this.name = physical(name);
      this.arn = `arn:aws:dynamodb:${region}:${account}:table/${physical(name)}`;
      recording.record("sst.aws.Dynamo", name, args, this as unknown as Record<string, unknown>);
    }
  }

  class Bucket {
    readonly name: string;
    readonly arn: string;
    constructor(name: string, args: unknown = {}) {
      this.name = physical(name).toLowerCase();
      this.arn = `arn:aws:s3:::${this.name}`;
      recording.record("sst.aws.Bucket", name, args, this as unknown as Record<string, unknown>);
    }
  }

  class Queue {
    readonly arn: string;
    readonly url: string;
    readonly nodes: { readonly queue: { readonly name: string } };
    readonly #name: string;
    constructor(name: string, args: unknown = {}) {
      this.#name = name;
      this.arn = `arn:aws:sqs:${region}:${account}:${physical(name)}`;
      this.url = `https://sqs.${region}.amazonaws.com/${account}/${physical(name)}`;
      this.nodes = { queue: { name: physical(name) } };
      recording.record("sst.aws.Queue", name, args, this as unknown as Record<string, unknown>);
    }
    subscribe(subscriber: unknown, args: unknown = {}): unknown {
      recording.subscriptions.push({ queue: this.#name, subscriber, args: asRecord(args) });
      return {};
    }
  }

  class Provider {
    readonly region: string;
    constructor(name: string, args: unknown) {
      this.region = String(asRecord(args).region);
      recording.record("aws.Provider", name, args, this as unknown as Record<string, unknown>);
    }
  }

  /** The region a component lands in: its provider's, or the app's home region. */
  const regionOf = (options: unknown): string => {
    const provider = asRecord(options).provider;
    return provider instanceof Provider ? provider.region : region;
  };

  class LambdaFunction {
    readonly name: string;
    readonly arn: string;
    readonly #hasUrl: boolean;
    readonly #region: string;
    constructor(name: string, args: unknown, options?: unknown) {
      this.#region = regionOf(options);
      this.name = physical(name);
      this.arn = `arn:aws:lambda:${this.#region}:${account}:function:${physical(name)}`;
      this.#hasUrl = asRecord(args).url !== undefined && asRecord(args).url !== false;
      recording.record("sst.aws.Function", name, args, this as unknown as Record<string, unknown>, options);
    }
    get url(): string {
      // SST throws when a function without `url` is asked for one; so does the stand-in.
      if (!this.#hasUrl) throw new Error(`function ${this.name} has no url`);
      return `https://${this.name}.lambda-url.${this.#region}.on.aws/`;
    }
  }

  class SnsTopic {
    readonly arn: string;
    constructor(name: string, args: unknown = {}, options?: unknown) {
      this.arn = `arn:aws:sns:${regionOf(options)}:${account}:${physical(name)}`;
      recording.record("sst.aws.SnsTopic", name, args, this as unknown as Record<string, unknown>, options);
    }
  }

  class MetricAlarm {
    readonly arn: string;
    constructor(name: string, args: unknown, options?: unknown) {
      this.arn = `arn:aws:cloudwatch:${regionOf(options)}:${account}:alarm:${physical(name)}`;
      recording.record("aws.cloudwatch.MetricAlarm", name, args, this as unknown as Record<string, unknown>, options);
    }
  }

  class CronV2 {
    constructor(name: string, args: unknown) {
      recording.record("sst.aws.CronV2", name, args, this as unknown as Record<string, unknown>);
    }
  }

  class Secret {
    readonly name: string;
    readonly value: string;
    constructor(name: string, placeholder?: unknown) {
      this.name = name;
      this.value = `<secret ${name}>`;
      const args = placeholder === undefined ? {} : { placeholder };
      recording.record("sst.Secret", name, args, this as unknown as Record<string, unknown>);
    }
  }

  class Linkable {
    readonly name: string;
    readonly properties: unknown;
    constructor(name: string, args: unknown) {
      this.name = name;
      this.properties = asRecord(args).properties;
      recording.record("sst.Linkable", name, args, this as unknown as Record<string, unknown>);
    }
  }

  // The stacks create no KMS key (the manifest names the operator's); recorded, so a test sees one that appears.
  class KmsKey {
    readonly arn: string;
    readonly keyId: string;
    constructor(name: string, args: unknown) {
      this.keyId = `key-${physical(name)}`;
      this.arn = `arn:aws:kms:${region}:${account}:key/${this.keyId}`;
      recording.record("aws.kms.Key", name, args, this as unknown as Record<string, unknown>);
    }
  }

  const interpolate = (strings: TemplateStringsArray, ...values: unknown[]) =>
    strings.reduce((text, part, index) => text + part + (index < values.length ? String(values[index]) : ""), "");

  const installed: Record<(typeof globalNames)[number], unknown> = {
    sst: { aws: { Dynamo, Bucket, Queue, Function: LambdaFunction, CronV2, SnsTopic }, Secret, Linkable },
    aws: { Provider, kms: { Key: KmsKey }, cloudwatch: { MetricAlarm } },
    // SST's $config returns its argument; sst.config.ts's default export is then { app, run }.
    $config: (config: unknown) => config,
    $app: Object.freeze({ name: app.name, stage: app.stage }),
    $interpolate: interpolate,
  };

  const scope = globalThis as unknown as Record<string, unknown>;
  const previous = new Map<string, { present: boolean; value: unknown }>();
  for (const name of globalNames) {
    previous.set(name, { present: name in scope, value: scope[name] });
    scope[name] = installed[name];
  }

  return {
    recording,
    uninstall() {
      for (const [name, before] of previous) {
        if (before.present) scope[name] = before.value;
        else delete scope[name];
      }
    },
  };
}
