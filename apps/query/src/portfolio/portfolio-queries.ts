import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  addDays,
  calendarPeriodBounds,
  crossSellSignal,
  ExpansionSignal,
  Health,
  keyAccountFit,
  metricsFrom,
  PortfolioMetrics,
  ScoringConfig,
  Severity,
  utcDay,
} from '@rapport/domain';
import { CLOCK, Clock, problem, problemTypes, SCORING_CONFIG } from '@rapport/platform';
import {
  ChurnRiskQuery,
  ExpansionQuery,
  GroupBy,
  KeyAccountsQuery,
  MetricsQuery,
  MetricsSeriesQuery,
  PlanActionsQuery,
  PortfolioHealthQuery,
} from '../query-params';
import { Knowledge } from '../knowledge-time';
import { ReadModelReader } from '../read-model-reader';
import { decodeCursor, encodeCursor } from './page-cursor';
import { bandCounts } from './band-counts';
import { PortfolioAsOf } from './portfolio-as-of';
import { churnGroupFigures, expansionGroupFigures, GroupKey, money, potentialOf, sortedKeys, sumPerCurrency } from './portfolio-groups';

/** RAPPORT_KEY_ACCOUNT_CAP's default: key-account programmes are kept small (a team can serve a few dozen well). */
export const DEFAULT_KEY_ACCOUNT_CAP = 25;

/** The most periods one series request computes: ten years of months. */
export const MAX_SERIES_PERIODS = 120;

/** The contract terms ending, or whose open renewal is due, by the horizon ($1): ARR at risk. */
const atRisk = (schema: string) => `${schema}.rm_contract_terms t WHERE (t.end_date <= $1::date OR t.renewal_due <= $1::date)`;

/** The portfolio routes' answers, from the active read model (cross-sell and metrics assembled by the domain's formulas). */
@Injectable()
export class PortfolioQueries {
  constructor(
    private readonly reader: ReadModelReader,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly asOf: PortfolioAsOf,
    private readonly config: ConfigService,
    @Inject(SCORING_CONFIG) private readonly scoring: ScoringConfig,
  ) {}

  /**
   * The key-account programme against its cap (RAPPORT_KEY_ACCOUNT_CAP): its size and ARR share per currency, and
   * its accounts ranked by fit; with `candidates`, the accounts outside it ranked by fit instead.
   */
  async keyAccounts(query: KeyAccountsQuery) {
    const rows = await this.reader.query<{
      account_id: string;
      name: string | null;
      owner_id: string | null;
      key_account: boolean;
      arr: Record<string, number>;
      signals: ExpansionSignal[];
      churn_score: number;
      relationship: number | null;
      assessment: { strategicValue: number; logoValue: number } | null;
      as_of_position: string;
    }>(
      (s) => `
        SELECT account_id, name, owner_id, key_account, arr, signals, churn_score, assessment,
               relationship_score AS relationship,
               (SELECT position FROM ${s}.rm_checkpoint) AS as_of_position
        FROM ${s}.rm_accounts WHERE opened`,
    );
    const fits = keyAccountFit(
      rows.map((r) => ({
        accountId: r.account_id,
        keyAccount: r.key_account,
        arr: r.arr,
        potential: potentialOf(r.signals),
        churnScore: r.churn_score,
        relationship: r.relationship,
        assessment: r.assessment,
      })),
      this.scoring.fitWeights,
    );
    const byId = new Map(rows.map((r) => [r.account_id, r]));
    const cap = Number(this.config.get<string>('RAPPORT_KEY_ACCOUNT_CAP') ?? DEFAULT_KEY_ACCOUNT_CAP);
    const total = sumPerCurrency(rows.map((r) => r.arr));
    const programme = sumPerCurrency(rows.filter((r) => r.key_account).map((r) => r.arr));
    const keyAccounts = rows.filter((r) => r.key_account).length;
    const limit = query.limit ?? 50;
    const ranked = fits
      .filter((f) => f.keyAccount !== (query.candidates ?? false))
      // No fit (no weighted criterion with data) ranks last.
      .sort((a, b) => (b.fit ?? -1) - (a.fit ?? -1) || a.accountId.localeCompare(b.accountId));
    return {
      programme: {
        keyAccounts,
        cap,
        room: cap - keyAccounts,
        arrShare: Object.fromEntries(
          Object.entries(total)
            .filter(([, sum]) => sum > 0)
            .map(([currency, sum]) => [currency, Math.round(((programme[currency] ?? 0) / sum) * 10_000) / 10_000]),
        ),
      },
      candidates: query.candidates ?? false,
      items: ranked.slice(0, limit).map((f) => ({
        accountId: f.accountId,
        name: byId.get(f.accountId)!.name,
        ownerId: byId.get(f.accountId)!.owner_id,
        keyAccount: f.keyAccount,
        arr: byId.get(f.accountId)!.arr,
        fit: f.fit,
        criteria: f.criteria,
      })),
      truncated: ranked.length > limit,
      asOfPosition: Number(rows[0]?.as_of_position ?? (await this.reader.position())),
    };
  }

