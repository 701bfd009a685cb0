import { PositionedAccountEvent, ScoringConfig, StoredAccountEvent, utcDay } from '@rapport/domain';
import { AccountProjection, projectAccount } from './account-projection';
import { OutboundEvent, outboundEvents, OutboundFigures, outboundFigures, PreviousFigures } from './outbound-events';

/** What one batch of the log does to the read model: the touched accounts' new rows and the outbound events they raise. */
export interface ProjectedBatch {
  projections: AccountProjection[];
  outbound: OutboundEvent[];
}

/**
 * The projector's work on a batch, without I/O: each account touched by `batch` is projected from its whole stream
 * up to the batch (`streams`, which hold the batch's events too) at `at`, and compared with its `previous` stored
 * figures. Each outbound event names as cause the account's last event of the batch. The projector runs its two
 * halves apart (`projectTouched` ahead of the transaction, `outboundOfTouched` in it); this is the whole step, pure.
 */
export function projectBatch(
  batch: readonly StoredAccountEvent[],
  streams: ReadonlyMap<string, readonly PositionedAccountEvent[]>,
  previous: ReadonlyMap<string, PreviousFigures>,
  at: Date,
  config: ScoringConfig,
): ProjectedBatch {
  const projected = projectTouched([...lastEventOfEachAccount(batch)], streams, at, config);
  return {
    projections: projected.map((p) => p.projection),
    outbound: outboundOfTouched(
      projected.map(({ projection, cause }) => ({ figures: projection, cause })),
      previous,
    ),
  };
}

/** What outbound events name as their cause: an account's last event of the batch. */
export type EventCause = Pick<StoredAccountEvent, 'eventId' | 'globalPosition' | 'occurredAt'>;

export function causeOf(event: StoredAccountEvent): EventCause {
  return { eventId: event.eventId, globalPosition: event.globalPosition, occurredAt: event.occurredAt };
}

/** An account touched by a batch, projected, and the cause its outbound events name. */
export interface ProjectedAccount {
  projection: AccountProjection;
  cause: EventCause;
}

/**
 * A touched account as the projector keeps it from the projection to the batch's transaction: the figures its
 * outbound events compare with the stored ones, and their cause. The rest of the projection is in the batch's rows.
 */
export interface TouchedAccount {
  figures: OutboundFigures;
  cause: EventCause;
}

export function touchedAccount({ projection, cause }: ProjectedAccount): TouchedAccount {
  return { figures: outboundFigures(projection), cause };
}

/** Each account of `batch` and its last event in it, in the order of the accounts' first events. */
export function lastEventOfEachAccount(batch: readonly StoredAccountEvent[]): Map<string, StoredAccountEvent> {
  const last = new Map<string, StoredAccountEvent>();
  for (const event of batch) last.set(event.accountId, event);
  return last;
}

/**
 * projectBatch's first half, which needs no stored figures: the accounts (some of `lastEventOfEachAccount`) projected
 * from their streams at `at`. The projector runs it ahead of the batch's transaction, a slice at a time.
 */
export function projectTouched(
  accounts: ReadonlyArray<readonly [string, EventCause]>,
  streams: ReadonlyMap<string, readonly PositionedAccountEvent[]>,
  at: Date,
  config: ScoringConfig,
): ProjectedAccount[] {
  return accounts.map(([accountId, cause]) => ({ projection: project(accountId, streams.get(accountId) ?? [], at, config), cause }));
}

/** projectBatch's second half: what changed against the stored figures, as outbound events. */
export function outboundOfTouched(touched: readonly TouchedAccount[], previous: ReadonlyMap<string, PreviousFigures>): OutboundEvent[] {
  return touched.flatMap(({ figures, cause }) =>
    outboundEvents(
      previous.get(figures.accountId),
      figures,
      { eventId: cause.eventId, globalPosition: cause.globalPosition },
      cause.occurredAt,
    ),
  );
}

/**
 * The daily re-evaluation of accounts whose events have not changed: health decays with time alone. Outbound
 * events name the day and the checkpoint as their cause, so a repeated re-evaluation raises nothing new.
 */
export function reevaluateAccounts(
  streams: ReadonlyMap<string, readonly PositionedAccountEvent[]>,
  previous: ReadonlyMap<string, PreviousFigures>,
  checkpoint: number,
  at: Date,
  config: ScoringConfig,
): ProjectedBatch {
  const cause = { reevaluation: utcDay(at), globalPosition: checkpoint };
  const projections = [...streams].map(([accountId, events]) => project(accountId, events, at, config));
  const outbound = projections.flatMap((p) => outboundEvents(previous.get(p.accountId), p, cause, at.toISOString()));
  return { projections, outbound };
}

function project(accountId: string, events: readonly PositionedAccountEvent[], at: Date, config: ScoringConfig): AccountProjection {
  return projectAccount(accountId, events, events.length > 0 ? events[events.length - 1].globalPosition : 0, at, config);
}
