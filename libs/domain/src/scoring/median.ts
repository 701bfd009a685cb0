/** The median of numbers sorted ascending (the mean of the two middle ones for an even count); undefined when empty. */
export function medianOfSorted(sorted: readonly number[]): number | undefined {
  if (sorted.length === 0) return undefined;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