  /**
   * The account plans' actions across the portfolio, by due date: an owner's book of work, or what is overdue
   * (open and due before today, UTC).
   */
  async actions(query: PlanActionsQuery) {
    const limit = query.limit ?? 200;
    const today = utcDay(this.clock());
    const rows = await this.reader.query<{
      account_id: string;
      name: string | null;
      action_id: string;
      goal_id: string | null;
      description: string;
      owner_id: string;
      due_date: string;
      completed_at: Date | null;
      as_of_position: string;
    }>(
      (s) => `
        SELECT a.account_id, acc.name, a.action_id, a.goal_id, a.description, a.owner_id, to_char(a.due_date, 'YYYY-MM-DD') AS due_date,
               a.completed_at, (SELECT position FROM ${s}.rm_checkpoint) AS as_of_position
        FROM ${s}.rm_plan_actions a JOIN ${s}.rm_accounts acc ON acc.account_id = a.account_id AND acc.opened
        WHERE ($1::text IS NULL OR a.owner_id = $1)
          AND ($2::boolean IS NULL OR $2 = (a.completed_at IS NULL AND a.due_date < $3::date))
          AND ($4::text IS NULL OR ($4 = 'open') = (a.completed_at IS NULL))
        ORDER BY a.due_date, a.account_id, a.action_id
        LIMIT $5`,
      [query.ownerId ?? null, query.overdue ?? null, today, query.status ?? null, limit + 1],
    );
    const position = rows[0]?.as_of_position ?? (await this.reader.position());
    return {
      items: rows.slice(0, limit).map((r) => ({
        accountId: r.account_id,
        accountName: r.name,
        actionId: r.action_id,
        goalId: r.goal_id,
        description: r.description,
        ownerId: r.owner_id,
        dueDate: r.due_date,
        status: r.completed_at === null ? 'open' : 'completed',
        completedAt: r.completed_at?.toISOString() ?? null,
        overdue: r.completed_at === null && r.due_date < today,
      })),
      truncated: rows.length > limit,
      today,
      asOfPosition: Number(position),
    };
  }

