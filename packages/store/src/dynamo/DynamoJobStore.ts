import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Clock, CreateJobResult, Job, JobStatus, JobStore } from "@slabridge/core";
import type { tables } from "@slabridge/topology";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";
import { jobItem } from "../items/jobItem.ts";
import { checkJobTransition } from "../rules/checkJobTransition.ts";
import { checkListLimit } from "../rules/checkListLimit.ts";
import { SOURCE_FIELDS } from "../rules/sourceFields.ts";
import { systemClock } from "../systemClock.ts";
import type { DynamoStoreConfig } from "./DynamoStoreConfig.ts";
import { storeCall } from "./storeCall.ts";
import { toDocumentClient } from "./toDocumentClient.ts";

/** Tied to the table definition at compile time, so a renamed index fails the typecheck here. */
const BY_STATUS = "byStatus" satisfies keyof (typeof tables)["jobs"]["globalIndexes"];

/**
 * {@link JobStore} on the Jobs table: conditional create, version-checked transitions (single-item conditional puts,
 * no transactions), listing by status through the `byStatus` index.
 *
 * @example const jobs = new DynamoJobStore({ client, tableName: "prod-Jobs" }); await jobs.create(job);
 */
export class DynamoJobStore implements JobStore {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #clock: Clock;

  constructor(config: DynamoStoreConfig) {
    this.#doc = toDocumentClient(config.client);
    this.#table = config.tableName;
    this.#clock = config.clock ?? systemClock;
  }

  async create(job: Job): Promise<CreateJobResult> {
    const item = { ...jobItem.encode(job), storedAt: this.#clock.now() };
    const put = new PutCommand({
      TableName: this.#table,
      Item: item,
      ConditionExpression: "attribute_not_exists(jobId)",
    });
    const written = await storeCall("PutItem", this.#table, () => this.#doc.send(put));
    return written === undefined ? "exists" : "created";
  }

  async get(id: string): Promise<Job | undefined> {
    const get = new GetCommand({ TableName: this.#table, Key: { jobId: id }, ConsistentRead: true });
    const out = await storeCall("GetItem", this.#table, () => this.#doc.send(get));
    return out?.Item === undefined ? undefined : jobItem.decode(this.#table, out.Item);
  }

  async transition(expected: Pick<Job, "id" | "status" | "version">, next: Job): Promise<boolean> {
    checkJobTransition(expected, next);
    const item = jobItem.encode(next);
    const source = item.source as Record<string, unknown>;
    const names: Record<string, string> = { "#status": "status", "#version": "version", "#kind": "kind" };
    const values: Record<string, unknown> = { ":from": expected.status, ":v": expected.version, ":kind": item.kind };
    const sourceConditions = SOURCE_FIELDS.map((field) => {
      names[`#s_${field}`] = field;
      values[`:s_${field}`] = source[field];
      return `#source.#s_${field} = :s_${field}`;
    });
    names["#source"] = "source";
    const put = new PutCommand({
      TableName: this.#table,
      Item: { ...item, storedAt: this.#clock.now() },
      // Kind and source are in the condition so a write that would change them never lands.
      ConditionExpression: ["#status = :from", "#version = :v", "#kind = :kind", ...sourceConditions].join(" AND "),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    const written = await storeCall("PutItem", this.#table, () => this.#doc.send(put));
    if (written !== undefined) return true;
    // Lost: either another worker moved it (false) or the caller changed kind/source (its bug: tell it).
    const current = await this.get(expected.id);
    if (current !== undefined && current.status === expected.status && current.version === expected.version) {
      throw new InvalidStoreInputError(`job ${expected.id}: a transition may not change the job's kind or source`);
    }
    return false;
  }

  /** Reads the byStatus index, which is eventually consistent in AWS: a listed job may have moved since. */
  async listByStatus(status: JobStatus, options: { limit?: number; updatedBefore?: number } = {}): Promise<Job[]> {
    checkListLimit(options.limit);
    const { limit, updatedBefore } = options;
    const values: Record<string, unknown> = { ":status": status };
    let keyCondition = "#status = :status";
    if (updatedBefore !== undefined) {
      keyCondition += " AND #updatedAt < :before";
      values[":before"] = updatedBefore;
    }
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const query = new QueryCommand({
        TableName: this.#table,
        IndexName: BY_STATUS,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeNames: {
          "#status": "status",
          ...(updatedBefore === undefined ? {} : { "#updatedAt": "updatedAt" }),
        },
        ExpressionAttributeValues: values,
        ScanIndexForward: true,
        ...(limit === undefined ? {} : { Limit: limit - items.length }),
        ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
      });
      const out = await storeCall("Query", this.#table, () => this.#doc.send(query));
      items.push(...(out?.Items ?? []));
      startKey = out?.LastEvaluatedKey;
    } while (startKey !== undefined && (limit === undefined || items.length < limit));
    return items.map((item) => jobItem.decode(this.#table, item));
  }
}
