/**
 * Turns a record into what DynamoDB stores: bigints become decimal strings (numbers stop at 38 digits and the
 * document client reads them back as lossy JS numbers), undefined properties are left out, nested objects too.
 *
 * @example toStorable({ block: 5n, note: undefined }) // { block: "5" }
 */
export function toStorable(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    if (field === undefined) continue;
    if (typeof field === "bigint") out[name] = field.toString();
    else if (typeof field === "object" && field !== null && !Array.isArray(field)) out[name] = toStorable(field);
    else out[name] = field;
  }
  return out;
}
