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
