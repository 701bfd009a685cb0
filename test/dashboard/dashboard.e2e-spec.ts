import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Browser, chromium, Page } from 'playwright-core';
import { StandaloneAppModule } from '@rapport/standalone/standalone-app.module';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app';

/** Debian's Chromium, as the README says; no browser download is reachable from the machines. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** `npm run screenshots` points this at docs/screenshots, the README's pictures. */
const SHOTS = process.env.RAPPORT_SCREENSHOTS_DIR ?? join(tmpdir(), 'rapport-dashboard-shots');

let app: TestApp;
let base: string;
let browser: Browser;
let n = 0;

const envelope = (accountId: string, occurredAt: string, type: string, data: unknown) => ({
  type,
  accountId,
  occurredAt,
  source: { system: 'crm', eventId: `ui-${++n}` },
  data,
});
const dayOf = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();

function portfolio() {
  const facts = [];
  const accounts: Array<[string, string, number, number]> = [
    ['acme', 'Acme Corp', 120_000, 0.7],
    ['globex', 'Globex', 40_000, -0.8],
    ['initech', 'Initech', 65_000, 0.1],
  ];
  for (const [id, name, arr, mood] of accounts) {
    facts.push(envelope(id, dayOf(400), 'AccountOpened', { name, segment: 'enterprise', ownerId: id === 'globex' ? 'joe' : 'jane' }));
    facts.push(
      envelope(id, dayOf(399), 'ContractSigned', {
        contractId: 'c1',
        products: ['core'],
        arr,
        currency: 'EUR',
        startDate: dayOf(390).slice(0, 10),
        endDate: dayOf(-60).slice(0, 10),
      }),
    );
    for (let d = 380; d > 0; d -= mood > 0 ? 12 : 45) {
      facts.push(
        envelope(id, dayOf(d), 'InteractionLogged', {
          interactionId: `m-${d}`,
          channel: 'meeting',
          direction: 'outbound',
          sentiment: mood,
        }),
      );
    }
  }
  // Two renewals already decided, for the backtest: Acme's won, Initech's lost.
  for (const [id, won] of [
    ['acme', true],
    ['initech', false],
  ] as const) {
    facts.push(envelope(id, dayOf(50), 'RenewalOpened', { renewalId: 'r1', contractId: 'c1', dueDate: dayOf(-60).slice(0, 10) }));
    facts.push(
      won
        ? envelope(id, dayOf(10), 'RenewalWon', { renewalId: 'r1', contractId: 'c1', arr: 130_000, newEndDate: dayOf(-425).slice(0, 10) })
        : envelope(id, dayOf(10), 'RenewalLost', { renewalId: 'r1', contractId: 'c1', reason: 'no_budget' }),
    );
  }
  // Key-account practice: Acme is a key account with its decision maker and champion engaged, a cadence and a plan
  // with an action overdue; Initech hangs on one user, faces a competitor and pays late.
  facts.push(envelope('acme', dayOf(300), 'KeyAccountDesignated', { reason: 'flagship' }));
  facts.push(
    envelope('acme', dayOf(200), 'StakeholderIdentified', { contactId: 'dana', name: 'Dana Reyes', title: 'CFO', role: 'decision_maker' }),
  );
  facts.push(
    envelope('acme', dayOf(200), 'StakeholderIdentified', { contactId: 'sam', name: 'Sam Ito', role: 'champion', influence: 'high' }),
  );
  facts.push(envelope('acme', dayOf(200), 'CadenceAgreed', { touchEveryDays: 14, reviewEveryDays: 90 }));
  facts.push(
    envelope('acme', dayOf(5), 'InteractionLogged', {
      interactionId: 'qbr-1',
      channel: 'business_review',
      direction: 'outbound',
      contactIds: ['dana', 'sam'],
    }),
  );
  facts.push(
    envelope('acme', dayOf(60), 'AccountGoalSet', {
      goalId: 'g1',
      description: 'Roll out to the EU offices',
      dueDate: dayOf(-90).slice(0, 10),
    }),
  );
  facts.push(
    envelope('acme', dayOf(60), 'ActionPlanned', {
      actionId: 'a1',
      goalId: 'g1',
      description: 'Security review with IT',
      ownerId: 'jane',
      dueDate: dayOf(3).slice(0, 10),
    }),
  );
  facts.push(
    envelope('acme', dayOf(60), 'ActionPlanned', {
      actionId: 'a2',
      goalId: 'g1',
      description: 'Pilot in Berlin',
      ownerId: 'joe',
      dueDate: dayOf(-20).slice(0, 10),
    }),
  );
  facts.push(envelope('initech', dayOf(100), 'StakeholderIdentified', { contactId: 'pat', name: 'Pat Lee', role: 'user' }));
  facts.push(envelope('initech', dayOf(30), 'CompetitorDetected', { competitor: 'Initrode', threat: 'high' }));
  facts.push(
    envelope('initech', dayOf(75), 'InvoiceIssued', { invoiceId: 'inv-7', amount: 9000, currency: 'EUR', dueDate: dayOf(45).slice(0, 10) }),
  );
  facts.push(envelope('globex', dayOf(20), 'SupportTicketOpened', { ticketId: 't1', severity: 'urgent' }));
  facts.push(envelope('globex', dayOf(15), 'SurveyResponded', { surveyId: 's1', kind: 'nps', score: 3 }));
  return facts;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp(StandaloneAppModule.forRoot, { label: 'dashboard' });
  await app.app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
  const response = await app.http.post('/v1/events/batch').send(portfolio()).expect(201);
  const head = Math.max(...(response.body.results as Array<{ globalPosition: number }>).map((r) => r.globalPosition));
  await app.http.get(`/v1/portfolio/health?minPosition=${head}`).expect(200);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A fresh tab (its own sessionStorage) that records console errors and page errors. */
async function openPage(width = 1280, height = 900): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors };
}

