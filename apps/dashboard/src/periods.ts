/** The `count` calendar quarters before today's, oldest first, each as days [from, to) and a label like "2026 Q3". */
export function quarters(count: number, today: Date): Array<{ label: string; from: string; to: string }> {
  const start = new Date(Date.UTC(today.getUTCFullYear(), Math.floor(today.getUTCMonth() / 3) * 3, 1));
  return Array.from({ length: count }, (_, i) => {
    const from = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() - 3 * (count - i), 1));
    const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 3, 1));
    return {
      label: `${from.getUTCFullYear()} Q${from.getUTCMonth() / 3 + 1}`,
      from: from.toISOString().slice(0, 10),
      to: to.toISOString().slice(0, 10),
    };
  });
}

/** "2026 Q3" for a period starting on a calendar quarter's first day; one cut short before the quarter's end is "to date". */
export function quarterLabel(from: string, to: string): string {
  const [year, month] = from.split('-').map(Number);
  const whole = to.endsWith('-01') && Number(to.slice(5, 7)) === ((month + 2) % 12) + 1;
  return `${year} Q${Math.floor((month - 1) / 3) + 1}${whole ? '' : ' to date'}`;
}
