import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { childrenOf } from '../support/proc-stat';
import { exitCode, SERVICE_AUTH, ServiceProcess, spawnService, startService } from '../support/service-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { waitUntil } from '../support/wait-until';

/** A GET on a connection of its own: the primary hands connections, not requests, to the processes in turn. */
function getOnItsOwnConnection(base: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { agent: false, headers: SERVICE_AUTH }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode!));
    })
      .on('error', reject)
      .end();
  });
}

/** The pids that logged a request to `path` (request log lines, LOG_LEVEL=info). */
function pidsThatServed(service: ServiceProcess, path: string): Set<number> {
  const pids = new Set<number>();
  for (const line of service.output.join('').split('\n')) {
    if (!line.includes(`"url":"${path}"`)) continue;
    pids.add((JSON.parse(line) as { pid: number }).pid);
  }
  return pids;
}

let database: TestDatabase;
let query: ServiceProcess;

beforeAll(async () => {
  database = await createTestDatabase('query_processes');
  query = await startService('query', { DATABASE_URL: database.url, RAPPORT_QUERY_PROCESSES: '2', LOG_LEVEL: 'info' });
  // Ready answers once one process serves; the primary hands connections only to those listening.
  await waitUntil(
    () => query.output.join('').split('Nest application successfully started').length - 1 === 2,
    'both query processes to have started',
  );
}, 60_000);

afterAll(async () => {
  if (query.child.exitCode === null) query.child.kill('SIGKILL');
  for (const pid of childrenOf(query.child.pid!)) process.kill(pid, 'SIGKILL');
  await database.drop();
});

describe('the query service as several processes (RAPPORT_QUERY_PROCESSES)', () => {
  it('serves its port from that many processes, and /metrics counts the requests of all of them', async () => {
    expect(childrenOf(query.child.pid!)).toHaveLength(2);
    const path = '/v1/accounts/no-such-account';
    const statuses = [];
    for (let i = 0; i < 20; i++) statuses.push(await getOnItsOwnConnection(query.base, path));
    expect(statuses).toEqual(Array(20).fill(404));
    expect([...pidsThatServed(query, path)].sort()).toEqual(childrenOf(query.child.pid!).sort());

    const metrics = await fetch(`${query.base}/metrics`, { headers: SERVICE_AUTH }).then((r) => r.text());
    // Each process counted its own share; one process's figures alone would hold about half.
    expect(metrics).toMatch(/^rapport_http_request_duration_seconds_count\{method="GET",route="\/v1\/accounts\/:id",status="404"\} 20$/m);
    // A gauge merged as it asks (the least position heard of), not summed.
    expect(metrics).toMatch(/^rapport_answer_cache_position -?\d+$/m);
    expect(metrics.match(/^rapport_answer_cache_position /gm)).toHaveLength(1);
  }, 30_000);

  it('replaces a process that ends, and serves throughout', async () => {
    const [ended, kept] = childrenOf(query.child.pid!);
    process.kill(ended, 'SIGKILL');
    await waitUntil(() => {
      const now = childrenOf(query.child.pid!);
      return now.length === 2 && !now.includes(ended) && now.includes(kept);
    }, 'a new process in place of the one that ended');
    expect(await getOnItsOwnConnection(query.base, '/health/ready')).toBe(200);
    expect(query.output.join('')).toMatch(new RegExp(`process ${ended} exited with signal SIGKILL; starting another`));
  }, 60_000);

  it('stops every process on SIGTERM and exits 0', async () => {
    const processes = childrenOf(query.child.pid!);
    expect(processes).toHaveLength(2);
    expect(await query.stop()).toBe(0);
    // The primary waits for each process to end before it exits.
    expect(processes.filter((pid) => existsSync(`/proc/${pid}`))).toEqual([]);
  }, 60_000);

  it('refuses a RAPPORT_QUERY_PROCESSES it cannot run, naming it, before starting any process', async () => {
    const { child, output } = spawnService('query', { DATABASE_URL: database.url, RAPPORT_QUERY_PROCESSES: '0' });
    expect(await exitCode(child)).toBe(1);
    expect(output.join('')).toContain('RAPPORT_QUERY_PROCESSES must be a whole number of processes from 1 to 64, or auto (one per core)');
    expect(output.join('')).not.toContain('Starting Nest application');
  }, 30_000);

  it('exits 1 when its processes cannot start, rather than starting them again and again', async () => {
    const { child, output } = spawnService('query', {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere',
      RAPPORT_QUERY_PROCESSES: '2',
      LOG_LEVEL: 'info',
    });
    expect(await exitCode(child)).toBe(1);
    expect(output.join('')).toMatch(/exited with code 1 before the service served; stopping/);
    expect(childrenOf(child.pid!)).toEqual([]);
  }, 30_000);
});