  /** With a knowledge or valid time, the answers are computed from the events (PortfolioAsOf); else read. */
  async health(query: PortfolioHealthQuery, knowledge?: Knowledge) {
    if (knowledge) return this.asOf.health(query, knowledge);
    const limit = query.limit ?? 50;
    const after = decodeCursor(
      query.cursor,
      (k) => k.length === 2 && (k[0] === null || typeof k[0] === 'number') && typeof k[1] === 'string',
    );
    const rows = await this.reader.query<{
      account_id: string;
      name: string;
      owner_id: string | null;
      key_account: boolean;
      health_score: number | null;
      health_band: string | null;
      health_coverage: number;
      arr: Record<string, number>;
      churn_drivers: string[];
      evaluated_at: Date;
      as_of_position: string;
    }>(
      (s) => `
        SELECT account_id, name, owner_id, key_account, health_score, health_band, health_coverage, arr, evaluated_at,
               churn_drivers,
               (SELECT position FROM ${s}.rm_checkpoint) AS as_of_position
        FROM ${s}.rm_accounts
        WHERE opened
          AND ($1::text IS NULL OR health_band = $1) AND ($2::text IS NULL OR owner_id = $2) AND ($3::boolean IS NULL OR key_account = $3)
          AND ($4::boolean IS NULL
               OR ($4 AND (health_score > $5 OR (health_score = $5 AND account_id > $6) OR health_score IS NULL))
               OR (NOT $4 AND health_score IS NULL AND account_id > $6))
        ORDER BY health_score ASC NULLS LAST, account_id
        LIMIT $7`,
      [
        query.band ?? null,
        query.ownerId ?? null,
        query.keyAccount ?? null,
        after ? after[0] !== null : null,
        after?.[0] ?? null,
        after?.[1] ?? null,
        limit + 1,
      ],
    );
    const counted = await this.reader.query<{ band: string | null; accounts: string }>(
      (s) => `SELECT health_band AS band, count(*) AS accounts FROM ${s}.rm_accounts
              WHERE opened AND ($1::text IS NULL OR owner_id = $1) AND ($2::boolean IS NULL OR key_account = $2) GROUP BY 1`,
      [query.ownerId ?? null, query.keyAccount ?? null],
    );
    const items = rows.slice(0, limit).map((r) => ({
      accountId: r.account_id,
      name: r.name,
      ownerId: r.owner_id,
      keyAccount: r.key_account,
      score: r.health_score,
      band: r.health_band,
      coverage: r.health_coverage,
      arr: r.arr,
      churnDrivers: r.churn_drivers,
      evaluatedAt: r.evaluated_at.toISOString(),
    }));
    const last = items[items.length - 1];
    return {
      items,
      bands: bandCounts(counted.map((c) => [c.band, Number(c.accounts)])),
      nextCursor: rows.length > limit ? encodeCursor([last.score, last.accountId]) : null,
      asOf: null,
      asOfPosition: rows[0] ? Number(rows[0].as_of_position) : await this.reader.position(),
    };
  }

  async churnRisk(query: ChurnRiskQuery, knowledge?: Knowledge) {
    if (knowledge) return this.asOf.churnRisk(query, knowledge);
    const limit = query.limit ?? 50;
    const horizonDays = query.horizonDays ?? 90;
    const horizon = addDays(utcDay(this.clock()), horizonDays);
    const after = decodeCursor(query.cursor, (k) => k.length === 2 && typeof k[0] === 'number' && typeof k[1] === 'string');
    const rows = await this.reader.query<{
      account_id: string;
      name: string;
      owner_id: string | null;
      churn_score: number;
      churn: { base: number; drivers: unknown[] };
      health_score: number | null;
      health_band: string | null;
      arr_at_risk: Record<string, string> | null;
      as_of_position: string;
    }>(
      (s) => `
        SELECT a.account_id, a.name, a.owner_id, a.churn_score, a.churn, a.health_score, a.health_band,
               (SELECT jsonb_object_agg(currency, total)
                FROM (SELECT currency, sum(arr) AS total FROM ${atRisk(s)} AND t.account_id = a.account_id GROUP BY currency) x
               ) AS arr_at_risk,
               (SELECT position FROM ${s}.rm_checkpoint) AS as_of_position
        FROM ${s}.rm_accounts a
        WHERE a.opened AND a.health_band IS DISTINCT FROM 'churned'
          AND ($2::double precision IS NULL OR a.churn_score < $2 OR (a.churn_score = $2 AND a.account_id > $3))
          AND ($5::text IS NULL OR $5::text = ANY(a.churn_drivers))
          AND ($6::text IS NULL OR a.owner_id = $6)
        ORDER BY a.churn_score DESC, a.account_id
        LIMIT $4`,
      [horizon, after?.[0] ?? null, after?.[1] ?? null, limit + 1, query.driver ?? null, query.ownerId ?? null],
    );
    const totals = await this.reader.query<{ currency: string; total: string }>(
      (s) => `SELECT currency, sum(arr) AS total FROM ${atRisk(s)} GROUP BY currency ORDER BY currency`,
      [horizon],
    );
    const items = rows.slice(0, limit).map((r) => ({
      accountId: r.account_id,
      name: r.name,
      ownerId: r.owner_id,
      score: r.churn_score,
      base: r.churn.base,
      drivers: r.churn.drivers,
      health: { score: r.health_score, band: r.health_band },
      arrAtRisk: Object.fromEntries(Object.entries(r.arr_at_risk ?? {}).map(([c, v]) => [c, money(v)])),
    }));
    const last = items[items.length - 1];
    return {
      horizonDays,
      items,
      totals: Object.fromEntries(totals.map((t) => [t.currency, money(t.total)])),
      ...(query.groupBy ? { groupBy: query.groupBy, groups: await this.churnGroups(query.groupBy, horizon) } : {}),
      nextCursor: rows.length > limit ? encodeCursor([last.score, last.accountId]) : null,
      asOf: null,
      asOfPosition: rows[0] ? Number(rows[0].as_of_position) : await this.reader.position(),
    };
  }

