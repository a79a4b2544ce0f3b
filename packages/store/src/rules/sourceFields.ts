/**
 * The JobSource fields a transition must keep (the DynamoDB condition and its memory copy compare each).
 *
 * @example SOURCE_FIELDS.every((name) => a.source[name] === b.source[name])
 */
export const SOURCE_FIELDS = ["chainId", "transaction", "block", "blockHash", "index"] as const;
