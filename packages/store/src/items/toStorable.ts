/**
 * Turns a record into what DynamoDB stores: bigints become decimal strings (numbers stop at 38 digits and the
 * document client reads them back as lossy JS numbers), undefined properties are left out, nested objects and
 * arrays too.
 *
 * @example toStorable({ block: 5n, note: undefined, checkpoints: [{ block: 4n }] }) // { block: "5", checkpoints: [{ block: "4" }] }
 */
export function toStorable(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    if (field !== undefined) out[name] = storable(field);
  }
  return out;
}

function storable(field: unknown): unknown {
  if (typeof field === "bigint") return field.toString();
  if (Array.isArray(field)) return field.map(storable);
  if (typeof field === "object" && field !== null) return toStorable(field);
  return field;
}
