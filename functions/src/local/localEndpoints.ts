import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { z } from "zod";

/**
 * Where a running `npm start` can be reached on 127.0.0.1 (its ports are picked at start): the status API, the home
 * chain's RPC and the SlaOracle. Written while it runs so `npm run verify` finds it without flags; public data only.
 */
export const localEndpointsSchema = z.strictObject({
  statusUrl: z.string().url().describe("the local status API"),
  homeRpcUrl: z.string().url().describe("the home chain's anvil"),
  oracle: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .describe("the home chain's SlaOracle"),
  pid: z.number().int().positive().describe("the npm start process"),
});
/** See {@link localEndpointsSchema}. */
export type LocalEndpoints = z.infer<typeof localEndpointsSchema>;

/**
 * Writes `endpoints` to `file` and returns how to remove it again (at the job's end).
 *
 * @example const remove = writeLocalEndpoints(".devnet/endpoints.json", { statusUrl, homeRpcUrl, oracle, pid });
 */
export function writeLocalEndpoints(file: string, endpoints: LocalEndpoints): () => void {
  writeFileSync(file, `${JSON.stringify(endpoints, null, 2)}\n`);
  return () => rmSync(file, { force: true });
}

/**
 * The endpoints a running `npm start` wrote to `file`, or undefined when there is no such file or it is not one.
 *
 * @example const local = readLocalEndpoints(".devnet/endpoints.json");
 */
export function readLocalEndpoints(file: string): LocalEndpoints | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  try {
    const parsed = localEndpointsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
