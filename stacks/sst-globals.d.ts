// The slice of SST's global API (normally typed by .sst/platform/config.d.ts, which only `sst install` writes, and
// that needs the internet) that slabridge's stacks use, so `tsc` checks the stacks on any machine.
declare namespace sst.aws {
  interface DynamoArgs {
    fields: Record<string, "string" | "number" | "binary">;
    primaryIndex: { hashKey: string; rangeKey?: string };
    globalIndexes?: Record<string, { hashKey: string; rangeKey?: string }>;
    ttl?: string;
  }
  class Dynamo {
    constructor(name: string, args: DynamoArgs);
    readonly name: unknown;
    readonly arn: unknown;
  }
}

interface SstAppInput {
  stage: string;
}

declare function $config<T>(config: {
  app(input: SstAppInput): { name: string; home: "aws"; removal?: "remove" | "retain"; protect?: boolean };
  run(): Promise<T>;
}): unknown;
