import { CadenceStatus, ChurnRisk, ExpansionSignal, Health } from '@rapport/domain';
import { AccountProjection } from './account-projection';

/**
 * The read model's tables, each declared once: its columns (SQL type, and the value written from an account's
 * projection) and how a batch writes it. The DDL, the write statements and the row types that queries read all
 * follow from these definitions. A new column is one entry here (and a READ_MODEL_VERSION bump, which a rebuild
 * deploys: read models are rebuilt, not migrated).
 */

/** One column: its SQL type, whether it may be null, and its value in a row written from `S`. `R` is what `pg` reads back. */
export interface Column<S, R> {
  sqlType: string;
  notNull: boolean;
  // A method, so that a column of a row type fits a table whose row type is wider (method parameters are bivariant).
  value(source: S): unknown;
  /** Phantom: the TypeScript type of the column as read (bigint and numeric come back as strings). */
  readonly read?: R;
}

/** A column whose read type is `R`: `column<string>()('text', (p) => p.name, { notNull: true })`. */
function column<R>() {
  return <S>(sqlType: string, value: (source: S) => unknown, options: { notNull?: boolean } = {}): Column<S, R> => ({
    sqlType,
    notNull: options.notNull ?? false,
    value,
  });
}

export interface TableDefinition<S, C extends Record<string, Column<S, unknown>> = Record<string, Column<S, unknown>>> {
  name: string;
  columns: C;
  primaryKey: ReadonlyArray<keyof C & string>;
  /** Index column lists, e.g. `health_score NULLS LAST, account_id`. */
  indexes?: readonly string[];
  /** The rows of one account's projection. */
  rows(projection: AccountProjection): S[];
  /**
   * How a batch lands: `replace` the batch's accounts' rows (the table has `account_id`: deleted, then COPYed);
   * `add-missing` rows shared by the portfolio, never removed.
   */
  write: 'replace' | 'add-missing';
}

/** The row type of a table, as queries read it. */
export type RowOf<T> =
  T extends TableDefinition<infer _S, infer C> ? { [K in keyof C]: C[K] extends Column<unknown, infer R> ? R : never } : never;

function table<S, C extends Record<string, Column<S, unknown>>>(definition: TableDefinition<S, C>): TableDefinition<S, C> {
  return definition;
}

/** A row of a per-account list (segments, terms, outcomes …): the account, the item, its place in the list. */
interface Item<T> {
  accountId: string;
  seq: number;
  item: T;
}
const itemsOf =
  <T>(list: (p: AccountProjection) => T[]) =>
  (p: AccountProjection): Array<Item<T>> =>
    list(p).map((item, seq) => ({ accountId: p.accountId, seq, item }));

type P = AccountProjection;
type Segment = Item<P['segments'][number]>;
type Term = Item<P['terms'][number]>;
type Outcome = Item<P['renewalOutcomes'][number]>;
type Nps = Item<P['npsResponses'][number]>;
type Expansion = Item<P['realisedExpansion'][number]>;
type Action = Item<P['actions'][number]>;
type Ticket = Item<P['tickets'][number]>;

/**
 * The account's documents (health with its components, churn with its drivers, …) are `json`, kept as the text
 * written, not `jsonb`: readers take them whole, and jsonb's parse into its binary form was a fifth of PostgreSQL's
 * CPU a new account in the projector (read model version 3; `bench:projector`, six alternated pairs: PostgreSQL
 * 29.3–35.7 µs an event against 36.3–44.3). What queries pick out of them for every account has a column of its own
 * (`relationship_score`, `churn_drivers`), since walking a `json` document parses its text again: over 30,000
 * accounts the key-account fit's query took 330–437 ms so, 59–79 from jsonb (docs/benchmarks.md, "The read model's
 * documents as json").
 */
