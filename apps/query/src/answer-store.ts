import { LRUCache } from 'lru-cache';
import { ReadModelNotice } from '@rapport/read-models';

interface Entry {
  /** The read model's version when the answer was computed. */
  version: string;
  /** The account whose rows alone the answer depends on; undefined for an answer about the portfolio. */
  accountId?: string;
  body: unknown;
  /** The body as JSON, made at its first lookup, and the position it was made for (an account's moves up). */
  json?: string;
  jsonPosition?: number;
}

/** Where the read model stood when an answer's computation began: taken before reading, handed back to `set`. */
export interface AnswerTicket {
  version: string;
  /** How many notices the store had heard by then. */
  notices: number;
}

/** What a notice did to the kept answers. */
export type Moved =
  /** Only the named accounts' answers (and the portfolio's) were dropped. */
  | 'confined'
  /** Every answer was dropped: the notice did not say which accounts changed. */
  | 'unconfined'
  /** Every answer was dropped, and every account's figures may differ: a first version, a new day, another schema, or none. */
  | 'renewed';

/**
 * Answers of read-model routes, and how long each stays true. An answer about the portfolio holds for the version of
 * the read model it was computed under. An answer about one account holds until that account's rows change: the
 * projector's notices name the accounts each commit wrote, so an account's answers outlive the writes to other
 * accounts. A notice that names no accounts, a new day (every account is re-evaluated), another schema (a rebuild
 * swapped it) or a lost notice channel drops everything. Pure: the notices come from `AnswerCache`.
 */
export class AnswerStore {
  private readonly entries: LRUCache<string, Entry>;
  private readonly keysByAccount = new Map<string, Set<string>>();
  private readonly portfolioKeys = new Set<string>();
  private current?: ReadModelNotice;
  private notices = 0;
  /** The notice count at the last drop of everything. */
  private droppedAt = 0;
  /** Per account changed since that drop, the notice count when it last changed. */
  private readonly changedAt = new Map<string, number>();

  /** `maxChanges`: accounts `changedAt` may track before the next notice drops everything instead (bounded memory). */
  constructor(
    maxAnswers: number,
    private readonly maxChanges = 100_000,
  ) {
    this.entries = new LRUCache<string, Entry>({ max: maxAnswers, dispose: (entry, key) => this.unindex(entry, key) });
  }

  /** Where the read model stands, or undefined while that cannot be known (no notice channel): nothing is kept then. */
  ticket(): AnswerTicket | undefined {
    return this.current && { version: this.current.version, notices: this.notices };
  }

  /** False once everything was dropped after `ticket` was taken: nothing computed from it can be kept any more. */
  holds(ticket: AnswerTicket): boolean {
    return this.current !== undefined && ticket.notices >= this.droppedAt;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The read model's position as last heard of, undefined while that cannot be known. */
  get position(): number | undefined {
    return this.current?.position;
  }

  /** The read model moved to `notice` (undefined: the channel is lost, and changes could go unheard). */
  moved(notice: ReadModelNotice | undefined): Moved {
    const previous = this.current;
    this.current = notice;
    this.notices++;
    const sameContent =
      notice !== undefined &&
      previous !== undefined &&
      notice.schema === previous.schema &&
      notice.evaluationDay === previous.evaluationDay &&
      notice.position >= previous.position;
    if (!sameContent || notice.accounts === undefined || this.changedAt.size >= this.maxChanges) {
      this.entries.clear();
      this.changedAt.clear();
      this.droppedAt = this.notices;
      return sameContent ? 'unconfined' : 'renewed';
    }
    for (const key of [...this.portfolioKeys]) this.entries.delete(key);
    for (const accountId of notice.accounts) {
      this.changedAt.set(accountId, this.notices);
      for (const key of [...(this.keysByAccount.get(accountId) ?? [])]) this.entries.delete(key);
    }
    return 'confined';
  }

  /**
   * The kept answer as JSON, if it still holds, made once and sent as is. An account's answer kept from an earlier
   * position is the answer at the current one too (its rows have not changed since), so its `asOfPosition` moves up
   * to the current position.
   */
  get(key: string): string | undefined {
    const current = this.current;
    const entry = current && this.entries.get(key);
    if (!current || !entry) return undefined;
    if (entry.accountId === undefined) {
      if (entry.version !== current.version) return undefined;
      return (entry.json ??= JSON.stringify(entry.body));
    }
    if (entry.json === undefined || entry.jsonPosition !== current.position) {
      entry.json = JSON.stringify(restamped(entry.body, current.position));
      entry.jsonPosition = current.position;
    }
    return entry.json;
  }

  /**
   * Keeps an answer whose computation began at `ticket`, unless what it was made of may have changed since: for a
   * portfolio answer, any notice; for an account's, a notice naming that account or dropping everything.
   */
  set(key: string, ticket: AnswerTicket, body: unknown, accountId?: string): boolean {
    if (!this.holds(ticket)) return false;
    if (accountId === undefined) {
      if (ticket.notices !== this.notices) return false;
    } else if ((this.changedAt.get(accountId) ?? 0) > ticket.notices) {
      return false;
    }
    this.entries.set(key, { version: ticket.version, accountId, body });
    if (accountId === undefined) {
      this.portfolioKeys.add(key);
      return true;
    }
    const keys = this.keysByAccount.get(accountId) ?? new Set<string>();
    keys.add(key);
    this.keysByAccount.set(accountId, keys);
    return true;
  }

  private unindex(entry: Entry, key: string): void {
    if (entry.accountId === undefined) {
      this.portfolioKeys.delete(key);
      return;
    }
    const keys = this.keysByAccount.get(entry.accountId);
    keys?.delete(key);
    if (keys?.size === 0) this.keysByAccount.delete(entry.accountId);
  }
}

function restamped(body: unknown, position: number): unknown {
  if (typeof body !== 'object' || body === null) return body;
  const asOfPosition = (body as { asOfPosition?: unknown }).asOfPosition;
  return typeof asOfPosition === 'number' && asOfPosition < position ? { ...body, asOfPosition: position } : body;
}
