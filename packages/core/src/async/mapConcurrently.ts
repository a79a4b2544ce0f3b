/**
 * `task` applied to every item with at most `limit` running at once; resolves with the results in the items' order
 * (not the order they finished). A rejection rejects the whole once every started task has settled, so nothing is
 * still running when it returns: tasks that must not stop the others record their own errors.
 *
 * @example
 * const evaluations = await mapConcurrently(models, 4, (modelId) => evaluateModel(world, modelId));
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const index = next++;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  if (failure) throw failure.error;
  return results;
}
