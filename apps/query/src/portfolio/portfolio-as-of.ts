import { Inject, Injectable } from '@nestjs/common';
import {
  accountStreamId,
  addDays,
  crossSellSignal,
  AccountStreamEvent,
  decodeCompactEvent,
  decodeStreamEvent,
  EventType,
  METRICS_EVENT_TYPES,
  PortfolioFold,
  PositionedAccountEvent,
  portfolioMetrics,
  ScoringConfig,
  utcDay,
} from '@rapport/domain';
import { EVENT_STORE, EventStore } from '@rapport/event-store';
import { SCORING_CONFIG } from '@rapport/platform';
import { AccountProjection, projectAccount } from '@rapport/read-models';
import { Knowledge } from '../knowledge-time';
import { ChurnRiskQuery, ExpansionQuery, GroupBy, PortfolioHealthQuery } from '../query-params';
import { ReadModelReader } from '../read-model-reader';
import { decodeCursor, encodeCursor } from './page-cursor';
import { bandCounts } from './band-counts';
import {
  churnGroupFigures,
  ChurnMember,
  expansionGroupFigures,
  GroupKey,
  groupKeyOf,
  money,
  potentialOf,
  sortedKeys,
} from './portfolio-groups';

/** What an account's group is made of: its opening (owner, segment), a new owner, the key-account flag. */
const PROFILE_EVENT_TYPES: readonly EventType[] = ['AccountOpened', 'AccountOwnerAssigned', 'KeyAccountDesignated', 'KeyAccountRevoked'];

/** Streams read per query: bounds memory to this many accounts' events at a time. */
const STREAMS_PER_READ = 500;
/** Events per read of the log. */
const LOG_PAGE = 10_000;

/**
 * The portfolio routes for a knowledge time (`asOf`) or a valid time (`at`): the read model holds only the present,
 * so every account is projected again from its events recorded by then, with the projector's own function, at
 * `at`. The answers have the read model's shapes and orders. Cost grows with the log (see README, "Audit").
 */
