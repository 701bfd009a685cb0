import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import request from 'supertest';
import { StandaloneAppModule } from '@rapport/standalone/standalone-app.module';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app';

let now = Date.parse('2026-11-23T10:00:00Z');
const clock = () => new Date(now);

let database: TestDatabase;
let app: TestApp;
/** A second process on the same database: revocations must reach it too. */
let other: TestApp;

const envelope = (system: string, eventId: string, accountId = 'acme') => ({
  type: 'AccountOpened',
  accountId,
  occurredAt: '2026-11-20T10:00:00Z',
  source: { system, eventId },
  data: { name: 'Acme' },
});

async function createKey(body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const response = await app.http.post('/v1/keys').send(body).expect(201);
  return response.body as { id: string; key: string };
}

async function eventCount(): Promise<number> {
  const response = await app.http.get('/metrics').expect(200);
  const line = /^rapport_events_appended_total\{via="http"\} (\d+)/m.exec(response.text);
  return line ? Number(line[1]) : 0;
}

let keys: { crm: string; reader: string; revoked: string; expired: string; crmId: string };

beforeAll(async () => {
  database = await createTestDatabase('access');
  app = await startTestApp(StandaloneAppModule.forRoot, { label: 'access', database, clock, openApi: true });
  other = await startTestApp(StandaloneAppModule.forRoot, { label: 'access', database, clock });
  const crm = await createKey({ name: 'crm', scopes: ['events:write'], systems: ['crm'] });
  const reader = await createKey({ name: 'dashboard', scopes: ['read'] });
  const revoked = await createKey({ name: 'old', scopes: ['events:write', 'read'], systems: ['crm'] });
  await app.http.delete(`/v1/keys/${revoked.id}`).expect(204);
  const expired = await createKey({
    name: 'temp',
    scopes: ['events:write', 'read'],
    systems: ['crm'],
    expiresAt: new Date(now + 60_000).toISOString(),
  });
  keys = { crm: crm.key, reader: reader.key, revoked: revoked.key, expired: expired.key, crmId: crm.id };
}, 60_000);

afterAll(async () => {
  now = Date.now();
  await other?.close();
  await app?.close();
  await database?.drop();
});

type Case = 'none' | 'wrong' | 'revoked' | 'expired' | 'wrong scope' | 'wrong system';

const ROUTES: Array<{ method: 'get' | 'post' | 'delete'; path: string; scope: 'read' | 'events:write' | 'admin'; body?: unknown }> = [
  { method: 'post', path: '/v1/events', scope: 'events:write', body: envelope('billing', 'x-1') },
  { method: 'post', path: '/v1/events/batch', scope: 'events:write', body: [envelope('crm', 'x-2'), envelope('billing', 'x-3')] },
  { method: 'get', path: '/v1/events/00000000-0000-4000-8000-000000000000', scope: 'read' },
  { method: 'get', path: '/v1/accounts/acme', scope: 'read' },
  { method: 'get', path: '/v1/accounts/acme/health', scope: 'read' },
  { method: 'get', path: '/v1/accounts/acme/health/history', scope: 'read' },
  { method: 'get', path: '/v1/accounts/acme/timeline', scope: 'read' },
  { method: 'get', path: '/v1/portfolio/health', scope: 'read' },
  { method: 'get', path: '/v1/portfolio/churn-risk', scope: 'read' },
  { method: 'get', path: '/v1/portfolio/expansion', scope: 'read' },
  { method: 'get', path: '/v1/portfolio/metrics?from=2026-01-01&to=2026-07-01', scope: 'read' },
  { method: 'get', path: '/v1/stream/health', scope: 'read' },
  { method: 'get', path: '/metrics', scope: 'read' },
  { method: 'get', path: '/docs-json', scope: 'read' },
  { method: 'get', path: '/v1/keys', scope: 'admin' },
  { method: 'post', path: '/v1/keys', scope: 'admin', body: { name: 'x', scopes: ['read'] } },
  { method: 'delete', path: '/v1/keys/00000000-0000-4000-8000-000000000000', scope: 'admin' },
];