export const ACCOUNTS = table({
  name: 'rm_accounts',
  columns: {
    account_id: column<string>()('text', (p: P) => p.accountId, { notNull: true }),
    opened: column<boolean>()('boolean', (p: P) => p.profile.opened, { notNull: true }),
    name: column<string | null>()('text', (p: P) => p.profile.name),
    segment: column<string | null>()('text', (p: P) => p.profile.segment),
    owner_id: column<string | null>()('text', (p: P) => p.profile.ownerId),
    key_account: column<boolean>()('boolean', (p: P) => p.profile.keyAccount, { notNull: true }),
    arr: column<Record<string, number>>()('json', (p: P) => p.arr, { notNull: true }),
    products: column<string[]>()('text[]', (p: P) => p.products, { notNull: true }),
    health_score: column<number | null>()('double precision', (p: P) => p.health.score),
    health_band: column<string | null>()('text', (p: P) => p.health.band),
    health_coverage: column<number>()('double precision', (p: P) => p.health.coverage, { notNull: true }),
    health: column<Health>()('json', (p: P) => p.health, { notNull: true }),
    /** The relationship component's score, which key-account fit reads for every account. */
    relationship_score: column<number | null>()(
      'double precision',
      (p: P) => p.health.components.find((c) => c.name === 'relationship')?.score ?? null,
    ),
    churn_score: column<number>()('double precision', (p: P) => p.churn.score, { notNull: true }),
    churn: column<ChurnRisk>()('json', (p: P) => p.churn, { notNull: true }),
    /** The drivers' names, which the churn pages filter on and list, without walking the document. */
    churn_drivers: column<string[]>()('text[]', (p: P) => p.churn.drivers.map((d) => d.name), { notNull: true }),
    arr_at_risk: column<Record<string, number>>()('json', (p: P) => p.arrAtRisk, { notNull: true }),
    signals: column<ExpansionSignal[]>()('json', (p: P) => p.signals, { notNull: true }),
    open_renewals: column<P['openRenewals']>()('json', (p: P) => p.openRenewals, { notNull: true }),
    cadence: column<CadenceStatus | null>()('json', (p: P) => p.cadence),
    assessment: column<P['assessment']>()('json', (p: P) => p.assessment),
    /** Ids of the plan's actions overdue at evaluation: what ActionOverdue compares against. */
    overdue_actions: column<string[]>()('text[]', (p: P) => p.actions.filter((a) => a.overdue).map((a) => a.actionId), { notNull: true }),
    evaluated_at: column<Date>()('timestamptz', (p: P) => p.evaluatedAt, { notNull: true }),
    last_position: column<string>()('bigint', (p: P) => p.lastPosition, { notNull: true }),
  },
  primaryKey: ['account_id'],
  indexes: ['health_score NULLS LAST, account_id', 'churn_score DESC, account_id'],
  rows: (p) => [p],
  write: 'replace',
});

export const ARR_SEGMENTS = table({
  name: 'rm_arr_segments',
  columns: {
    account_id: column<string>()('text', (r: Segment) => r.accountId),
    contract_id: column<string>()('text', (r: Segment) => r.item.contractId),
    currency: column<string>()('text', (r: Segment) => r.item.currency),
    valid_from: column<Date>()('date', (r: Segment) => r.item.from),
    valid_to: column<Date>()('date', (r: Segment) => r.item.to),
    arr: column<string>()('numeric(16, 2)', (r: Segment) => r.item.arr, { notNull: true }),
  },
  primaryKey: ['account_id', 'contract_id', 'valid_from'],
  rows: itemsOf((p) => p.segments),
  write: 'replace',
});

export const CONTRACT_TERMS = table({
  name: 'rm_contract_terms',
  columns: {
    account_id: column<string>()('text', (r: Term) => r.accountId),
    contract_id: column<string>()('text', (r: Term) => r.item.contractId),
    currency: column<string>()('text', (r: Term) => r.item.currency, { notNull: true }),
    arr: column<string>()('numeric(16, 2)', (r: Term) => r.item.arr, { notNull: true }),
    end_date: column<Date>()('date', (r: Term) => r.item.endDate, { notNull: true }),
    renewal_due: column<Date | null>()('date', (r: Term) => r.item.renewalDue),
  },
  primaryKey: ['account_id', 'contract_id'],
  rows: itemsOf((p) => p.terms),
  write: 'replace',
});

export const RENEWAL_OUTCOMES = table({
  name: 'rm_renewal_outcomes',
  columns: {
    account_id: column<string>()('text', (r: Outcome) => r.accountId),
    renewal_id: column<string>()('text', (r: Outcome) => r.item.renewalId),
    outcome: column<'won' | 'lost'>()('text', (r: Outcome) => r.item.outcome, { notNull: true }),
    occurred_at: column<Date>()('timestamptz', (r: Outcome) => r.item.occurredAt, { notNull: true }),
    reason: column<string | null>()('text', (r: Outcome) => r.item.reason),
  },
  primaryKey: ['account_id', 'renewal_id'],
  rows: itemsOf((p) => p.renewalOutcomes),
  write: 'replace',
});