@Injectable()
export class PortfolioAsOf {
  constructor(
    private readonly reader: ReadModelReader,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SCORING_CONFIG) private readonly config: ScoringConfig,
  ) {}

  async health(query: PortfolioHealthQuery, knowledge: Knowledge) {
    const limit = query.limit ?? 50;
    const after = decodeCursor(
      query.cursor,
      (k) => k.length === 2 && (k[0] === null || typeof k[0] === 'number') && typeof k[1] === 'string',
    );
    const rows: AccountProjection[] = [];
    const counts = new Map<string | null, number>();
    for await (const p of this.projections(knowledge)) {
      if (query.ownerId !== undefined && p.profile.ownerId !== query.ownerId) continue;
      if (query.keyAccount !== undefined && p.profile.keyAccount !== query.keyAccount) continue;
      counts.set(p.health.band, (counts.get(p.health.band) ?? 0) + 1);
      if (query.band !== undefined && p.health.band !== query.band) continue;
      rows.push(p);
    }
    // The read model's order: score ascending, no score last, then account id.
    const key = (p: AccountProjection) => p.health.score ?? Number.POSITIVE_INFINITY;
    rows.sort((a, b) => key(a) - key(b) || (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0));
    const start = after
      ? rows.findIndex((p) => {
          const score = key(p);
          const cursorScore = after[0] === null ? Number.POSITIVE_INFINITY : (after[0] as number);
          return score > cursorScore || (score === cursorScore && p.accountId > (after[1] as string));
        })
      : 0;
    const page = start < 0 ? [] : rows.slice(start, start + limit);
    const items = page.map((p) => ({
      accountId: p.accountId,
      name: p.profile.name,
      ownerId: p.profile.ownerId,
      keyAccount: p.profile.keyAccount,
      score: p.health.score,
      band: p.health.band,
      coverage: p.health.coverage,
      arr: p.arr,
      churnDrivers: p.churn.drivers.map((d) => d.name),
      evaluatedAt: p.evaluatedAt.toISOString(),
    }));
    const last = items[items.length - 1];
    const more = start >= 0 && rows.length > start + limit;
    return {
      items,
      bands: bandCounts(counts),
      nextCursor: more ? encodeCursor([last.score, last.accountId]) : null,
      asOf: knowledge.asOf,
      asOfPosition: knowledge.position,
    };
  }

  async churnRisk(query: ChurnRiskQuery, knowledge: Knowledge) {
    const limit = query.limit ?? 50;
    const horizonDays = query.horizonDays ?? 90;
    const horizon = addDays(utcDay(knowledge.at), horizonDays);
    const after = decodeCursor(query.cursor, (k) => k.length === 2 && typeof k[0] === 'number' && typeof k[1] === 'string');
    const totals = new Map<string, number>();
    const rows: Array<{ p: AccountProjection; arrAtRisk: Record<string, number> }> = [];
    const groups = new Map<string, GroupKey>();
    const members: ChurnMember[] = [];
    for await (const p of this.projections(knowledge)) {
      if (query.groupBy && p.profile.opened) groups.set(p.accountId, groupKeyOf(query.groupBy, p.profile));
      const atRisk = new Map<string, number>();
      for (const term of p.terms) {
        if (term.endDate > horizon && (term.renewalDue === null || term.renewalDue > horizon)) continue;
        atRisk.set(term.currency, (atRisk.get(term.currency) ?? 0) + term.arr);
        totals.set(term.currency, (totals.get(term.currency) ?? 0) + term.arr);
      }
      if (p.health.band === 'churned') continue;
      const arrAtRisk = Object.fromEntries([...atRisk].map(([c, v]) => [c, money(v)]));
      if (query.groupBy)
        members.push({ accountId: p.accountId, churnScore: p.churn.score, drivers: p.churn.drivers.map((d) => d.name), arrAtRisk });
      if (query.driver && !p.churn.drivers.some((d) => d.name === query.driver)) continue;
      if (query.ownerId !== undefined && p.profile.ownerId !== query.ownerId) continue;
      rows.push({ p, arrAtRisk });
    }
    rows.sort((a, b) => b.p.churn.score - a.p.churn.score || (a.p.accountId < b.p.accountId ? -1 : 1));
    const start = after
      ? rows.findIndex(
          ({ p }) => p.churn.score < (after[0] as number) || (p.churn.score === after[0] && p.accountId > (after[1] as string)),
        )
      : 0;
    const page = start < 0 ? [] : rows.slice(start, start + limit);
    const items = page.map(({ p, arrAtRisk }) => ({
      accountId: p.accountId,
      name: p.profile.name,
      ownerId: p.profile.ownerId,
      score: p.churn.score,
      base: p.churn.base,
      drivers: p.churn.drivers,
      health: { score: p.health.score, band: p.health.band },
      arrAtRisk,
    }));
    const last = items[items.length - 1];
    return {
      horizonDays,
      items,
      totals: Object.fromEntries([...totals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, v]) => [c, money(v)])),
      ...(query.groupBy ? { groupBy: query.groupBy, groups: churnGroupFigures(groups, members) } : {}),
      nextCursor: start >= 0 && rows.length > start + limit ? encodeCursor([last.score, last.accountId]) : null,
      asOf: knowledge.asOf,
      asOfPosition: knowledge.position,
    };
  }

  async expansion(query: ExpansionQuery, knowledge: Knowledge, from: string, to: string) {
    const products = new Set<string>();
    const realised = new Map<string, number>();
    const candidates: AccountProjection[] = [];
    const groups = new Map<string, GroupKey>();
    const realisedPerAccount: Array<{ accountId: string; amounts: Record<string, number> }> = [];
    for await (const p of this.projections(knowledge)) {
      if (query.groupBy && p.profile.opened) groups.set(p.accountId, groupKeyOf(query.groupBy, p.profile));
      for (const product of p.products) products.add(product);
      for (const r of p.realisedExpansion) {
        if (r.date < from || r.date >= to) continue;
        realised.set(r.currency, (realised.get(r.currency) ?? 0) + r.amount);
        realisedPerAccount.push({ accountId: p.accountId, amounts: { [r.currency]: r.amount } });
      }
      if (p.health.band !== 'churned') candidates.push(p);
    }
    const withSignals = candidates
      .map((p) => {
        const crossSell = crossSellSignal(p.health.band, new Set(p.products), new Map(Object.entries(p.arr)), products);
        const signals = [...p.signals, ...(crossSell ? [crossSell] : [])];
        const potential = signals.reduce((sum, s) => sum + Object.values(s.potential).reduce((x, y) => x + y, 0), 0);
        return { accountId: p.accountId, name: p.profile.name, signals, potential, potentials: potentialOf(signals) };
      })
      .filter((a) => a.signals.length > 0)
      .sort((a, b) => b.potential - a.potential || a.accountId.localeCompare(b.accountId));
    return {
      from,
      to,
      realised: Object.fromEntries([...realised].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, v]) => [c, money(v)])),
      accounts: withSignals.slice(0, query.limit ?? 100).map(({ potential: _potential, potentials: _potentials, ...a }) => a),
      accountsWithSignals: withSignals.length,
      ...(query.groupBy ? { groupBy: query.groupBy, groups: expansionGroupFigures(groups, withSignals, realisedPerAccount) } : {}),
      asOf: knowledge.asOf,
      asOfPosition: knowledge.position,
    };
  }

  /**
   * Metrics from only the events they depend on (METRICS_EVENT_TYPES, and with groupBy the profile's), recorded by
   * then, in log order: the retractions and the facts are read side by side, and the facts are folded into one state
   * per account (PortfolioFold) once every retraction is known. Groups are the opened accounts' profiles at `at`.
   */
  async metrics(knowledge: Knowledge, from: string, to: string, groupBy?: GroupBy) {
    const retracted = new Set<string>();
    const collecting = (async () => {
      for await (const { event } of this.log(knowledge.position, ['EventRetracted'])) {
        if (event.type === 'EventRetracted') retracted.add(event.data.targetEventId);
      }
    })();
    const types = [...METRICS_EVENT_TYPES.filter((type) => type !== 'EventRetracted'), ...(groupBy ? PROFILE_EVENT_TYPES : [])];
    // The first page of facts is read while the retractions are (two connections); none is folded before all are known.
    const facts = this.log(knowledge.position, types);
    const first = facts.next();
    first.catch(() => undefined);
    await collecting;
    const fold = new PortfolioFold(retracted, { at: knowledge.at });
    for (let step = await first; !step.done; step = await facts.next()) fold.add(step.value.accountId, step.value.event);
    const states = fold.states();
    const answer = { ...portfolioMetrics(states, from, to), asOf: knowledge.asOf, asOfPosition: knowledge.position };
    if (!groupBy) return answer;
    const groups = new Map<string, GroupKey>();
    for (const state of states) {
      if (!state.opened) continue;
      groups.set(
        state.accountId,
        groupKeyOf(groupBy, { ownerId: state.ownerId ?? null, segment: state.segment ?? null, keyAccount: state.keyAccount }),
      );
    }
    const byGroup = sortedKeys(groups).map((key) => ({
      key,
      ...portfolioMetrics(
        states.filter((state) => groups.get(state.accountId) === key),
        from,
        to,
      ),
    }));
    const { asOf, asOfPosition, ...metrics } = answer;
    return { ...metrics, groupBy, groups: byGroup, asOf, asOfPosition };
  }

  /**
   * The log's events of `types` up to `position`, in global order and compact form (data and occurredAt: what the
   * fold reads, half the bytes of whole events), a page at a time; the next page is read while this one is
   * consumed. A short page is the last.
   */
  private async *log(position: number, types: readonly string[]): AsyncGenerator<{ accountId: string; event: AccountStreamEvent }> {
    const read = (after: number) => {
      const page = this.store.readAllCompact({ after, limit: LOG_PAGE, types, until: position, metadataField: 'occurredAt' });
      // Awaited below; this only keeps a read abandoned with the generator from being an unhandled rejection.
      page.catch(() => undefined);
      return page;
    };
    let next = read(0);
    for (;;) {
      const page = await next;
      if (page.length === 0) return;
      next = page.length < LOG_PAGE ? Promise.resolve([]) : read(page[page.length - 1].globalPosition);
      for (const record of page) yield decodeCompactEvent(record);
    }
  }

  private async *projections(knowledge: Knowledge): AsyncGenerator<AccountProjection> {
    for await (const [accountId, events] of this.streams(knowledge)) {
      if (!events.some((e) => e.type === 'AccountOpened')) continue;
      yield projectAccount(accountId, events, events[events.length - 1].globalPosition, knowledge.at, this.config);
    }
  }

  /**
   * Every account's events up to the knowledge position, a few hundred streams per read. The accounts are the read
   * model's, once it has reached that position (it knows every account recorded by then).
   */
  private async *streams(knowledge: Knowledge): AsyncGenerator<[string, PositionedAccountEvent[]]> {
    await this.reader.waitFor(knowledge.position);
    const ids = (await this.reader.query<{ account_id: string }>((s) => `SELECT account_id FROM ${s}.rm_accounts ORDER BY account_id`)).map(
      (r) => r.account_id,
    );
    for (let i = 0; i < ids.length; i += STREAMS_PER_READ) {
      const batch = ids.slice(i, i + STREAMS_PER_READ);
      const read = await this.store.readStreams(batch.map(accountStreamId), { until: knowledge.position });
      for (const accountId of batch) {
        const events = read.get(accountStreamId(accountId))!;
        if (events.length > 0) yield [accountId, events.map(decodeStreamEvent)];
      }
    }
  }
}
