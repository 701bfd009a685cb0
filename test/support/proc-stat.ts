import { readdirSync, readFileSync } from 'node:fs';

/**
 * The fields of Linux's /proc/<pid>/stat after the command's name (which may itself hold spaces and parentheses):
 * [0] the state, [1] the parent's pid, [11] and [12] the user and system CPU time in clock ticks. Undefined once the
 * process has ended, or where there is no /proc.
 */
export function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The live processes (not zombies) whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = procStat(Number(entry));
    if (fields && Number(fields[1]) === pid && fields[0] !== 'Z') children.push(Number(entry));
  }
  return children;
}
