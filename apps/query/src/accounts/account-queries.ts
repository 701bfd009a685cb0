import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  accountHealth,
  accountStreamId,
  addDays,
  DAY_MS,
  decodeEvent,
  eventView,
  foldAccount,
  Health,
  ScoringConfig,
  StoredAccountEvent,
  StoredEventView,
  utcDay,
} from '@rapport/domain';
import { EVENT_STORE, EventStore } from '@rapport/event-store';
import { CLOCK, Clock, problem, problemTypes, SCORING_CONFIG } from '@rapport/platform';
import { AccountRow } from '@rapport/read-models';
import { ReadModelReader } from '../read-model-reader';

/** An account's row with the read model's checkpoint, read in the same snapshot. */
export type AccountRowAsOf = AccountRow & { as_of_position: string };

/** Longest health history one request computes: five years of days. */
export const MAX_HISTORY_DAYS = 1_830;

@Injectable()
export class AccountQueries {
  constructor(
    private readonly reader: ReadModelReader,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SCORING_CONFIG) private readonly config: ScoringConfig,
  ) {}

  async account(accountId: string): Promise<AccountRowAsOf> {
    const [row] = await this.reader.query<AccountRowAsOf>(
      (s) => `SELECT *, (SELECT position FROM ${s}.rm_checkpoint) AS as_of_position FROM ${s}.rm_accounts WHERE account_id = $1 AND opened`,
      [accountId],
    );
    if (!row)
      throw problem(HttpStatus.NOT_FOUND, problemTypes.accountNotFound, 'Unknown account', `no account ${accountId} in the read model`);
    return row;
  }

  /** The account's events known to the read model (up to its checkpoint), oldest first. */
  private async events(accountId: string, asOfPosition: number): Promise<StoredAccountEvent[]> {
    const stream = await this.store.readStream(accountStreamId(accountId));
    return stream.filter((e) => e.globalPosition <= asOfPosition).map(decodeEvent);
  }

  /** Health at a past instant, computed from the events as they stood then (valid time). */
  async healthAt(accountId: string, at: string): Promise<{ health: Health; asOfPosition: number }> {
    const when = new Date(at);
    if (when.getTime() > this.clock().getTime()) {
      throw problem(HttpStatus.BAD_REQUEST, problemTypes.invalidRequest, 'Invalid request', 'at must not be in the future', [
        { field: 'at', message: 'must not be in the future' },
      ]);
    }
    const row = await this.account(accountId);
    const asOfPosition = Number(row.as_of_position);
    const events = await this.events(accountId, asOfPosition);
    return { health: accountHealth(foldAccount(accountId, events, { at: when }), when, this.config), asOfPosition };
  }

  /** One point per UTC day in [from, to]: the health at the end of that day. */
  async history(accountId: string, from: string | undefined, to: string | undefined) {
    const today = utcDay(this.clock());
    const last = to ?? today;
    const first = from ?? addDays(last, -89);
    const span = (Date.parse(last) - Date.parse(first)) / DAY_MS + 1;
    if (span < 1 || span > MAX_HISTORY_DAYS || last > today) {
      throw problem(
        HttpStatus.BAD_REQUEST,
        problemTypes.invalidRequest,
        'Invalid request',
        `from must be on or before to, to not after today, and at most ${MAX_HISTORY_DAYS} days apart`,
        [{ field: span < 1 || span > MAX_HISTORY_DAYS ? 'from' : 'to', message: 'outside the allowed range' }],
      );
    }
    const row = await this.account(accountId);
    const asOfPosition = Number(row.as_of_position);
    const events = await this.events(accountId, asOfPosition);
    const points = [];
    for (let day = first; day <= last; day = addDays(day, 1)) {
      const endOfDay = new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS - 1);
      const health = accountHealth(foldAccount(accountId, events, { at: endOfDay }), endOfDay, this.config);
      points.push({ date: day, score: health.score, band: health.band });
    }
    return { accountId, from: first, to: last, points, asOfPosition };
  }

  /** The account's stream, oldest first: the audit trail, retractions and their targets included. */
  async timeline(
    accountId: string,
    after: number | undefined,
    limit: number,
  ): Promise<{ events: StoredEventView[]; nextCursor: number | null; asOfPosition: number }> {
    const row = await this.account(accountId);
    const asOfPosition = Number(row.as_of_position);
    const page = await this.store.readStream(accountStreamId(accountId), { fromVersion: (after ?? -1) + 1, limit: limit + 1 });
    const visible = page.filter((e) => e.globalPosition <= asOfPosition);
    const events = visible.slice(0, limit).map((e) => eventView(decodeEvent(e)));
    return { events, nextCursor: visible.length > limit ? events[events.length - 1].version : null, asOfPosition };
  }
}
