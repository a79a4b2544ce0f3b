/**
 * Orders strings by their UTF-8 bytes, the order DynamoDB sorts string range keys in, so the memory store lists
 * payments in the same order as the table.
 *
 * @example ["b", "a"].sort(compareUtf8) // ["a", "b"]
 */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