  async expansion(query: ExpansionQuery, knowledge?: Knowledge) {
    const to = query.to ?? addDays(utcDay(knowledge?.at ?? this.clock()), 1);
    const from = query.from ?? addDays(to, -365);
    if (from >= to) throw this.badPeriod();
    if (knowledge) return this.asOf.expansion(query, knowledge, from, to);
    const [accounts, catalogue, realised] = await Promise.all([
      this.reader.query<{
        account_id: string;
        name: string;
        health: Health;
        products: string[];
        arr: Record<string, number>;
        signals: ExpansionSignal[];
        as_of_position: string;
      }>(
        (s) => `SELECT account_id, name, health, products, arr, signals, (SELECT position FROM ${s}.rm_checkpoint) AS as_of_position
                FROM ${s}.rm_accounts WHERE opened AND health_band IS DISTINCT FROM 'churned'`,
      ),
      this.reader.query<{ product: string }>((s) => `SELECT product FROM ${s}.rm_products`),
      this.reader.query<{ currency: string; total: string }>(
        (s) =>
          `SELECT currency, sum(amount) AS total FROM ${s}.rm_realised_expansion
           WHERE effective_date >= $1 AND effective_date < $2 GROUP BY currency ORDER BY currency`,
        [from, to],
      ),
    ]);
    const products = new Set(catalogue.map((c) => c.product));
    const withSignals = accounts
      .map((a) => {
        const crossSell = crossSellSignal(a.health.band, new Set(a.products), new Map(Object.entries(a.arr)), products);
        const signals = [...a.signals, ...(crossSell ? [crossSell] : [])];
        const potential = signals.reduce((sum, s) => sum + Object.values(s.potential).reduce((x, y) => x + y, 0), 0);
        return { accountId: a.account_id, name: a.name, signals, potential, potentials: potentialOf(signals) };
      })
      .filter((a) => a.signals.length > 0)
      .sort((a, b) => b.potential - a.potential || a.accountId.localeCompare(b.accountId));
    return {
      from,
      to,
      realised: Object.fromEntries(realised.map((r) => [r.currency, money(r.total)])),
      accounts: withSignals.slice(0, query.limit ?? 100).map(({ potential: _potential, potentials: _potentials, ...a }) => a),
      accountsWithSignals: withSignals.length,
      ...(query.groupBy ? { groupBy: query.groupBy, groups: await this.expansionGroups(query.groupBy, withSignals, from, to) } : {}),
      asOf: null,
      asOfPosition: accounts[0] ? Number(accounts[0].as_of_position) : await this.reader.position(),
    };
  }

  async metrics(query: MetricsQuery, knowledge?: Knowledge) {
    if (!query.from || !query.to) {
      throw problem(HttpStatus.BAD_REQUEST, problemTypes.invalidRequest, 'Invalid request', 'from and to are required', [
        ...(query.from ? [] : [{ field: 'from', message: 'is required' }]),
        ...(query.to ? [] : [{ field: 'to', message: 'is required' }]),
      ]);
    }
    const { from, to } = query;
    if (from >= to) throw this.badPeriod();
    if (knowledge) return this.asOf.metrics(knowledge, from, to, query.groupBy);
    const asOfPosition = await this.reader.position();
    const groups = query.groupBy ? await this.groupKeys(query.groupBy) : undefined;
    const { metrics, byGroup } = await this.metricsOver(from, to, groups);
    return { ...metrics, ...(byGroup ? { groupBy: query.groupBy, groups: byGroup } : {}), asOf: null, asOfPosition };
  }

