/**
 * `task` run once and its success shared by every later call; a failure is not kept, so the next call runs it again
 * (a transient outage during a one-time check must not disable what it guards for good).
 *
 * @example
 * const checkKey = onceUntilFailure(() => kms.send(new GetPublicKeyCommand({ KeyId })));
 * await checkKey(); // GetPublicKey once, then never again after it succeeded
 */
export function onceUntilFailure<T>(task: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= task().catch((error: unknown) => {
      running = undefined;
      throw error;
    });
    return running;
  };
}
