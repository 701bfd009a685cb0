import { readFileSync } from 'node:fs';
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

/**
 * The pid of the PostgreSQL server behind `url` (its postmaster, whose children are the backends and the background
 * workers), when that server runs on this host; undefined otherwise (another host, a container's pid namespace, no
 * /proc). Found from a backend's pid: its parent, both named `postgres`.
 */
export async function localServerPid(url: string): Promise<number | undefined> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const backend = rows[0].pid;
    const parent = Number(procStat(backend)?.[1]);
    return isPostgres(backend) && isPostgres(parent) ? parent : undefined;
  } finally {
    await client.end();
  }
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return false;
  }
}
