import { appendFileSync } from 'node:fs';

/** A benchmark's figures that bench:goals judges, by name; as measured, not rounded. */
export type Figures = Record<string, number>;

/** One benchmark's record in RAPPORT_BENCH_FIGURES: which benchmark, which part of it, its figures. */
export interface FiguresRecord {
  bench: string;
  part: string;
  figures: Figures;
}

/**
 * Records figures the benchmark has printed, as one JSON line appended to the file RAPPORT_BENCH_FIGURES names (set by
 * bench:goals, which runs the suite and judges one run's figures against the goals); nothing when it is not set.
 */
export function recordFigures(bench: string, part: string, figures: Figures): void {
  const file = process.env.RAPPORT_BENCH_FIGURES;
  if (!file) return;
  const record: FiguresRecord = { bench, part, figures };
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}
