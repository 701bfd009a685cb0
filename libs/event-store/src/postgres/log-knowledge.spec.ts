import { GENESIS_HASH } from '../hash-chain';
import { LogKnowledge } from './log-knowledge';

const AT = new Date('2026-12-03T10:00:00.000Z');

describe('LogKnowledge', () => {
  let now: number;
  let knowledge: LogKnowledge;
  beforeEach(() => {
    now = AT.getTime();
    knowledge = new LogKnowledge(3, () => now);
  });

  it('knows nothing before a commit, and only the streams committed or read after it', () => {
    expect(knowledge.contextFor(['a'])).toBeUndefined();
    knowledge.committed({ position: 7, hash: 'ab', recordedAt: AT }, new Map([['a', 2]]));
    const known = knowledge.contextFor(['a'])!;
    expect(known.context).toMatchObject({ head: 7, versions: new Map([['a', 2]]), known: new Map() });
    expect(known.headHash).toBe('ab');
    expect(knowledge.contextFor(['a', 'b'])).toBeUndefined();
  });

  it('plans a stream it does not know as new where every append to it expects none, once it knows the head', () => {
    expect(knowledge.contextFor(['new'], new Set(['new']))).toBeUndefined();
    knowledge.committed({ position: 7, hash: 'ab', recordedAt: AT }, new Map([['a', 2]]));
    expect(knowledge.contextFor(['a', 'new'], new Set(['new']))!.context.versions).toEqual(
      new Map([
        ['a', 2],
        ['new', -1],
      ]),
    );
    // A stream it knows keeps its known version, expected new or not: the plan then refuses the append itself.
    expect(knowledge.contextFor(['a'], new Set(['a']))!.context.versions).toEqual(new Map([['a', 2]]));
    expect(knowledge.contextFor(['a', 'other'], new Set(['new']))).toBeUndefined();
  });

  it("dates a group by this process's clock corrected by the server's, never before the head", () => {
    knowledge.read({ position: 0, hash: null }, new Date(now + 5_000));
    knowledge.committed({ position: 1, hash: null, recordedAt: AT }, new Map([['a', 0]]));
    now += 1_000;
    expect(knowledge.contextFor(['a'])!.context.recordedAt).toEqual(new Date(AT.getTime() + 6_000));
    expect(knowledge.contextFor(['a'])!.headHash).toBe(GENESIS_HASH);
    knowledge.read({ position: 1, hash: null }, new Date(now - 60_000));
    expect(knowledge.contextFor(['a'])!.context.recordedAt).toEqual(AT);
  });

  it('forgets every version when a read finds a head it did not leave, and keeps them when it finds its own', () => {
    knowledge.committed({ position: 1, hash: 'aa', recordedAt: AT }, new Map([['a', 0]]));
    knowledge.read({ position: 1, hash: 'aa' }, AT);
    expect(knowledge.contextFor(['a'])).toBeDefined();
    knowledge.read({ position: 2, hash: 'bb' }, AT);
    expect(knowledge.contextFor(['a'])).toBeUndefined();
  });

  it('forgets the stream learned longest ago, however often it was planned on since', () => {
    const abc = new Map([
      ['a', 0],
      ['b', 0],
      ['c', 0],
    ]);
    knowledge.committed({ position: 3, hash: 'cc', recordedAt: AT }, abc);
    // Planning on a stream, or asking its version, is not learning it again.
    expect(knowledge.contextFor(['a'])).toBeDefined();
    expect(knowledge.versionOf('a')).toBe(0);
    knowledge.committed({ position: 4, hash: 'dd', recordedAt: AT }, new Map([['d', 0]]));
    expect(knowledge.versionOf('a')).toBeUndefined();
    expect(knowledge.contextFor(['b', 'c', 'd'])).toBeDefined();
  });

  it('knows the streams learned last over many commits, before and after a read that forgot them all', () => {
    const learned: string[] = [];
    let position = 0;
    const commitWalk = (steps: number) => {
      for (let step = 0; step < steps; step++) {
        const streams = [`s${(step * 7) % 11}`, `s${(step * 5 + 3) % 11}`];
        knowledge.committed({ position: ++position, hash: null, recordedAt: AT }, new Map(streams.map((id) => [id, step])));
        for (const id of streams) {
          if (learned.includes(id)) learned.splice(learned.indexOf(id), 1);
          learned.push(id);
        }
      }
    };
    const known = () =>
      Array.from({ length: 11 }, (_, i) => `s${i}`)
        .filter((id) => knowledge.versionOf(id) !== undefined)
        .sort();
    commitWalk(40);
    expect(known()).toEqual(learned.slice(-3).sort());
    knowledge.read({ position: -1, hash: 'another writer' }, AT);
    expect(known()).toEqual([]);
    learned.length = 0;
    commitWalk(25);
    expect(known()).toEqual(learned.slice(-3).sort());
  });

  it('keeps the streams learned last, up to its bound, and nothing after a failure', () => {
    knowledge.committed(
      { position: 1, hash: 'aa', recordedAt: AT },
      new Map([
        ['a', 0],
        ['b', 0],
        ['c', 0],
      ]),
    );
    knowledge.committed(
      { position: 2, hash: 'bb', recordedAt: AT },
      new Map([
        ['a', 1],
        ['d', 0],
      ]),
    );
    expect(knowledge.contextFor(['a', 'c', 'd'])).toBeDefined();
    expect(knowledge.contextFor(['b'])).toBeUndefined();
    knowledge.forget();
    expect(knowledge.contextFor(['a'])).toBeUndefined();
  });
});
