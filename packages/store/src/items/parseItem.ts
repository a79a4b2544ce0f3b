import type { z } from "zod";
import { CorruptRecordError } from "../errors/CorruptRecordError.ts";

/**
 * Parses a stored item with `schema`, or throws a {@link CorruptRecordError} naming the table, key and first bad field.
 *
 * @example const cursor = parseItem(cursorItemSchema, "Cursors", id, item);
 */
export function parseItem<S extends z.ZodType>(schema: S, table: string, key: string, item: unknown): z.output<S> {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new CorruptRecordError(table, key, issue?.path.map(String).join(".") ?? "", issue?.message ?? "is invalid");
}
