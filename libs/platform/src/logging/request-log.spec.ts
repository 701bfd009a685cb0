import { Writable } from 'node:stream';
import Fastify, { FastifyInstance } from 'fastify';
import pino from 'pino';
import { logRequests } from './request-log';

interface LogLine {
  level: number;
  msg: string;
  req: { id: string; url: string; headers: Record<string, string> };
}

/** A Fastify app whose request log, at this level, is kept as parsed lines. */
async function appLoggingAt(level: string): Promise<{ app: FastifyInstance; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const logger = pino({ level, redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' } }, sink);
  const app = Fastify();
  logRequests(app, logger);
  app.get('/v1/accounts/:id', async () => ({ ok: true }));
  app.get('/v1/broken', async () => {
    throw new Error('boom');
  });
  app.get('/health/ready', async () => ({ status: 'ok' }));
  app.get('/metrics', async () => '');
  app.get('/healthy-accounts', async () => []);
  await app.ready();
  return { app, lines };
}

describe('logRequests', () => {
  it("writes one line per answered request in pino-http's shape, credentials redacted", async () => {
    const { app, lines } = await appLoggingAt('info');
    const answer = await app.inject({
      url: '/v1/accounts/acme?at=2026-01-01',
      headers: { authorization: 'Bearer a-secret-never-logged', cookie: 'session=also-secret', 'user-agent': 'crm-sync' },
    });
    expect(answer.statusCode).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: '/v1/accounts/acme?at=2026-01-01', headers: { authorization: '[redacted]', cookie: '[redacted]' } },
      res: { statusCode: 200, headers: { 'content-type': expect.stringContaining('application/json') } },
      responseTime: expect.any(Number),
    });
    expect(lines[0].req.headers['user-agent']).toBe('crm-sync');
    expect(lines[0].req.id).toEqual(expect.any(String));
    expect(JSON.stringify(lines)).not.toMatch(/secret/);
  });

  it('logs a 5xx at level error, as "request errored"', async () => {
    const { app, lines } = await appLoggingAt('info');
    expect((await app.inject({ url: '/v1/broken' })).statusCode).toBe(500);
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, msg: 'request errored', res: expect.objectContaining({ statusCode: 500 }) }),
    ]);
  });

  it('leaves out probes and scrapes, but not routes that only begin like them', async () => {
    const { app, lines } = await appLoggingAt('info');
    for (const url of ['/health/ready', '/metrics', '/metrics?x=1', '/healthy-accounts']) await app.inject({ url });
    expect(lines.map((line) => line.req.url)).toEqual(['/healthy-accounts']);
  });

  it('writes nothing when the level drops request lines, and still the 5xx at warn', async () => {
    const { app, lines } = await appLoggingAt('warn');
    await app.inject({ url: '/v1/accounts/acme' });
    expect(lines).toEqual([]);
    await app.inject({ url: '/v1/broken' });
    expect(lines.map((line) => line.msg)).toEqual(['request errored']);
  });
});
