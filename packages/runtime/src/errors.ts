import { SlabridgeError } from "@slabridge/core";

/**
 * An argument is outside what the AWS API accepts (e.g. `maxMessages: 11`, `delaySeconds: 901`); the local runtime
 * refuses it too, so code that passes locally does not fail its first call in AWS.
 *
 * @example
 * ```ts
 * queue.receive({ maxMessages: 11 }); // throws InvalidParameterError
 * ```
 */
export class InvalidParameterError extends SlabridgeError {
  override readonly name = "InvalidParameterError" as const;
  readonly parameter: string;
  constructor(parameter: string, problem: string) {
    super(`Invalid value for ${parameter}: ${problem}.`, { retryable: false });
    this.parameter = parameter;
  }
}

/**
 * A receipt handle that no `LocalQueue` issued (SQS `ReceiptHandleIsInvalid`). A handle that was valid once but was
 * superseded by a newer delivery is not this error: `delete` returns false for it, as SQS silently keeps the message.
 *
 * @example
 * ```ts
 * queue.delete("not-a-handle"); // throws ReceiptHandleIsInvalidError
 * ```
 */
export class ReceiptHandleIsInvalidError extends SlabridgeError {
  override readonly name = "ReceiptHandleIsInvalidError" as const;
  constructor(queueName: string) {
    super(`The receipt handle was not issued by queue "${queueName}".`, { retryable: false });
  }
}

/**
 * `changeVisibility` on a message that is not in flight under that receipt handle (SQS `MessageNotInflight`): it
 * was deleted, its visibility timeout expired, or it was received again since.
 *
 * @example
 * ```ts
 * queue.changeVisibility(staleHandle, 60); // throws MessageNotInflightError
 * ```
 */
export class MessageNotInflightError extends SlabridgeError {
  override readonly name = "MessageNotInflightError" as const;
  constructor(queueName: string) {
    super(`The message is not in flight on queue "${queueName}" under this receipt handle.`, { retryable: false });
  }
}

/**
 * A function, queue or schedule name that is not registered (the local `ResourceNotFoundException`).
 *
 * @example
 * ```ts
 * runtime.subscribe("missing-queue", "relay"); // throws ResourceNotFoundError { kind: "queue" }
 * ```
 */
export class ResourceNotFoundError extends SlabridgeError {
  override readonly name = "ResourceNotFoundError" as const;
  readonly kind: "function" | "queue" | "schedule";
  readonly resourceName: string;
  constructor(kind: "function" | "queue" | "schedule", resourceName: string) {
    super(`No ${kind} named "${resourceName}" is registered.`, { retryable: false });
    this.kind = kind;
    this.resourceName = resourceName;
  }
}

/**
 * A function, queue or schedule is registered twice under the same name.
 *
 * @example
 * ```ts
 * runtime.addFunction("relay", h); runtime.addFunction("relay", h); // throws ResourceExistsError
 * ```
 */
export class ResourceExistsError extends SlabridgeError {
  override readonly name = "ResourceExistsError" as const;
  constructor(kind: "function" | "queue" | "schedule", resourceName: string) {
    super(`A ${kind} named "${resourceName}" is already registered.`, { retryable: false });
  }
}

/**
 * A Lambda handler ran longer than its configured timeout. The message is Lambda's own, so logs and alarms read the
 * same locally and in AWS. Retrying may succeed (the work may simply have been slow).
 *
 * @example
 * ```ts
 * new LambdaTimeoutError(3).message; // "Task timed out after 3.00 seconds"
 * ```
 */
export class LambdaTimeoutError extends SlabridgeError {
  override readonly name = "LambdaTimeoutError" as const;
  readonly timeoutSeconds: number;
  constructor(timeoutSeconds: number) {
    super(`Task timed out after ${timeoutSeconds.toFixed(2)} seconds`, { retryable: true });
    this.timeoutSeconds = timeoutSeconds;
  }
}

/**
 * An SQS handler returned a `batchItemFailures` response Lambda would reject (not an object, an empty or missing
 * `itemIdentifier`, or an id that is not in the batch); as in AWS, the whole batch counts as failed.
 *
 * @example
 * ```ts
 * // handler returns { batchItemFailures: [{ itemIdentifier: "not-in-batch" }] } -> InvalidBatchResponseError
 * ```
 */
export class InvalidBatchResponseError extends SlabridgeError {
  override readonly name = "InvalidBatchResponseError" as const;
  constructor(details: string) {
    super("The SQS handler returned an invalid partial batch response; the whole batch failed.", {
      details,
      retryable: false,
    });
  }
}

/**
 * An operation that the component's lifecycle does not allow now (e.g. adding a queue after `start()`, starting a
 * stopped server).
 *
 * @example
 * ```ts
 * await runtime.start(); runtime.addQueue("late"); // throws RuntimeStateError
 * ```
 */
export class RuntimeStateError extends SlabridgeError {
  override readonly name = "RuntimeStateError" as const;
  constructor(message: string) {
    super(message, { retryable: false });
  }
}
