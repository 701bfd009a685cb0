import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  accountHealth,
  accountPlan,
  cadenceStatus,
  competitorsPresent,
  invoicesOverdue,
  relationshipGrowth,
  accountStreamId,
  addDays,
  DAY_MS,
  decodeEvent,
  eventView,
  foldAccount,
  Health,
  stakeholderCoverage,
  healthChange,
  ScoringConfig,
  StoredAccountEvent,
  StoredEventView,
  utcDay,
} from '@rapport/domain';
import { EVENT_STORE, EventStore } from '@rapport/event-store';
import { CLOCK, Clock, problem, problemTypes, SCORING_CONFIG } from '@rapport/platform';
import { AccountProjection, AccountRow, projectAccount } from '@rapport/read-models';
import { Knowledge, KnowledgeTime } from '../knowledge-time';
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
    private readonly knowledgeTime: KnowledgeTime,
  ) {}

  /** The account route's answer: from the read model, or, with asOf, projected from the events recorded by then. */
  async profile(accountId: string, knowledge: Knowledge | undefined) {
    if (!knowledge) return profileAnswer(await this.account(accountId));
    const p = await this.projectedAsOf(accountId, knowledge);
    return {
      accountId,
      name: p.profile.name,
      segment: p.profile.segment,
      ownerId: p.profile.ownerId,
      keyAccount: p.profile.keyAccount,
      arr: p.arr,
      products: p.products,
      health: { score: p.health.score, band: p.health.band, coverage: p.health.coverage, evaluatedAt: p.health.evaluatedAt },
      churnRisk: { score: p.churn.score, drivers: p.churn.drivers, arrAtRisk: p.arrAtRisk },
      openRenewals: p.openRenewals,
      cadence: p.cadence,
      lastPosition: p.lastPosition,
      asOf: knowledge.asOf,
      asOfPosition: knowledge.position,
    };
  }

  /**
   * The account at valid time `knowledge.at` from the events recorded by `knowledge.position`: 404 if its opening
   * had not been recorded by then (whatever `at`: before its opening, an account known now has no figures yet).
   */
  private async projectedAsOf(accountId: string, knowledge: Knowledge): Promise<AccountProjection> {
    const events = await this.knownEvents(accountId, knowledge.position, knowledge.asOf);
    return projectAccount(accountId, events, events[events.length - 1].globalPosition, knowledge.at, this.config);
  }

  /** Health now (the read model), or computed for a past instant (`at`) from what was known at asOf (or now). */
  async health(accountId: string, knowledge: Knowledge | undefined) {
    if (knowledge) {
      const { health } = await this.projectedAsOf(accountId, knowledge);
      return { accountId, ...health, asOf: knowledge.asOf, asOfPosition: knowledge.position };
    }
    return healthAnswer(await this.account(accountId));
  }

  /**
   * Pages of the most recently active accounts' rows (the newest last event first), up to `limit` accounts, for the
   * answer cache to hold their answers before they are asked for. Each page is its own snapshot.
   */
  async *recentAccounts(limit: number, pageSize = 2_000): AsyncGenerator<AccountRowAsOf[]> {
    let before: string | undefined;
    for (let loaded = 0; loaded < limit;) {
      const rows = await this.reader.query<AccountRowAsOf>(
        (s) =>
          `SELECT *, (SELECT position FROM ${s}.rm_checkpoint) AS as_of_position FROM ${s}.rm_accounts
           WHERE opened AND ($2::bigint IS NULL OR last_position < $2) ORDER BY last_position DESC LIMIT $1`,
        [Math.min(pageSize, limit - loaded), before ?? null],
      );
      if (rows.length === 0) return;
      yield rows;
      loaded += rows.length;
      before = rows[rows.length - 1].last_position;
    }
  }

  async account(accountId: string): Promise<AccountRowAsOf> {
    const [row] = await this.reader.query<AccountRowAsOf>(
      (s) => `SELECT *, (SELECT position FROM ${s}.rm_checkpoint) AS as_of_position FROM ${s}.rm_accounts WHERE account_id = $1 AND opened`,
      [accountId],
    );
    if (!row)
      throw problem(HttpStatus.NOT_FOUND, problemTypes.accountNotFound, 'Unknown account', `no account ${accountId} in the read model`);
    return row;
  }

  /** The account's events up to a position of the log, oldest first. */
  async events(accountId: string, asOfPosition: number): Promise<StoredAccountEvent[]> {
    const stream = await this.store.readStream(accountStreamId(accountId));
    return stream.filter((e) => e.globalPosition <= asOfPosition).map(decodeEvent);
  }

  /**
   * Why the health moved between two instants, each point as the dashboard showed it then (at = asOf = the instant),
   * or, with `knowledge`, both as known at that one asOf (what a history chart drawn then shows).
   */
  async healthChanges(accountId: string, from: string, to: string | undefined, knowledge?: Knowledge) {
    const now = this.clock();
    const later = to === undefined ? now : this.knowledgeTime.validTime(to, now, 'to');
    const earlier = this.knowledgeTime.validTime(from, now, 'from');
    if (earlier.getTime() >= later.getTime()) {
      throw problem(HttpStatus.BAD_REQUEST, problemTypes.invalidRequest, 'Invalid request', 'from must be before to', [
        { field: 'from', message: 'must be before to' },
      ]);
    }
    await this.account(accountId);
    const [fromPosition, toPosition] = knowledge
      ? [knowledge.position, knowledge.position]
      : await Promise.all([this.store.positionAt(earlier), this.store.positionAt(later)]);
    const events = await this.events(accountId, toPosition);
    const change = healthChange(
      accountId,
      events,
      { at: earlier, position: fromPosition },
      { at: later, position: toPosition },
      this.config,
    );
    const point = (health: Health, at: Date, position: number) => ({
      at: at.toISOString(),
      asOfPosition: position,
      score: health.score,
      band: health.band,
      coverage: health.coverage,
    });
    return {
      accountId,
      asOf: knowledge?.asOf ?? null,
      from: point(change.before, earlier, fromPosition),
      to: point(change.after, later, toPosition),
      delta: change.delta,
      components: change.components,
      causes: change.causes,
    };
  }

  /**
   * The account plan at valid time T: goals with their actions, actions without a goal, the agreed cadence and
   * whether a touch or a review is overdue, and the stakeholders with their engagement. Folded from the stream
   * (up to asOf's position, else the read model's), so that it answers for any past T as it was known then.
   */
  async plan(accountId: string, knowledge: Knowledge | undefined) {
    const { state, t, position } = await this.foldedAt(accountId, knowledge);
    return {
      accountId,
      evaluatedAt: new Date(t).toISOString(),
      ...accountPlan(state, t),
      cadence: cadenceStatus(state, t),
      stakeholders: stakeholderCoverage(state, t)?.active ?? [],
      asOf: knowledge?.asOf ?? null,
      asOfPosition: position,
    };
  }

  /**
   * Who is who at the client and how the relationship grew, at T: stakeholder coverage (decision maker, champion,
   * engaged contacts), the stakeholders, growth figures, competitors present and invoices overdue.
   */
  async relationship(accountId: string, knowledge: Knowledge | undefined) {
    const { state, t, position } = await this.foldedAt(accountId, knowledge);
    const coverage = stakeholderCoverage(state, t);
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      accountId,
      evaluatedAt: iso(t),
      coverage: coverage && {
        decisionMaker: coverage.decider,
        championOrSponsor: coverage.advocate,
        activeStakeholders: coverage.active.length,
        engagedStakeholders: coverage.engagedCount,
      },
      stakeholders: coverage?.active ?? [],
      growth: relationshipGrowth(state, t),
      competitors: competitorsPresent(state, t).map((c) => ({ competitor: c.competitor, threat: c.threat, detectedAt: iso(c.detectedAt) })),
      invoicesOverdue: invoicesOverdue(state, t).map((i) => ({
        invoiceId: i.invoiceId,
        amount: i.amount,
        currency: i.currency,
        dueDate: i.dueDate,
        issuedAt: iso(i.issuedAt),
      })),
      asOf: knowledge?.asOf ?? null,
      asOfPosition: position,
    };
  }

  /** The account's state at valid time T, folded from its stream up to asOf's position, else the read model's. */
  private async foldedAt(accountId: string, knowledge: Knowledge | undefined) {
    const position = knowledge?.position ?? Number((await this.account(accountId)).as_of_position);
    const at = knowledge?.at ?? this.clock();
    const events = await this.knownEvents(accountId, position, knowledge?.asOf ?? null);
    return { state: foldAccount(accountId, events, { at }), t: at.getTime(), position };
  }

  /** The account's events up to a position: 404 if its opening had not been recorded by then. */
  private async knownEvents(accountId: string, position: number, asOf: string | number | null): Promise<StoredAccountEvent[]> {
    const events = await this.events(accountId, position);
    if (!events.some((e) => e.type === 'AccountOpened')) {
      throw problem(
        HttpStatus.NOT_FOUND,
        problemTypes.accountNotFound,
        'Unknown account',
        asOf === null ? `no account ${accountId} in the read model` : `no account ${accountId} was known as of ${String(asOf)}`,
      );
    }
    return events;
  }

  /** One point per UTC day in [from, to]: the health at the end of that day. */
  async history(accountId: string, from: string | undefined, to: string | undefined, knowledge: Knowledge | undefined) {
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
    const asOfPosition = knowledge?.position ?? Number(row.as_of_position);
    const events = await this.events(accountId, asOfPosition);
    const points = [];
    for (let day = first; day <= last; day = addDays(day, 1)) {
      const endOfDay = new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS - 1);
      const health = accountHealth(foldAccount(accountId, events, { at: endOfDay }), endOfDay, this.config);
      points.push({ date: day, score: health.score, band: health.band });
    }
    return { accountId, from: first, to: last, points, asOf: knowledge?.asOf ?? null, asOfPosition };
  }

  /** The account's stream, oldest first: the audit trail, retractions and their targets included. */
  async timeline(
    accountId: string,
    after: number | undefined,
    limit: number,
    knowledge: Knowledge | undefined,
  ): Promise<{ events: StoredEventView[]; nextCursor: number | null; asOf: string | number | null; asOfPosition: number }> {
    const row = await this.account(accountId);
    const asOfPosition = knowledge?.position ?? Number(row.as_of_position);
    const page = await this.store.readStream(accountStreamId(accountId), { fromVersion: (after ?? -1) + 1, limit: limit + 1 });
    const visible = page.filter((e) => e.globalPosition <= asOfPosition);
    const events = visible.slice(0, limit).map((e) => eventView(decodeEvent(e)));
    return {
      events,
      nextCursor: visible.length > limit ? events[events.length - 1].version : null,
      asOf: knowledge?.asOf ?? null,
      asOfPosition,
    };
  }
}

/** GET /v1/accounts/{id} from the read model: the account's row. */
export function profileAnswer(row: AccountRowAsOf) {
  return {
    accountId: row.account_id,
    name: row.name,
    segment: row.segment,
    ownerId: row.owner_id,
    keyAccount: row.key_account,
    arr: row.arr,
    products: row.products,
    health: { score: row.health.score, band: row.health.band, coverage: row.health.coverage, evaluatedAt: row.health.evaluatedAt },
    churnRisk: { score: row.churn.score, drivers: row.churn.drivers, arrAtRisk: row.arr_at_risk },
    openRenewals: row.open_renewals,
    cadence: row.cadence,
    lastPosition: Number(row.last_position),
    asOf: null,
    asOfPosition: Number(row.as_of_position),
  };
}

/** GET /v1/accounts/{id}/health from the read model: the account's row. */
export function healthAnswer(row: AccountRowAsOf) {
  return { accountId: row.account_id, ...row.health, asOf: null, asOfPosition: Number(row.as_of_position) };
}
