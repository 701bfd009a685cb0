import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FiguresRecord, recordFigures } from '../support/bench-figures';
import { goalsReport, judgeGoals } from './goals';

/** A run whose every figure sits exactly at its goal's bound. */
function atTheBounds(): FiguresRecord[] {
  return [
    {
      bench: 'query',
      part: 'reads',
      figures: {
        accounts: 10_000,
        healthRequestsPerSecond: 5_000,
        healthP99: 25,
        portfolioRequestsPerSecond: 9_000,
        portfolioP99: 50,
        metricsMedianMs: 20,
      },
    },
    { bench: 'append', part: 'store', figures: { largeBatches: 40_000, largeBatchesRawCopy: 50_000 } },
    { bench: 'append', part: 'http', figures: { singleEvents: 2_500, singleEventsRaw: 5_000, batches: 20_000, batchesRaw: 40_000 } },
    { bench: 'pipeline', part: 'paced', figures: { p99: 250, rate: 1_000 } },
    { bench: 'pipeline', part: 'burst', figures: { events: 10_000, delivered: 10_000, eventsPerSecond: 10_000 } },
    { bench: 'import', part: 'import', figures: { events: 1_000_000, eventsPerSecond: 50_000, rawCopy: 100_000 } },
  ];
}

const verdicts = (records: FiguresRecord[]) =>
  judgeGoals(records).map((r) => [r.goal.split(' ')[0] + (r.measurement ? ` ${r.measurement}` : ''), r.met]);