  /**
   * The metrics of consecutive months or quarters (calendar ones, the first and last cut by from and to), each as
   * GET /metrics answers it, optionally per group: how retention moved over time, and whose.
   */
  async metricsSeries(query: MetricsSeriesQuery) {
    if (query.from >= query.to) throw this.badPeriod();
    const interval = query.interval ?? 'quarter';
    const bounds = calendarPeriodBounds(query.from, query.to, interval);
    if (bounds.length - 1 > MAX_SERIES_PERIODS) {
      throw problem(
        HttpStatus.BAD_REQUEST,
        problemTypes.invalidRequest,
        'Invalid request',
        `at most ${MAX_SERIES_PERIODS} periods a request`,
        [{ field: 'to', message: `must be within ${MAX_SERIES_PERIODS} ${interval}s of from` }],
      );
    }
    const asOfPosition = await this.reader.position();
    const groups = query.groupBy ? await this.groupKeys(query.groupBy) : undefined;
    const periods = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
      const { metrics, byGroup } = await this.metricsOver(bounds[i], bounds[i + 1], groups);
      periods.push({ ...metrics, ...(byGroup ? { groups: byGroup } : {}) });
    }
    return {
      from: query.from,
      to: query.to,
      interval,
      ...(query.groupBy ? { groupBy: query.groupBy } : {}),
      periods,
      asOf: null,
      asOfPosition,
    };
  }

  /** The portfolio's metrics over [from, to) from the read model, and per group when `groups` maps accounts to keys. */
  private async metricsOver(
    from: string,
    to: string,
    groups?: Map<string, GroupKey>,
  ): Promise<{ metrics: PortfolioMetrics; byGroup?: Array<{ key: GroupKey } & PortfolioMetrics> }> {
    const [arr, outcomes, nps, tickets] = await Promise.all([
      this.reader.query<{ account_id: string; currency: string; arr_from: string; arr_to: string }>(
        (s) => `
          WITH f AS (SELECT account_id, currency, sum(arr) AS arr FROM ${s}.rm_arr_segments
                     WHERE valid_from <= $1::date AND $1::date < valid_to GROUP BY 1, 2),
               t AS (SELECT account_id, currency, sum(arr) AS arr FROM ${s}.rm_arr_segments
                     WHERE valid_from <= $2::date AND $2::date < valid_to GROUP BY 1, 2)
          SELECT account_id, currency, coalesce(f.arr, 0) AS arr_from, coalesce(t.arr, 0) AS arr_to
          FROM f FULL JOIN t USING (account_id, currency)`,
        [from, to],
      ),
      this.reader.query<{ account_id: string; outcome: 'won' | 'lost'; reason: string | null }>(
        (s) => `SELECT account_id, outcome, reason FROM ${s}.rm_renewal_outcomes WHERE occurred_at >= $1::date AND occurred_at < $2::date`,
        [from, to],
      ),
      this.reader.query<{ account_id: string; score: number }>(
        (s) =>
          `SELECT DISTINCT ON (account_id) account_id, score FROM ${s}.rm_nps_responses
           WHERE occurred_at >= $1::date AND occurred_at < $2::date ORDER BY account_id, occurred_at DESC, seq DESC`,
        [from, to],
      ),
      this.reader.query<{ account_id: string; severity: Severity; opened_in: boolean; resolution_hours: number | null }>(
        (s) =>
          `SELECT account_id, severity, opened_at >= $1::date AND opened_at < $2::date AS opened_in,
                  CASE WHEN resolved_at >= $1::date AND resolved_at < $2::date
                       THEN extract(epoch FROM resolved_at - opened_at)::float8 / 3600 END AS resolution_hours
           FROM ${s}.rm_support_tickets
           WHERE (opened_at >= $1::date AND opened_at < $2::date) OR (resolved_at >= $1::date AND resolved_at < $2::date)`,
        [from, to],
      ),
    ]);
    const compute = (member: (accountId: string) => boolean) => {
      const perAccount = new Map<string, { from: Map<string, number>; to: Map<string, number> }>();
      for (const row of arr) {
        if (!member(row.account_id)) continue;
        const account = perAccount.get(row.account_id) ?? { from: new Map(), to: new Map() };
        if (Number(row.arr_from) > 0) account.from.set(row.currency, money(row.arr_from));
        if (Number(row.arr_to) > 0) account.to.set(row.currency, money(row.arr_to));
        perAccount.set(row.account_id, account);
      }
      return metricsFrom({
        from,
        to,
        arr: [...perAccount.values()],
        renewalOutcomes: outcomes
          .filter((o) => member(o.account_id))
          .map((o) => ({ outcome: o.outcome, ...(o.reason === null ? {} : { reason: o.reason }) })),
        latestNps: nps.filter((n) => member(n.account_id)).map((n) => Number(n.score)),
        tickets: tickets
          .filter((k) => member(k.account_id))
          .map((k) => ({
            severity: k.severity,
            openedInPeriod: k.opened_in,
            ...(k.resolution_hours === null ? {} : { resolutionHours: k.resolution_hours }),
          })),
      });
    };
    const metrics = compute(() => true);
    if (!groups) return { metrics };
    const keys = sortedKeys(groups);
    return { metrics, byGroup: keys.map((key) => ({ key, ...compute((id) => groups.get(id) === key) })) };
  }

  /** Each opened account's group: its owner, segment or key-account flag (null when unknown). */
  private async groupKeys(groupBy: GroupBy): Promise<Map<string, GroupKey>> {
    const column = { ownerId: 'owner_id', segment: 'segment', keyAccount: 'key_account' }[groupBy];
    const rows = await this.reader.query<{ account_id: string; key: GroupKey }>(
      (s) => `SELECT account_id, ${column} AS key FROM ${s}.rm_accounts WHERE opened`,
    );
    return new Map(rows.map((r) => [r.account_id, r.key]));
  }

  /** Per group: churnGroupFigures over the read model's accounts. */
  private async churnGroups(groupBy: GroupBy, horizon: string) {
    const groups = await this.groupKeys(groupBy);
    const rows = await this.reader.query<{
      account_id: string;
      churn_score: number;
      drivers: string[];
      arr_at_risk: Record<string, string> | null;
    }>(
      (s) => `
        SELECT a.account_id, a.churn_score, a.churn_drivers AS drivers,
               (SELECT jsonb_object_agg(currency, total)
                FROM (SELECT currency, sum(arr) AS total FROM ${atRisk(s)} AND t.account_id = a.account_id GROUP BY currency) x
               ) AS arr_at_risk
        FROM ${s}.rm_accounts a WHERE a.opened AND a.health_band IS DISTINCT FROM 'churned'`,
      [horizon],
    );
    return churnGroupFigures(
      groups,
      rows.map((r) => ({
        accountId: r.account_id,
        churnScore: r.churn_score,
        drivers: r.drivers,
        arrAtRisk: Object.fromEntries(Object.entries(r.arr_at_risk ?? {}).map(([c, v]) => [c, money(v)])),
      })),
    );
  }

  /** Per group: expansionGroupFigures over the read model's accounts and realised expansion. */
  private async expansionGroups(
    groupBy: GroupBy,
    withSignals: Array<{ accountId: string; potentials: Record<string, number> }>,
    from: string,
    to: string,
  ) {
    const groups = await this.groupKeys(groupBy);
    const realised = await this.reader.query<{ account_id: string; currency: string; total: string }>(
      (s) =>
        `SELECT account_id, currency, sum(amount) AS total FROM ${s}.rm_realised_expansion
         WHERE effective_date >= $1 AND effective_date < $2 GROUP BY 1, 2`,
      [from, to],
    );
    return expansionGroupFigures(
      groups,
      withSignals,
      realised.map((r) => ({ accountId: r.account_id, amounts: { [r.currency]: money(r.total) } })),
    );
  }

  private badPeriod() {
    return problem(HttpStatus.BAD_REQUEST, problemTypes.invalidRequest, 'Invalid request', 'from must be before to', [
      { field: 'to', message: 'must be after from' },
    ]);
  }
}
