import type { z } from "zod";
import { InvalidStoreInputError } from "../errors/InvalidStoreInputError.ts";

/**
 * Parses an item about to be written with `schema`, or throws {@link InvalidStoreInputError}: the store never
 * writes what it could not read back. With a strict schema, a field the store does not know is refused too (a new
 * field must be added to the schema, not silently dropped).
 *
 * @example const cursor = checkedParse(strictCursorSchema, item, `cursor ${id}`);
 */
export function checkedParse<S extends z.ZodType>(schema: S, item: Record<string, unknown>, what: string): z.output<S> {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join(".") || "(item)";
  throw new InvalidStoreInputError(`${what} cannot be stored: ${field} ${issue?.message ?? "is invalid"}`);
}