describe('the goals judged on one run', () => {
  it('meets every goal at its bound, in the README order, and says so', () => {
    const rows = judgeGoals(atTheBounds());
    expect(rows.map((r) => r.met)).toEqual(Array(9).fill(true));
    expect(rows[0]).toEqual({
      goal: '`POST /v1/events` ≥ 0.5 of raw single-row inserts (16 clients)',
      measurement: '',
      figure: '2,500 events/s against 5,000 beside it: 0.50×',
      met: true,
    });
    expect(rows[3].figure).toBe('50,000 events/s of 1,000,000; raw COPY of the same file beside it 100,000: 0.50×');
    expect(goalsReport(rows)).toMatch(/9 of 9 figures met: every goal met in this run: yes\.$/);
  });

  it('misses each goal just past its bound, even where the tables would round the figure onto it, and says so', () => {
    const past: Record<string, Record<string, number>> = {
      'query/reads': { healthP99: 25.2, portfolioP99: 50.3, metricsMedianMs: 20.04 },
      'append/store': { largeBatches: 39_990 },
      'append/http': { singleEvents: 2_499, batches: 19_990 },
      'pipeline/paced': { p99: 250.04 },
      'pipeline/burst': { eventsPerSecond: 9_999 },
      'import/import': { eventsPerSecond: 49_999 },
    };
    const records = atTheBounds().map((r) => ({ ...r, figures: { ...r.figures, ...past[`${r.bench}/${r.part}`] } }));
    const rows = judgeGoals(records);
    expect(rows.map((r) => r.met)).toEqual(Array(9).fill(false));
    expect(rows.map((r) => r.figure)).toEqual([
      '2,499 events/s against 5,000 beside it: 0.50× (0.499, under 0.5)',
      '19,990 events/s against 40,000 beside it: 0.50× (0.499, under 0.5)',
      '39,990 events/s against 50,000 beside it: 0.80× (0.799, under 0.8)',
      '49,999 events/s of 1,000,000; raw COPY of the same file beside it 100,000: 0.50×',
      '5,000 requests/s, p99 25.2 ms',
      'p99 50.3 ms (9,000 requests/s)',
      '20.1 ms over 10,000 accounts',
      'p99 250.1 ms at 1,000 events/s',
      '9,999 events/s (10,000 events)',
    ]);
    // Clear of the bound, figures print as the tables do.
    const clear = atTheBounds().map((r) =>
      r.bench === 'append' && r.part === 'store' ? { ...r, figures: { ...r.figures, largeBatches: 39_700 } } : r,
    );
    expect(judgeGoals(clear)[2]).toMatchObject({ met: false, figure: '39,700 events/s against 50,000 beside it: 0.79×' });
    // Account health needs both: its rate alone short of 5,000 misses it too.
    const slow = atTheBounds().map((r) => (r.bench === 'query' ? { ...r, figures: { ...r.figures, healthRequestsPerSecond: 4_999 } } : r));
    expect(judgeGoals(slow)[4]).toMatchObject({ met: false, figure: '4,999 requests/s, p99 25 ms' });
  });

  it('judges a goal measured twice in the run on each measurement', () => {
    const records = [...atTheBounds(), { bench: 'pipeline', part: 'paced', figures: { p99: 258, rate: 1_000 } }];
    const burstAgain = { bench: 'pipeline', part: 'burst', figures: { events: 10_000, delivered: 10_000, eventsPerSecond: 11_216 } };
    const rows = judgeGoals([...records, burstAgain]);
    expect(verdicts([...records, burstAgain]).slice(7)).toEqual([
      ['pipeline 1st', true],
      ['pipeline 2nd', false],
      ['pipeline 1st', true],
      ['pipeline 2nd', true],
    ]);
    expect(rows[8].figure).toBe('p99 258 ms at 1,000 events/s');
    expect(goalsReport(rows)).toMatch(/10 of 11 figures met: every goal met in this run: no\.$/);
  });

  it('holds a goal without its figures as not measured, or not judged, never as met', () => {
    const withoutImport = atTheBounds().filter((r) => r.bench !== 'import');
    const rows = judgeGoals(withoutImport);
    expect(rows[3]).toEqual({
      goal: 'import of 1,000,000 events ≥ 50,000 events/s',
      measurement: '',
      figure: '',
      met: undefined,
    });
    expect(goalsReport(rows)).toMatch(/8 of 9 figures met, 1 not measured: every goal met in this run: no\.$/);

    const undelivered = atTheBounds().map((r) => (r.part === 'burst' ? { ...r, figures: { events: 10_000, delivered: 9_990 } } : r));
    expect(judgeGoals(undelivered)[8]).toMatchObject({ figure: 'without eventsPerSecond: not judged', met: false });
  });

  it('does not count a smaller import, or a smaller portfolio, as the goal measured', () => {
    const small = atTheBounds().map((r) =>
      r.bench === 'import'
        ? { ...r, figures: { events: 300_000, eventsPerSecond: 60_000, rawCopy: 100_000 } }
        : r.bench === 'query'
          ? { ...r, figures: { ...r.figures, accounts: 1_000, metricsMedianMs: 1 } }
          : r,
    );
    const rows = judgeGoals(small);
    expect([rows[3].met, rows[6].met]).toEqual([false, false]);
    expect(rows[6].figure).toBe('1 ms over 1,000 accounts');
  });
});

describe('recordFigures', () => {
  const saved = process.env.RAPPORT_BENCH_FIGURES;
  afterEach(() => {
    if (saved === undefined) delete process.env.RAPPORT_BENCH_FIGURES;
    else process.env.RAPPORT_BENCH_FIGURES = saved;
  });

  it('appends a JSON line to the file RAPPORT_BENCH_FIGURES names, and writes nothing when it is unset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-figures-'));
    try {
      const file = join(dir, 'figures.jsonl');
      delete process.env.RAPPORT_BENCH_FIGURES;
      recordFigures('import', 'import', { events: 1 });
      process.env.RAPPORT_BENCH_FIGURES = file;
      recordFigures('pipeline', 'paced', { p99: 57.5, rate: 1000 });
      recordFigures('pipeline', 'burst', { events: 10_000, eventsPerSecond: Number.NaN });
      const lines = readFileSync(file, 'utf8')
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as FiguresRecord);
      expect(lines).toEqual([
        { bench: 'pipeline', part: 'paced', figures: { p99: 57.5, rate: 1000 } },
        // JSON has no NaN: a figure that was not measured reads back as null, which the goals do not judge.
        { bench: 'pipeline', part: 'burst', figures: { events: 10_000, eventsPerSecond: null } },
      ]);
      expect(judgeGoals(lines)[8]).toMatchObject({ met: false, figure: 'without eventsPerSecond: not judged' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