const CASES: Case[] = ['none', 'wrong', 'revoked', 'expired', 'wrong scope', 'wrong system'];

/** The credential of a case for a route of `scope` (null: no Authorization header). */
function credential(c: Case, scope: string): string | null {
  switch (c) {
    case 'none':
      return null;
    case 'wrong':
      return 'rpk_0123456789abcdef0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    case 'revoked':
      return keys.revoked;
    case 'expired':
      return keys.expired;
    case 'wrong scope':
      return scope === 'read' ? keys.crm : keys.reader;
    case 'wrong system':
      // A crm key sending billing's events.
      return keys.crm;
  }
}

describe('every route but /health/* needs a credential with the right scope', () => {
  // Only writes name a source system, so "wrong system" applies to them alone.
  const table = ROUTES.flatMap((route) =>
    CASES.filter((c) => c !== 'wrong system' || route.scope === 'events:write').map(
      (c) => [`${route.method.toUpperCase()} ${route.path}`, c, route] as const,
    ),
  );

  it.each(table)('%s, %s', async (_name, c, route) => {
    const secret = credential(c, route.scope);
    now += 120_000; // past the expiring key's end; the cache of every lookup too
    const before = await eventCount();
    let call = request(app.server)[route.method](route.path);
    if (secret !== null) call = call.set('authorization', `Bearer ${secret}`);
    const response = await (route.body === undefined ? call : call.send(route.body as object));
    const expected = c === 'wrong scope' || c === 'wrong system' ? 403 : 401;
    expect([response.status, response.headers['content-type']]).toEqual([expected, expect.stringContaining('application/problem+json')]);
    if (expected === 401) expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="rapport"/);
    if (c === 'wrong scope') expect(response.body.detail).toContain(route.scope);
    if (c === 'wrong system') expect(response.body.errors.map((e: { field: string }) => e.field)).toContain('source.system');
    expect(await eventCount()).toBe(before);
  });

  // The query service sends the answers it keeps before Nest's pipeline, running the guards itself (AnswerCacheHooks).
  it.each(['/v1/accounts/kept/health', '/v1/portfolio/health?limit=5'])(
    'serves %s from the cache only to callers the guards admit',
    async (path) => {
      const lookups = async () => {
        const text = (await app.http.get('/metrics').expect(200)).text;
        return Number(/^rapport_answer_cache_lookups_total\{result="hit"\} (\d+)/m.exec(text)?.[1] ?? 0);
      };
      // The same delivery for both paths: the second is answered as a duplicate, with the first's position.
      const opened = await app.http.post('/v1/events').send(envelope('crm', 'kept-1', 'kept'));
      expect([200, 201]).toContain(opened.status);
      await app.http.get(`/v1/accounts/kept?minPosition=${opened.body.globalPosition}`).expect(200);
      // Kept once the cache has heard of the projector's commit: then a read is a hit.
      let kept = false;
      for (let i = 0; i < 200 && !kept; i++) {
        const before = await lookups();
        await request(app.server).get(path).set('authorization', `Bearer ${keys.reader}`).expect(200);
        kept = (await lookups()) > before;
        if (!kept) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(kept).toBe(true);
      const hits = await lookups();
      for (const c of ['none', 'wrong', 'revoked', 'expired', 'wrong scope'] as const) {
        const secret = credential(c, 'read');
        let call = request(app.server).get(path);
        if (secret !== null) call = call.set('authorization', `Bearer ${secret}`);
        const response = await call;
        const expected = c === 'wrong scope' ? 403 : 401;
        expect([c, response.status, response.headers['content-type']]).toEqual([
          c,
          expected,
          expect.stringContaining('application/problem+json'),
        ]);
        expect(response.body).toMatchObject({ status: expected, instance: path });
        if (expected === 401) expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="rapport"/);
      }
      // Refused before the lookup counted a hit: nothing was served. The reader is served from the cache still.
      await request(app.server).get(path).set('authorization', `Bearer ${keys.reader}`).expect(200);
      expect(await lookups()).toBe(hits + 1);
    },
  );

  it('leaves the health probes open', async () => {
    await request(app.server).get('/health/live').expect(200);
    await request(app.server).get('/health/ready').expect(200);
  });

  it('answers with security headers, and no CORS headers when no origin is configured', async () => {
    const response = await request(app.server).get('/health/live').set('origin', 'https://app.example.com').expect(200);
    expect(response.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' });
    expect(response.headers['strict-transport-security']).toMatch(/max-age=/);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('API keys', () => {
  it('let a CRM key write its own system, records who sent each event, and serves it to a read key', async () => {
    const created = await request(app.server)
      .post('/v1/events')
      .set('authorization', `Bearer ${keys.crm}`)
      .send(envelope('crm', 'acc-1'))
      .expect(201);
    const stored = await request(app.server)
      .get(`/v1/events/${created.body.eventId}`)
      .set('authorization', `Bearer ${keys.reader}`)
      .expect(200);
    expect(stored.body.recordedBy).toBe(keys.crmId);
    const timeline = await request(app.server)
      .get(`/v1/accounts/acme/timeline?minPosition=${created.body.globalPosition}`)
      .set('authorization', `Bearer ${keys.reader}`)
      .expect(200);
    expect(timeline.body.events[0]).toMatchObject({ eventId: created.body.eventId, recordedBy: keys.crmId });
  });

  it('refuses a batch whole when one item is of another system', async () => {
    const before = await eventCount();
    const refused = await request(app.server)
      .post('/v1/events/batch')
      .set('authorization', `Bearer ${keys.crm}`)
      .send([envelope('crm', 'b-1', 'beta'), envelope('billing', 'b-2', 'beta')])
      .expect(403);
    expect(refused.body.errors).toEqual([{ index: 1, field: 'source.system', message: expect.stringContaining('crm') }]);
    expect(await eventCount()).toBe(before);
  });

  it('show a secret once, never in the list, and check what they are given', async () => {
    const created = await createKey({ name: 'billing', scopes: ['events:write'], systems: ['billing'] });
    expect(created).toMatchObject({
      name: 'billing',
      scopes: ['events:write'],
      systems: ['billing'],
      expiresAt: null,
      key: expect.stringMatching(/^rpk_/),
    });
    const list = await app.http.get('/v1/keys').expect(200);
    expect(JSON.stringify(list.body)).not.toContain(created.key);
    expect(list.body.keys.find((k: { id: string }) => k.id === created.id)).toMatchObject({ name: 'billing', revokedAt: null });

    const unknownScope = await app.http
      .post('/v1/keys')
      .send({ name: 'x', scopes: ['write-all'] })
      .expect(400);
    expect(unknownScope.body.errors.map((e: { field: string }) => e.field)).toEqual(['scopes']);
    const noSystems = await app.http
      .post('/v1/keys')
      .send({ name: 'x', scopes: ['events:write'] })
      .expect(400);
    expect(noSystems.body.errors).toEqual([{ field: 'systems', message: expect.stringContaining('source systems') }]);
    const past = await app.http
      .post('/v1/keys')
      .send({ name: 'x', scopes: ['read'], expiresAt: '2020-01-01T00:00:00Z' })
      .expect(400);
    expect(past.body.errors[0].field).toBe('expiresAt');
    await app.http.delete('/v1/keys/not-a-uuid').expect(400);
    await app.http.delete('/v1/keys/00000000-0000-4000-8000-000000000000').expect(404);
  });

  it('are refused by every process once revoked, as soon as its cache of the key (500 ms) has passed', async () => {
    const key = await createKey({ name: 'short-lived', scopes: ['read'] });
    await request(other.server).get('/v1/portfolio/health').set('authorization', `Bearer ${key.key}`).expect(200);
    await app.http.delete(`/v1/keys/${key.id}`).expect(204);
    await request(app.server).get('/v1/portfolio/health').set('authorization', `Bearer ${key.key}`).expect(401);
    now += 501;
    const refused = await request(other.server).get('/v1/portfolio/health').set('authorization', `Bearer ${key.key}`).expect(401);
    expect(refused.body.detail).toContain('revoked');
  });
});

describe('rate limits', () => {
  it("answer 429 with Retry-After past a credential's limit, counting neither other credentials nor the probes", async () => {
    const limited = await startTestApp(StandaloneAppModule.forRoot, {
      label: 'rate_limit',
      config: {
        RAPPORT_RATE_LIMIT: '1',
        RAPPORT_PUBLIC_METRICS: 'true',
        RAPPORT_PUBLIC_DOCS: 'true',
        RAPPORT_CORS_ORIGINS: 'https://app.example.com',
      },
      openApi: true,
    });
    try {
      // RAPPORT_PUBLIC_METRICS and RAPPORT_PUBLIC_DOCS open those alone.
      await request(limited.server).get('/metrics').expect(200);
      await request(limited.server).get('/docs-json').expect(200);
      await request(limited.server).get('/v1/portfolio/health').expect(401);
      // CORS for the configured origin only.
      const preflight = (origin: string) =>
        request(limited.server).options('/v1/portfolio/health').set('origin', origin).set('access-control-request-method', 'GET');
      expect((await preflight('https://app.example.com')).headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect((await preflight('https://evil.example.com')).headers['access-control-allow-origin']).toBeUndefined();
      const reader = (
        await limited.http
          .post('/v1/keys')
          .send({ name: 'r', scopes: ['read'] })
          .expect(201)
      ).body.key as string;
      const read = () => request(limited.server).get('/v1/portfolio/health').set('authorization', `Bearer ${reader}`);
      // 1 request/s over a 10 s window: 10 pass (the key's creation above counted for the admin key, not this one).
      for (let i = 0; i < 10; i++) expect((await read()).status).toBe(200);
      for (let i = 0; i < 20; i++) await request(limited.server).get('/health/live').expect(200);
      const refused = await read();
      expect([refused.status, refused.body.type, refused.headers['retry-after']]).toEqual([
        429,
        'https://rapport.dev/problems/too-many-requests',
        expect.stringMatching(/^\d+$/),
      ]);
      await limited.http.get('/v1/portfolio/health').expect(200);
    } finally {
      await limited.close();
    }
  }, 60_000);
});

describe('without a bootstrap key', () => {
  it('creates an admin key at the first start, prints it once and keeps it in a 0600 file beside the data directory', async () => {
    const db = await createTestDatabase('access_first_start');
    const dataDir = join(mkdtempSync(join(tmpdir(), 'rapport-access-')), 'data');
    const config = { RAPPORT_BOOTSTRAP_KEY: undefined, RAPPORT_DATA_DIR: dataDir };
    const first = await startTestApp(StandaloneAppModule.forRoot, { label: 'first', database: db, config });
    try {
      const file = join(dataDir, '..', 'admin-key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const secret = readFileSync(file, 'utf8').trim();
      const list = await request(first.server).get('/v1/keys').set('authorization', `Bearer ${secret}`).expect(200);
      expect(list.body.keys).toHaveLength(1);
      await request(first.server).get('/v1/keys').set('authorization', `Bearer ${TEST_ADMIN_KEY}`).expect(401);

      const second = await startTestApp(StandaloneAppModule.forRoot, { label: 'second', database: db, config });
      await second.close();
      expect(readFileSync(file, 'utf8').trim()).toBe(secret);
      expect((await request(first.server).get('/v1/keys').set('authorization', `Bearer ${secret}`)).body.keys).toHaveLength(1);
    } finally {
      await first.close();
      await db.drop();
    }
  }, 60_000);

  it('answers everyone with RAPPORT_AUTH=disabled', async () => {
    const open = await startTestApp(StandaloneAppModule.forRoot, { label: 'auth_disabled', config: { RAPPORT_AUTH: 'disabled' } });
    try {
      await request(open.server).get('/v1/portfolio/health').expect(200);
      await request(open.server).post('/v1/events').send(envelope('anything', 'o-1')).expect(201);
    } finally {
      await open.close();
    }
  }, 60_000);
});

describe('OIDC tokens of the company identity provider', () => {
  let jwks: Server;
  let issuer: string;
  let oidcApp: TestApp;
  let rotate: () => void;
  let sign: (claims: Record<string, unknown>, options?: { audience?: string; expiresIn?: string; rotated?: boolean }) => Promise<string>;
  const published: object[] = [];

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const next = await generateKeyPair('RS256');
    published.push({ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' });
    const rotatedJwk = { ...(await exportJWK(next.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' };
    rotate = () => published.push(rotatedJwk);
    jwks = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
      else if (req.url === '/jwks') res.end(JSON.stringify({ keys: published }));
      else res.writeHead(404).end('{}');
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}`;
    sign = (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: options.rotated ? 'k2' : 'k1' })
        .setIssuer(issuer)
        .setAudience(options.audience ?? 'rapport')
        .setSubject('jane@vendor.example')
        .setIssuedAt()
        .setExpirationTime(options.expiresIn ?? '5m')
        .sign(options.rotated ? next.privateKey : privateKey);
    // No JWKS URL: the issuer's discovery document names it.
    oidcApp = await startTestApp(StandaloneAppModule.forRoot, {
      label: 'oidc',
      config: { RAPPORT_OIDC_ISSUER: issuer, RAPPORT_OIDC_AUDIENCE: 'rapport' },
    });
  }, 60_000);

  afterAll(async () => {
    await oidcApp?.close();
    jwks?.close();
  });

  it('accept a valid token with its scopes, and record oidc:<sub> as the sender', async () => {
    const token = await sign({ scope: 'read admin' });
    await request(oidcApp.server).get('/v1/portfolio/health').set('authorization', `Bearer ${token}`).expect(200);
    const created = await request(oidcApp.server)
      .post('/v1/events')
      .set('authorization', `Bearer ${token}`)
      .send(envelope('crm', 'o-1'))
      .expect(201);
    const stored = await request(oidcApp.server)
      .get(`/v1/events/${created.body.eventId}`)
      .set('authorization', `Bearer ${token}`)
      .expect(200);
    expect(stored.body.recordedBy).toBe('oidc:jane@vendor.example');
  });

  it('follow a key rotation through the JWKS', async () => {
    await request(oidcApp.server)
      .get('/v1/portfolio/health')
      .set('authorization', `Bearer ${await sign({ scope: 'read' })}`)
      .expect(200);
    const rotatedToken = await sign({ scope: 'read' }, { rotated: true });
    rotate();
    // jose fetches the set again for an unknown key id, at most every 5 s (the set was fetched just now).
    await new Promise((resolve) => setTimeout(resolve, 5_100));
    await request(oidcApp.server).get('/v1/portfolio/health').set('authorization', `Bearer ${rotatedToken}`).expect(200);
  }, 30_000);

  it('refuse a token for another audience, an expired one, and one without the scope', async () => {
    const call = async (token: string) => request(oidcApp.server).get('/v1/portfolio/health').set('authorization', `Bearer ${token}`);
    expect((await call(await sign({ scope: 'read' }, { audience: 'other' }))).status).toBe(401);
    const expired = await call(await sign({ scope: 'read' }, { expiresIn: '-1m' }));
    expect([expired.status, expired.body.reason]).toEqual([401, 'expired']);
    expect((await call(await sign({ scope: 'events:write' }))).status).toBe(403);
    expect((await call(`${await sign({ scope: 'read' })}x`)).status).toBe(401);
  });
});
