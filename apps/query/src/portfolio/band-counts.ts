/** Accounts per health band (under the owner and key-account filters, whatever the band filter): `noData` without a score. */
export function bandCounts(counts: Iterable<[string | null, number]>): Record<'green' | 'yellow' | 'red' | 'churned' | 'noData', number> {
  const bands = { green: 0, yellow: 0, red: 0, churned: 0, noData: 0 };
  for (const [band, accounts] of counts) bands[(band ?? 'noData') as keyof typeof bands] += accounts;
  return bands;
}
