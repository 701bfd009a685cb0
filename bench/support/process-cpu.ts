import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks a second in /proc's CPU times (USER_HZ): 100 on Linux's usual builds. */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command's name (which may hold spaces and parentheses itself). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/**
 * The CPU seconds (user and system) `pid` and the processes under it (a query service's cluster workers, say) have
 * used so far, from /proc; undefined where there is no /proc. Throughput on a shared VM moves with its phase; the CPU
 * a service spends on each request moves much less, so the benchmarks print both.
 */
export function processTreeCpuSeconds(pid: number): number | undefined {
  const root = statFields(pid);
  if (!root) return undefined;
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = Number(statFields(Number(entry))?.[1]);
    if (!Number.isNaN(parent)) children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
  }
  let ticks = 0;
  for (const queue = [pid]; queue.length > 0;) {
    const next = queue.pop()!;
    const fields = next === pid ? root : statFields(next);
    // utime and stime: fields 14 and 15 of the line, 11 and 12 after the name.
    if (fields) ticks += Number(fields[11]) + Number(fields[12]);
    queue.push(...(children.get(next) ?? []));
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
