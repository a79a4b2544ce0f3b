import { createHash } from "node:crypto";
import type { SQSMessageAttributes } from "aws-lambda";
import { InvalidParameterError } from "../errors.ts";

/**
 * One SQS message attribute as `SendMessage` takes it; `binaryValue` is base64.
 *
 * @example
 * ```ts
 * queue.send(body, { attributes: { epoch: { dataType: "Number", stringValue: "42" } } });
 * ```
 */
export interface MessageAttributeValue {
  /** "String", "Number" or "Binary", optionally with a custom suffix ("String.json"). */
  dataType: string;
  stringValue?: string;
  binaryValue?: string;
}

/**
 * A message attribute: a plain string is shorthand for `{ dataType: "String", stringValue }`.
 *
 * @example
 * ```ts
 * queue.send(body, { attributes: { kind: "verdict" } }); // same as { dataType: "String", stringValue: "verdict" }
 * ```
 */
export type MessageAttributeInput = string | MessageAttributeValue;

const NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_\-.]{1,256}$/;
const TYPE = /^(String|Number|Binary)(\..{1,255})?$/;

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/**
 * Validates message attributes as SQS does and returns them in the shape of the SQS Lambda event, with the MD5
 * digest SQS computes over them (name, type, transport byte and value, each length-prefixed, sorted by name), so a
 * handler that checks `md5OfMessageAttributes` gets the value AWS would send.
 *
 * @example
 * ```ts
 * normalizeMessageAttributes({ kind: "verdict" }).attributes.kind; // { dataType: "String", stringValue: "verdict", … }
 * ```
 */
export function normalizeMessageAttributes(input: Readonly<Record<string, MessageAttributeInput>> = {}): {
  attributes: SQSMessageAttributes;
  md5: string | undefined;
} {
  const names = Object.keys(input).sort();
  if (names.length > 10) throw new InvalidParameterError("attributes", "at most 10 message attributes");
  const attributes: SQSMessageAttributes = {};
  const hash = createHash("md5");
  for (const name of names) {
    const raw = input[name];
    if (raw === undefined) continue;
    if (!NAME.test(name) || /^(aws|amazon)\./i.test(name)) {
      throw new InvalidParameterError(`attributes.${name}`, "not a valid message attribute name");
    }
    const value: MessageAttributeValue = typeof raw === "string" ? { dataType: "String", stringValue: raw } : raw;
    if (!TYPE.test(value.dataType)) {
      throw new InvalidParameterError(`attributes.${name}.dataType`, "must start with String, Number or Binary");
    }
    const binary = value.dataType.startsWith("Binary");
    const payload = binary ? value.binaryValue : value.stringValue;
    if (payload === undefined || payload.length === 0) {
      throw new InvalidParameterError(`attributes.${name}`, `a ${binary ? "binaryValue" : "stringValue"} is required`);
    }
    if (value.dataType.startsWith("Number") && !Number.isFinite(Number(payload))) {
      throw new InvalidParameterError(`attributes.${name}`, "a Number attribute must hold a number");
    }
    attributes[name] = {
      ...(binary ? { binaryValue: payload } : { stringValue: payload }),
      stringListValues: [],
      binaryListValues: [],
      dataType: value.dataType,
    };
    hash.update(lengthPrefixed(Buffer.from(name, "utf8")));
    hash.update(lengthPrefixed(Buffer.from(value.dataType, "utf8")));
    hash.update(Buffer.from([binary ? 2 : 1]));
    hash.update(lengthPrefixed(binary ? Buffer.from(payload, "base64") : Buffer.from(payload, "utf8")));
  }
  return { attributes, md5: names.length === 0 ? undefined : hash.digest("hex") };
}