export const NPS_RESPONSES = table({
  name: 'rm_nps_responses',
  columns: {
    account_id: column<string>()('text', (r: Nps) => r.accountId),
    seq: column<number>()('integer', (r: Nps) => r.seq),
    occurred_at: column<Date>()('timestamptz', (r: Nps) => r.item.occurredAt, { notNull: true }),
    score: column<number>()('smallint', (r: Nps) => r.item.score, { notNull: true }),
  },
  primaryKey: ['account_id', 'seq'],
  rows: itemsOf((p) => p.npsResponses),
  write: 'replace',
});

export const REALISED_EXPANSION = table({
  name: 'rm_realised_expansion',
  columns: {
    account_id: column<string>()('text', (r: Expansion) => r.accountId),
    seq: column<number>()('integer', (r: Expansion) => r.seq),
    contract_id: column<string>()('text', (r: Expansion) => r.item.contractId, { notNull: true }),
    currency: column<string>()('text', (r: Expansion) => r.item.currency, { notNull: true }),
    effective_date: column<Date>()('date', (r: Expansion) => r.item.date, { notNull: true }),
    amount: column<string>()('numeric(16, 2)', (r: Expansion) => r.item.amount, { notNull: true }),
  },
  primaryKey: ['account_id', 'seq'],
  rows: itemsOf((p) => p.realisedExpansion),
  write: 'replace',
});

/** Support tickets, for the portfolio's volume and resolution time per severity. */
export const SUPPORT_TICKETS = table({
  name: 'rm_support_tickets',
  columns: {
    account_id: column<string>()('text', (r: Ticket) => r.accountId),
    ticket_id: column<string>()('text', (r: Ticket) => r.item.ticketId),
    severity: column<string>()('text', (r: Ticket) => r.item.severity, { notNull: true }),
    opened_at: column<Date>()('timestamptz', (r: Ticket) => r.item.openedAt, { notNull: true }),
    resolved_at: column<Date | null>()('timestamptz', (r: Ticket) => r.item.resolvedAt),
  },
  primaryKey: ['account_id', 'ticket_id'],
  indexes: ['opened_at', 'resolved_at'],
  rows: itemsOf((p) => p.tickets),
  write: 'replace',
});

/** The account plans' actions, for the portfolio's list by owner and due date. */
export const PLAN_ACTIONS = table({
  name: 'rm_plan_actions',
  columns: {
    account_id: column<string>()('text', (r: Action) => r.accountId),
    action_id: column<string>()('text', (r: Action) => r.item.actionId),
    goal_id: column<string | null>()('text', (r: Action) => r.item.goalId),
    description: column<string>()('text', (r: Action) => r.item.description, { notNull: true }),
    owner_id: column<string>()('text', (r: Action) => r.item.ownerId, { notNull: true }),
    due_date: column<Date>()('date', (r: Action) => r.item.dueDate, { notNull: true }),
    completed_at: column<Date | null>()('timestamptz', (r: Action) => r.item.completedAt),
  },
  primaryKey: ['account_id', 'action_id'],
  indexes: ['owner_id, due_date', 'due_date'],
  rows: itemsOf((p) => p.actions),
  write: 'replace',
});

/** The products seen across the portfolio (the cross-sell catalogue): added to, never removed. */
export const PRODUCTS = table({
  name: 'rm_products',
  columns: { product: column<string>()('text', (product: string) => product) },
  primaryKey: ['product'],
  rows: (p) => p.products,
  write: 'add-missing',
});

/** A table with its row type erased, for the code that walks every table (DDL, writes): each table's rows feed its own columns. */
export type AnyTableDefinition = TableDefinition<unknown>;

/** Every table written from account projections, in write order. */
export const ACCOUNT_TABLES = [
  ACCOUNTS,
  ARR_SEGMENTS,
  CONTRACT_TERMS,
  RENEWAL_OUTCOMES,
  NPS_RESPONSES,
  REALISED_EXPANSION,
  PLAN_ACTIONS,
  SUPPORT_TICKETS,
  PRODUCTS,
] as unknown as readonly AnyTableDefinition[];

export type AccountRow = RowOf<typeof ACCOUNTS>;
