import { join } from 'node:path';
import { findFreePort } from '@rapport/postgres';
import { waitUntil } from '../../../test/support/wait-until';
import { RelayThread } from './relay-thread';

function recordingLog() {
  const lines: Array<{ level: string; message: string; error?: Error }> = [];
  return {
    lines,
    info: (message: string) => lines.push({ level: 'info', message }),
    warn: (message: string) => lines.push({ level: 'warn', message }),
    error: (message: string, error?: unknown) => lines.push({ level: 'error', message, error: error as Error }),
  };
}

const until = (done: () => boolean, what: string) => waitUntil(done, what, { timeoutMs: 15_000, intervalMs: 50 });

describe('RelayThread', () => {
  it("runs the relay on its own thread, whose logs and errors are this process's, and stops it", async () => {
    // Nothing listens on the port: the relay in the thread fails to connect and says so, through this process's log.
    const port = await findFreePort();
    const log = recordingLog();
    const relay = new RelayThread(
      { databaseUrl: `postgres://postgres@127.0.0.1:${port}/none`, kafka: { brokers: `127.0.0.1:${port}`, clientId: 'spec' }, topic: 't' },
      log,
    );
    relay.start();
    await until(() => log.lines.some((l) => l.level === 'error'), 'a failure reported by the thread');
    await relay.stop();

    const failure = log.lines.find((l) => l.level === 'error')!;
    expect(failure.message).toMatch(/^outbox relay failed; retrying \(failure 1 in a row\)$/);
    expect(failure.error).toBeInstanceOf(Error);
    expect(failure.error!.message).toMatch(/ECONNREFUSED/);
    expect(failure.error!.stack).toMatch(/ECONNREFUSED/);
  }, 30_000);

  it('starts a thread that ended by itself again, after a back-off, until stopped', async () => {
    const log = recordingLog();
    const relay = new RelayThread(
      { databaseUrl: 'postgres://unused', kafka: { brokers: 'unused:9092', clientId: 'spec' }, topic: 't' },
      log,
      {
        retryDelayMs: 20,
        workerFile: join(__dirname, '../../../test/support/exiting-relay.worker.ts'),
      },
    );
    relay.start();
    await until(() => log.lines.filter((l) => l.level === 'error').length >= 3, 'three restarts');
    await relay.stop();

    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.message)).toContain('exiting at once');
    const restarts = log.lines.filter((l) => l.level === 'error').slice(0, 3);
    expect(restarts.map((l) => l.message)).toEqual(
      [1, 2, 3].map((n) => `the outbox relay's thread ended; starting it again (failure ${n} in a row)`),
    );
    expect(restarts[0].error!.message).toBe("the relay's worker thread exited with code 3");
  }, 30_000);
});
