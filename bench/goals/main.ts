/**
 * bench/goals: the whole suite as one run, in the order of every run since run 10 (`bench:query`, `bench:append`,
 * `bench:pipeline`, `bench:import`, `bench:ingest-restart`, `bench:rebuild`, `bench:projector`, then `bench:pipeline`
 * again), each benchmark printing as it does alone, then the performance goals judged on this run's figures alone:
 * each benchmark records what it printed (RAPPORT_BENCH_FIGURES), and a goal that is a ratio is judged against raw
 * PostgreSQL measured beside it in the same run. `npm run bench:goals`; `-- --benches query,append` runs some of them
 * (in that order), `-- --figures FILE` keeps the recorded figures (JSON lines). ~17 minutes on the development VM.
 * `-- --judge FILE` runs nothing: it judges the figures a run recorded (docs/runs/), with the goals as they are now.
 * Exits 1 if a benchmark failed (its goals are then "not measured"); a run that misses goals is still a run.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { FiguresRecord } from '../support/bench-figures';
import { goalsReport, judgeGoals } from './goals';

const SUITE = ['query', 'append', 'pipeline', 'import', 'ingest-restart', 'rebuild', 'projector', 'pipeline'];

const { values: args } = parseArgs({
  options: {
    benches: { type: 'string', default: SUITE.join(',') },
    figures: { type: 'string' },
    judge: { type: 'string' },
  },
});

const root = resolve(__dirname, '..', '..');

function benchesToRun(): string[] {
  const known = new Set(Object.keys((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: object }).scripts));
  const benches = args.benches
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const refuse = (message: string) => {
    console.error(`--benches: ${message}`);
    process.exit(2);
  };
  // Run inside a run, it would start the suite again.
  if (benches.includes('goals')) refuse('bench:goals is the suite itself, not one of its benchmarks');
  const unknown = benches.filter((b) => !known.has(`bench:${b}`));
  if (unknown.length > 0) refuse(`no npm script bench:${unknown.join(', bench:')}`);
  return benches;
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'not a git checkout';
  }
}

/** `npm run bench:<name>`, its output passed through; resolves with its exit code. */
function runBench(name: string, figuresFile: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', '-s', `bench:${name}`], {
      cwd: root,
      env: { ...process.env, RAPPORT_BENCH_FIGURES: figuresFile },
      stdio: 'inherit',
    });
    child.on('error', fail);
    child.on('close', (code) => done(code ?? 1));
  });
}

function readFigures(file: string): FiguresRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as FiguresRecord);
}

/** The goals judged on the figures a run recorded, without running anything. */
function judgeRecorded(file: string): void {
  const path = resolve(file);
  if (!existsSync(path)) {
    console.error(`--judge: no file ${path}`);
    process.exit(2);
  }
  let records: FiguresRecord[];
  try {
    records = readFigures(path);
  } catch (error) {
    console.error(`--judge: ${path} is not the JSON lines a run records (${(error as Error).message})`);
    process.exit(2);
  }
  const odd = records.findIndex(
    (r) => typeof r?.bench !== 'string' || typeof r.part !== 'string' || typeof r.figures !== 'object' || r.figures === null,
  );
  if (odd >= 0) {
    console.error(`--judge: record ${odd + 1} of ${path} lacks a bench, a part or its figures`);
    process.exit(2);
  }
  console.log(`## The goals, judged at ${commit()} on the figures recorded in ${path}\n`);
  console.log(goalsReport(judgeGoals(records)));
}

async function main(): Promise<void> {
  if (args.judge !== undefined) {
    if (args.figures !== undefined || args.benches !== SUITE.join(',')) {
      console.error('--judge runs no benchmark: it takes neither --benches nor --figures');
      process.exit(2);
    }
    return judgeRecorded(args.judge);
  }
  const benches = benchesToRun();
  const dir = args.figures ? undefined : mkdtempSync(join(tmpdir(), 'rapport-bench-goals-'));
  const figuresFile = args.figures ? resolve(args.figures) : join(dir!, 'figures.jsonl');
  rmSync(figuresFile, { force: true });
  const failed: string[] = [];
  const started = new Date();
  console.log(`bench/goals at ${commit()}, from ${started.toISOString()}: ${benches.map((b) => `bench:${b}`).join(', ')}`);
  try {
    for (const bench of benches) {
      console.log(`\n=== bench:${bench} ${new Date().toISOString()}`);
      const code = await runBench(bench, figuresFile);
      if (code !== 0) {
        console.log(`bench:${bench} exited with ${code}: its goals are not measured in this run`);
        failed.push(bench);
      }
    }
    console.log(`\n## The goals, this run (${started.toISOString()} to ${new Date().toISOString()}, ${commit()})\n`);
    console.log(goalsReport(judgeGoals(readFigures(figuresFile))));
    if (args.figures) console.log(`\nfigures recorded in ${figuresFile}`);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  if (failed.length > 0) {
    console.error(`\nfailed: ${failed.map((b) => `bench:${b}`).join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
