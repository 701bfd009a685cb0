import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { findFreePort } from '@rapport/postgres';
import { INGEST_NODE_FLAGS } from '../../apps/ingest/src/node-flags';
import { QUERY_NODE_FLAGS } from '../../apps/query/src/node-flags';

const ROOT = resolve(__dirname, '..', '..');

export interface ServiceProcess {
  name: string;
  base: string;
  child: ChildProcess;
  /** What the process printed, for failure messages. */
  output: string[];
  /** SIGTERM, then its exit code (null if killed by a signal). */
  stop(): Promise<number | null>;
}

/** The bootstrap admin key of the processes that tests and benchmarks start (auth is on, as deployed). */
export const SERVICE_ADMIN_KEY = 'service-admin-key-0123456789abcdef0123456789';
export const SERVICE_AUTH = { authorization: `Bearer ${SERVICE_ADMIN_KEY}` };

const APP_NODE_FLAGS: Record<string, readonly string[]> = { ingest: INGEST_NODE_FLAGS, query: QUERY_NODE_FLAGS };

/**
 * Node's flags for a V8 CPU profile of a process a benchmark starts, when RAPPORT_PROFILE_DIR is set: a directory a
 * process (`<name>-<start time>`), its files named by node, one a thread (the projector's relay runs on its own).
 */
export function profileFlags(name: string): string[] {
  const profileDir = process.env.RAPPORT_PROFILE_DIR;
  return profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${name}-${Date.now()}`)}`] : [];
}

/**
 * Runs a built app (`dist/apps/<name>/src/main.js`) as its own process, as deployed. With RAPPORT_PROFILE_DIR set (for
 * benchmarks), each process writes a V8 CPU profile there when it exits.
 */
export function spawnService(name: string, env: Record<string, string>): { child: ChildProcess; output: string[] } {
  const profile = profileFlags(name);
  // As deployed: the flags docker-compose.yml starts the app with.
  const flags = APP_NODE_FLAGS[name] ?? [];
  const child = spawn(process.execPath, [...flags, ...profile, `dist/apps/${name}/src/main.js`], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', RAPPORT_BOOTSTRAP_KEY: SERVICE_ADMIN_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (chunk) => output.push(String(chunk)));
  child.stderr.on('data', (chunk) => output.push(String(chunk)));
  return { child, output };
}

export function exitCode(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', (code) => r(code)));
}

/** Starts a built app on a free port and waits until /health/ready answers 200. */
export async function startService(name: string, env: Record<string, string>): Promise<ServiceProcess> {
  const port = await findFreePort();
  const { child, output } = spawnService(name, { ...env, PORT: String(port) });
  const base = `http://127.0.0.1:${port}`;
  for (
    let i = 0;
    !(await fetch(`${base}/health/ready`)
      .then((r) => r.ok)
      .catch(() => false));
    i++
  ) {
    if (i > 200 || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not become ready (run \`npm run build\` first):\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    base,
    child,
    output,
    stop: async () => {
      child.kill('SIGTERM');
      return exitCode(child);
    },
  };
}