async function signIn(page: Page, key = TEST_ADMIN_KEY): Promise<void> {
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('the dashboard in Chromium', () => {
  it('asks for a key, refuses a wrong one, and shows the portfolio worst first once signed in', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${base}/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // No identity provider configured here: no button for it.
    expect((await app.http.get('/v1/auth/config').set('authorization', '').expect(200)).body).toEqual({ oidc: null });
    expect(await page.getByRole('button', { name: 'Sign in with your identity provider' }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'sign-in.png') });
    await signIn(page, 'rpk_not_a_key');
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await signIn(page);
    const worst = page.getByRole('region', { name: 'Accounts, worst health first' });
    await worst.getByRole('link', { name: 'Globex' }).waitFor();
    const names = await worst.locator('tbody tr td:first-child a').allInnerTexts();
    expect(names[0]).toBe('Globex');
    expect(await worst.locator('tbody tr').first().getByText('nps_detractor').count()).toBe(1);
    expect(names).toEqual(expect.arrayContaining(['Acme Corp', 'Initech']));
    await page.getByRole('region', { name: 'Churn risk' }).getByText('nps_detractor').waitFor();
    await page.getByRole('region', { name: 'ARR at risk' }).getByText('EUR').first().waitFor();
    await page
      .getByRole('img', { name: /per quarter/ })
      .locator('canvas')
      .waitFor();
    await page.screenshot({ path: join(SHOTS, 'portfolio.png'), fullPage: true });

    // Filters live in the URL.
    await page.getByRole('combobox', { name: 'Band', exact: true }).selectOption('red');
    await page.waitForURL(/band=red/);
    // Only red accounts are left: the others go once the filtered page has loaded.
    for (let i = 0; i < 100 && (await worst.locator('tbody tr').count()) >= 3; i++) await page.waitForTimeout(100);
    const bands = await worst.locator('tbody tr .band').allInnerTexts();
    expect(bands.every((b) => b === 'red')).toBe(true);
    // The wrong key's 401 is an answer the page handled; the browser logs it as a failed load. Nothing else.
    expect(errors).toEqual(['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
    await page.context().close();
  }, 60_000);

  it("opens an account: its health, a year's chart, and why it changed between two picked days", async () => {
    const { page, errors } = await openPage();
    await page.goto(`${base}/`);
    await signIn(page);
    await page.getByRole('link', { name: 'Globex' }).first().click();
    await page.waitForURL(`${base}/accounts/globex`);
    const health = page.getByRole('region', { name: 'Health', exact: true });
    await health.getByText('engagement').waitFor();
    await page.getByRole('region', { name: 'Timeline' }).getByText('SurveyResponded').waitFor();
    await page.getByRole('region', { name: 'Churn risk' }).getByText('nps_detractor').waitFor();
    const chart = page.getByRole('img', { name: 'Health score per day over the last year' });
    await chart.locator('canvas').waitFor();
    // Two clicks on the chart: 60 days ago and today, through the ticket and the survey.
    const box = (await chart.locator('.u-over').boundingBox())!;
    await page.mouse.click(box.x + box.width * (1 - 60 / 365), box.y + box.height / 2);
    await page.mouse.click(box.x + box.width - 2, box.y + box.height / 2);
    const why = page.getByLabel('Why it changed');
    await why.getByText('SurveyResponded').waitFor();
    await why.getByText('SupportTicketOpened').waitFor();
    await page.screenshot({ path: join(SHOTS, 'account.png'), fullPage: true });

    // The same from the keyboard: two days typed in, here around the survey only.
    await page.getByLabel('From day').fill(dayOf(17).slice(0, 10));
    await page.getByLabel('To day').fill(dayOf(0).slice(0, 10));
    await why.getByText(dayOf(17).slice(0, 10)).waitFor();
    await why.getByText('SurveyResponded').waitFor();
    expect(await why.getByText('SupportTicketOpened').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('keeps deep links through sign-in, shows the account as known earlier, and returns to sign-in on a 401', async () => {
    const { page, errors } = await openPage(390, 844);
    await page.goto(`${base}/accounts/acme?asOf=2001-01-01T00:00:00.000Z`);
    await signIn(page);
    await page.getByRole('alert').filter({ hasText: 'no account acme was known as of 2001-01-01T00:00:00.000Z' }).first().waitFor();
    await page.getByRole('button', { name: 'now' }).click();
    await page.getByRole('region', { name: 'Profile' }).getByText('Acme Corp').waitFor();
    expect(page.url()).toBe(`${base}/accounts/acme`);
    await page.screenshot({ path: join(SHOTS, 'account-phone.png'), fullPage: true });
    await page.evaluate("sessionStorage.setItem('rapport.key', 'rpk_revoked')");
    await page.reload();
    await page.getByLabel('API key').waitFor();
    // The 404 of the earlier as-of and the 401 are answers the page handled: the browser logs them as failed loads.
    expect(errors.filter((e) => !/status of (401|404)/.test(e))).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('backtests the score on the renewals decided, and runs a what-if with other weights side by side', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${base}/backtest?from=${dayOf(400).slice(0, 10)}&to=${dayOf(-1).slice(0, 10)}`);
    await signIn(page);
    await page.getByText('2 renewals: 1 won, 1 lost').first().waitFor();
    await page.getByRole('table', { name: 'Backtest: outcomes by band' }).waitFor();
    await page.getByRole('img', { name: 'Backtest: ROC curve of churn risk' }).locator('canvas').waitFor();
    await page.getByLabel('engagement weight').fill('0.9');
    await page.getByRole('button', { name: 'Run the backtest with these weights' }).click();
    await page.getByLabel('Proposed weights').getByText('2 renewals: 1 won, 1 lost').waitFor();
    await page.screenshot({ path: join(SHOTS, 'backtest.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it("shows an account's plan, cadence and stakeholders, and a manager's book: who needs attention and why", async () => {
    const { page, errors } = await openPage();
    await page.goto(`${base}/accounts/acme`);
    await signIn(page);
    const plan = page.getByRole('region', { name: 'Account plan' });
    await plan.getByText('Roll out to the EU offices').waitFor();
    // The security review was due 3 days ago; the pilot is not due yet.
    const action = (text: string) => plan.locator('.nested > li').filter({ hasText: text });
    expect(await action('Security review with IT').getByText('overdue').count()).toBe(1);
    expect(await action('Pilot in Berlin').getByText('overdue').count()).toBe(0);
    await plan.getByText(/every 90 days, last \d{4}-\d{2}-\d{2}/).waitFor();
    const relationship = page.getByRole('region', { name: 'Relationship' });
    const stakeholders = relationship.getByRole('table', { name: 'Stakeholders' });
    await stakeholders.getByText('Dana Reyes').waitFor();
    expect(await stakeholders.locator('tbody tr').count()).toBe(2);
    await relationship.getByText('2 of 2 stakeholders engaged in 90 days').waitFor();
    await page.screenshot({ path: join(SHOTS, 'account-plan.png'), fullPage: true });

    await page.getByRole('link', { name: 'Book' }).click();
    await page.waitForURL(`${base}/book`);
    const attention = page.getByRole('region', { name: 'Needs attention' });
    await attention.getByRole('region', { name: 'Facing a competitor' }).getByRole('link', { name: 'Initech' }).waitFor();
    await attention.getByRole('region', { name: 'Paying late' }).getByRole('link', { name: 'Initech' }).waitFor();
    await attention.getByRole('region', { name: 'Single-threaded' }).getByRole('link', { name: 'Initech' }).waitFor();
    expect(await attention.getByRole('region', { name: 'Single-threaded' }).getByRole('link', { name: 'Acme Corp' }).count()).toBe(0);
    const actions = page.getByRole('table', { name: 'Actions by due date' });
    await actions.getByText('Security review with IT').waitFor();
    expect(await actions.locator('tbody tr').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'book.png'), fullPage: true });
    // Joe's book: his account Globex has none of these; the pilot is his action.
    await page.getByLabel('Owner').fill('joe');
    await page.getByLabel('Owner').press('Enter');
    await page.waitForURL(/owner=joe/);
    for (let i = 0; i < 100 && (await actions.getByText('Security review with IT').count()) > 0; i++) await page.waitForTimeout(100);
    expect(await actions.locator('tbody tr').allInnerTexts()).toEqual([expect.stringContaining('Pilot in Berlin')]);
    await attention.getByRole('region', { name: 'Facing a competitor' }).getByText('None.').waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('shows the key-account programme against its cap, the candidates by fit, and retention per group', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${base}/key-accounts`);
    await signIn(page);
    await page.getByText('1 of 25 key accounts').waitFor();
    const fit = page.getByRole('table', { name: 'Fit per account' });
    expect(await fit.locator('tbody tr td:first-child').allInnerTexts()).toEqual(['Acme Corp']);
    await page.getByRole('button', { name: 'Candidates' }).click();
    await page.waitForURL(/candidates=true/);
    for (let i = 0; i < 100 && (await fit.locator('tbody tr').count()) < 2; i++) await page.waitForTimeout(100);
    expect((await fit.locator('tbody tr td:first-child').allInnerTexts()).sort()).toEqual(['Globex', 'Initech']);
    await page.screenshot({ path: join(SHOTS, 'key-accounts.png'), fullPage: true });

    await page.getByRole('link', { name: 'Portfolio' }).click();
    const retention = page.getByRole('table', { name: 'GRR and NRR per group and quarter' });
    await retention.getByText('key accounts', { exact: true }).waitFor();
    await retention.getByText('other accounts').waitFor();
    await page.getByLabel('Group by').selectOption('ownerId');
    await retention.getByText('joe', { exact: true }).waitFor();
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('shows new health events without a reload', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${base}/`);
    await signIn(page);
    await page.getByRole('link', { name: 'Acme Corp' }).first().waitFor();
    await app.http
      .post('/v1/events')
      .send(envelope('umbrella', new Date().toISOString(), 'AccountOpened', { name: 'Umbrella', segment: 'smb', ownerId: 'jane' }))
      .expect(201);
    await page.getByText(/live: .*umbrella/).waitFor({ timeout: 15_000 });
    await page.getByRole('link', { name: 'Umbrella' }).first().waitFor({ timeout: 15_000 });
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe("the dashboard's sign-in through the company's identity provider", () => {
  let idp: Server;
  let issuer: string;
  let oidcApp: TestApp;
  let oidcBase: string;
  const codes = new Map<string, { challenge: string; redirectUri: string }>();

  /** A small identity provider: discovery, an authorize page that signs jane in at once, a token endpoint checking PKCE, JWKS. */
  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    idp = createServer((req, res) => {
      const url = new URL(req.url ?? '/', issuer);
      res.setHeader('access-control-allow-origin', '*');
      if (url.pathname === '/.well-known/openid-configuration') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
          }),
        );
      } else if (url.pathname === '/jwks') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      } else if (url.pathname === '/authorize') {
        const code = randomUUID();
        const redirectUri = url.searchParams.get('redirect_uri')!;
        codes.set(code, { challenge: url.searchParams.get('code_challenge')!, redirectUri });
        res.writeHead(302, { location: `${redirectUri}?code=${code}&state=${url.searchParams.get('state')}` }).end();
      } else if (url.pathname === '/token' && req.method === 'POST') {
        let body = '';
        req.on('data', (chunk) => (body += String(chunk)));
        req.on('end', () => {
          const form = new URLSearchParams(body);
          const issued = codes.get(form.get('code') ?? '');
          const verified =
            issued &&
            form.get('client_id') === 'rapport-dashboard' &&
            form.get('redirect_uri') === issued.redirectUri &&
            createHash('sha256')
              .update(form.get('code_verifier') ?? '')
              .digest('base64url') === issued.challenge;
          if (!verified) return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}');
          codes.delete(form.get('code')!);
          void new SignJWT({ scope: 'read' })
            .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
            .setIssuer(issuer)
            .setAudience('rapport')
            .setSubject('jane@vendor.example')
            .setIssuedAt()
            .setExpirationTime('5m')
            .sign(privateKey)
            .then((token) =>
              res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, token_type: 'Bearer' })),
            );
        });
      } else if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-headers': 'content-type', 'access-control-allow-methods': 'POST' }).end();
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    oidcApp = await startTestApp(StandaloneAppModule.forRoot, {
      label: 'dashboard_oidc',
      config: { RAPPORT_OIDC_ISSUER: issuer, RAPPORT_OIDC_AUDIENCE: 'rapport', RAPPORT_OIDC_CLIENT_ID: 'rapport-dashboard' },
    });
    await oidcApp.app.listen(0, '127.0.0.1');
    oidcBase = `http://127.0.0.1:${(oidcApp.app.getHttpServer().address() as AddressInfo).port}`;
    await oidcApp.http
      .post('/v1/events')
      .send(envelope('hooli', dayOf(30), 'AccountOpened', { name: 'Hooli', segment: 'smb', ownerId: 'jane' }))
      .expect(201);
  }, 60_000);
  afterAll(async () => {
    await oidcApp?.close();
    idp?.close();
  });

  it('signs in with the identity provider (authorization code with PKCE) and comes back to the page asked for', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${oidcBase}/accounts/hooli`);
    await page.getByRole('button', { name: 'Sign in with your identity provider' }).click();
    await page.getByRole('region', { name: 'Profile' }).getByText('Hooli').waitFor();
    expect(page.url()).toBe(`${oidcBase}/accounts/hooli`);
    expect(codes.size).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);
});
