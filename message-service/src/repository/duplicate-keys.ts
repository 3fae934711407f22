/** Indexes of the documents an unordered insertMany refused as duplicates; rethrows anything else. */
export function duplicateIndexes(error: unknown): Set<number> {
  const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
  const list = (Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : []) as {
    index: number;
    code: number;
  }[];
  if (!list.length || list.some((e) => e.code !== 11000)) throw error;
  return new Set(list.map((e) => e.index));
}
