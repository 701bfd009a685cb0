import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Client } from 'pg';
import { childrenOf, procStat } from '../../test/support/proc-stat';

/** Clock ticks a second in /proc's CPU times (USER_HZ): 100 on Linux's usual builds. */
const TICKS_PER_SECOND = 100;

/**
 * The CPU seconds (user and system) `pid` and the processes under it (a query service's cluster workers, say) have
 * used so far, from /proc; undefined where there is no /proc. Throughput on a shared VM moves with its phase; the CPU
 * a service spends on each request moves much less, so the benchmarks print both.
 */
export function processTreeCpuSeconds(pid: number): number | undefined {
  if (!procStat(pid)) return undefined;
  let ticks = 0;
  for (const queue = [pid]; queue.length > 0;) {
    const next = queue.pop()!;
    const fields = procStat(next);
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
    queue.push(...childrenOf(next));
  }
  return ticks / TICKS_PER_SECOND;
}

/** What `work` cost `pid`'s process tree in CPU seconds, beside its result; the cost undefined without /proc. */
export async function measuringCpu<T>(pid: number | undefined, work: () => Promise<T>): Promise<{ result: T; cpuSeconds?: number }> {
  const before = pid === undefined ? undefined : processTreeCpuSeconds(pid);
  const result = await work();
  const after = pid === undefined ? undefined : processTreeCpuSeconds(pid);
  return { result, cpuSeconds: before === undefined || after === undefined ? undefined : after - before };
}

/** A process a benchmark accounts the CPU of: its CPU seconds so far, undefined where they cannot be known. */
export interface MeasuredProcess {
  name: string;
  cpuSeconds(): number | undefined;
}

/** `pid` and the processes under it (a service's cluster workers, say). */
export function processTree(name: string, pid: number): MeasuredProcess {
  return { name, cpuSeconds: () => processTreeCpuSeconds(pid) };
}

/** This process (a benchmark's own load: its Kafka clients, say). */
export function thisProcess(name: string): MeasuredProcess {
  return {
    name,
    cpuSeconds: () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    },
  };
}

/**
 * The children of this process that have ended, once reaped (a CLI run to its end): Linux adds their CPU to their
 * parent's children's times.
 */
export function endedChildren(name: string): MeasuredProcess {
  return {
    name,
    cpuSeconds: () => {
      const fields = procStat(process.pid);
      return fields ? (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND : undefined;
    },
  };
}

/**
 * The PostgreSQL server behind `url`, every process of it (the postmaster's children are the backends and the background
 * workers), when it runs on this host; its CPU unknown otherwise (another host, a container's pid namespace, no /proc).
 * Found from a backend's pid: its parent, both named `postgres`.
 */
export async function localPostgres(url: string): Promise<MeasuredProcess> {
  const client = new Client({ connectionString: url });
  await client.connect();
  let server: number | undefined;
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const backend = rows[0].pid;
    const parent = Number(procStat(backend)?.[1]);
    if (isPostgres(backend) && isPostgres(parent)) server = parent;
  } finally {
    await client.end();
  }
  return { name: 'PostgreSQL', cpuSeconds: () => (server === undefined ? undefined : processTreeCpuSeconds(server)) };
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return false;
  }
}

/**
 * The CPU each process spent between `start` and `stop`, an event, and the bound their sum sets: processes that share
 * this machine's cores take turns on them, so no rate above cores ÷ (CPU an event, summed) is possible. The bound is an
 * upper one: a process left out (a Kafka broker on this host other than scripts/kafka-broker.sh's, which the benchmarks
 * count, say) would only lower it.
 */
export class CpuBudget {
  private before: Array<number | undefined> = [];
  private spent: Array<number | undefined> = [];

  constructor(private readonly processes: readonly MeasuredProcess[]) {}

  start(): void {
    this.before = this.processes.map((p) => p.cpuSeconds());
  }

  stop(): void {
    this.spent = this.processes.map((p, i) => {
      const [before, after] = [this.before[i], p.cpuSeconds()];
      return before === undefined || after === undefined ? undefined : after - before;
    });
  }

  /** µs of CPU an event of `events`, by process name (undefined where unknown). */
  perEvent(events: number): Map<string, number | undefined> {
    return new Map(this.processes.map((p, i) => [p.name, this.spent[i] === undefined ? undefined : (this.spent[i] * 1e6) / events]));
  }

  /** Each process's µs an event, then their sum and the rate it bounds (when every process's CPU is known). */
  report(events: number): string {
    const perEvent = [...this.perEvent(events)];
    const lines = [
      `CPU µs an event: ${perEvent.map(([name, us]) => `${name} ${us === undefined ? 'unknown' : us.toFixed(1)}`).join(', ')}`,
    ];
    if (perEvent.every(([, us]) => us !== undefined)) {
      const total = perEvent.reduce((sum, [, us]) => sum + us!, 0);
      const cores = cpus().length;
      lines.push(
        `Together ${total.toFixed(1)} µs an event: ${cores} cores allow at most ${Math.round((cores * 1e6) / total).toLocaleString('en-US')} events/s.`,
      );
    }
    return lines.join('\n');
  }
}
