import { parseReadModelNotice, readModelNoticePayload, ReadModelNotice } from '@rapport/read-models';
import { AnswerStore } from './answer-store';

const notice = (position: number, accounts?: string[], schema = 'rm_a', day = '2026-11-23'): ReadModelNotice =>
  parseReadModelNotice(readModelNoticePayload(schema, position, day, accounts))!;

describe('read-model notices', () => {
  it('carry the version and the accounts a commit wrote', () => {
    expect(parseReadModelNotice(readModelNoticePayload('rapport_rm_v2_x', 42, '2026-11-23', ['a', 'b,c']))).toEqual({
      version: 'rapport_rm_v2_x:42:2026-11-23',
      schema: 'rapport_rm_v2_x',
      position: 42,
      evaluationDay: '2026-11-23',
      accounts: ['a', 'b,c'],
    });
    expect(parseReadModelNotice(readModelNoticePayload('s', 7, null))).toEqual({
      version: 's:7:',
      schema: 's',
      position: 7,
      evaluationDay: null,
      accounts: undefined,
    });
  });

  it('leave out an account list too long for NOTIFY: any row may have changed', () => {
    const many = Array.from({ length: 1_000 }, (_, i) => `account-${i}`);
    const payload = readModelNoticePayload('s', 1, '2026-11-23', many);
    expect(Buffer.byteLength(payload)).toBeLessThan(8_000);
    expect(parseReadModelNotice(payload)?.accounts).toBeUndefined();
  });

  it('are undefined when unreadable', () => {
    expect(parseReadModelNotice('garbage')).toBeUndefined();
    expect(parseReadModelNotice('s:1:2026-11-23\n{not json')?.accounts).toBeUndefined();
  });
});

const parsed = (json: string | undefined): unknown => (json === undefined ? undefined : JSON.parse(json));

describe('AnswerStore', () => {
  it('serves an answer as the JSON of what was kept, made once', () => {
    const store = new AnswerStore(10);
    store.moved(notice(10, []));
    const body = { total: 2, accounts: [{ id: 'a' }] };
    store.set('/portfolio', store.ticket()!, body);
    const json = store.get('/portfolio');
    expect(json).toBe(JSON.stringify(body));
    expect(store.get('/portfolio')).toBe(json);
  });

  it('tells the position it last heard of, none while the version is unknown', () => {
    const store = new AnswerStore(10);
    expect(store.position).toBeUndefined();
    store.moved(notice(10, ['a']));
    store.moved(notice(12));
    expect(store.position).toBe(12);
    store.moved(undefined);
    expect(store.position).toBeUndefined();
  });

  it('keeps nothing while the read model version is unknown', () => {
    const store = new AnswerStore(10);
    expect(store.ticket()).toBeUndefined();
    expect(store.set('k', { version: 'rm_a:1:2026-11-23', notices: 0 }, { n: 1 })).toBe(false);
    expect(store.get('k')).toBeUndefined();
  });

  it("keeps an account's answer through other accounts' writes, at the current position", () => {
    const store = new AnswerStore(10);
    store.moved(notice(10, ['a']));
    store.set('/a', store.ticket()!, { accountId: 'a', score: 70, asOfPosition: 10 }, 'a');
    store.set('/b', store.ticket()!, { accountId: 'b', score: 40, asOfPosition: 10 }, 'b');
    store.moved(notice(12, ['b']));
    expect(parsed(store.get('/a'))).toEqual({ accountId: 'a', score: 70, asOfPosition: 12 });
    expect(store.get('/b')).toBeUndefined();
  });

  it('never moves an answer back to an earlier position', () => {
    const store = new AnswerStore(10);
    store.moved(notice(10, []));
    // Read from a snapshot that already held position 11, whose notice had not arrived yet.
    store.set('/a', store.ticket()!, { asOfPosition: 11 }, 'a');
    expect(parsed(store.get('/a'))).toEqual({ asOfPosition: 11 });
  });

  it('keeps a portfolio answer for its version only', () => {
    const store = new AnswerStore(10);
    store.moved(notice(10, []));
    store.set('/portfolio', store.ticket()!, { total: 2 });
    expect(parsed(store.get('/portfolio'))).toEqual({ total: 2 });
    store.moved(notice(11, ['x']));
    expect(store.get('/portfolio')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it("does not keep an account's answer if that account changed while it was computed", () => {
    const store = new AnswerStore(10);
    store.moved(notice(10, []));
    const ticket = store.ticket()!;
    store.moved(notice(11, ['a']));
    expect(store.set('/a', ticket, { asOfPosition: 10 }, 'a')).toBe(false);
    expect(store.get('/a')).toBeUndefined();
  });

  it("keeps an account's answer if only other accounts changed while it was computed", () => {
    const store = new AnswerStore(10);
    store.moved(notice(10, []));
    const ticket = store.ticket()!;
    store.moved(notice(11, ['b']));
    expect(store.set('/a', ticket, { asOfPosition: 10 }, 'a')).toBe(true);
    expect(parsed(store.get('/a'))).toEqual({ asOfPosition: 11 });
    // A portfolio answer is made of every account: any change meanwhile makes it stale.
    expect(store.set('/portfolio', ticket, { total: 1 })).toBe(false);
  });

  it('does not keep an answer if everything was dropped while it was computed', () => {
    const store = new AnswerStore(10);
    store.moved(notice(10, []));
    const ticket = store.ticket()!;
    expect(store.holds(ticket)).toBe(true);
    expect(store.moved(notice(11))).toBe('unconfined');
    store.moved(notice(12, []));
    expect(store.holds(ticket)).toBe(false);
    expect(store.set('/a', ticket, { asOfPosition: 10 }, 'a')).toBe(false);
  });

  it.each([
    ['a notice without accounts', notice(11), 'unconfined'],
    ['a new day', notice(11, [], 'rm_a', '2026-11-24'), 'renewed'],
    ['another schema (a rebuild swapped it)', notice(11, [], 'rm_b'), 'renewed'],
    ['a lost notice channel', undefined, 'renewed'],
  ])('drops every answer on %s', (_, next, moved) => {
    const store = new AnswerStore(10);
    expect(store.moved(notice(10, []))).toBe('renewed');
    store.set('/a', store.ticket()!, { asOfPosition: 10 }, 'a');
    expect(store.moved(next)).toBe(moved);
    expect(store.get('/a')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('drops everything rather than track more changed accounts than it may', () => {
    const store = new AnswerStore(10, 2);
    store.moved(notice(10, []));
    store.moved(notice(11, ['a', 'b']));
    store.set('/c', store.ticket()!, { asOfPosition: 11 }, 'c');
    expect(store.moved(notice(12, ['d']))).toBe('unconfined');
    expect(store.get('/c')).toBeUndefined();
    store.set('/c', store.ticket()!, { asOfPosition: 12 }, 'c');
    expect(store.moved(notice(13, ['d']))).toBe('confined');
    expect(parsed(store.get('/c'))).toEqual({ asOfPosition: 13 });
  });

  it('forgets evicted answers in its account index', () => {
    const store = new AnswerStore(2);
    store.moved(notice(10, []));
    for (const id of ['a', 'b', 'c']) store.set(`/${id}`, store.ticket()!, { id }, id);
    expect(store.get('/a')).toBeUndefined();
    expect(parsed(store.get('/c'))).toEqual({ id: 'c' });
    // 'a' was evicted: a notice naming it must not fail on a key the cache no longer holds.
    store.moved(notice(11, ['a', 'c']));
    expect(parsed(store.get('/b'))).toEqual({ id: 'b' });
    expect(store.get('/c')).toBeUndefined();
  });
});
