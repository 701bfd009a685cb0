import { PositionedAccountEvent, ScoringConfig, StoredAccountEvent, utcDay } from '@rapport/domain';
import { AccountProjection, projectAccount } from './account-projection';
import { OutboundEvent, outboundEvents, PreviousFigures } from './outbound-events';

/** What one batch of the log does to the read model: the touched accounts' new rows and the outbound events they raise. */
export interface ProjectedBatch {
  projections: AccountProjection[];
  outbound: OutboundEvent[];
}

/**
 * The projector's work on a batch, without I/O: each account touched by `batch` is projected from its whole stream
 * up to the batch (`streams`, which hold the batch's events too) at `at`, and compared with its `previous` stored
 * figures. Each outbound event names as cause the account's last event of the batch.
 */
export function projectBatch(
  batch: readonly StoredAccountEvent[],
  streams: ReadonlyMap<string, readonly PositionedAccountEvent[]>,
  previous: ReadonlyMap<string, PreviousFigures>,
  at: Date,
  config: ScoringConfig,
): ProjectedBatch {
  const lastOfBatch = new Map<string, StoredAccountEvent>();
  for (const event of batch) lastOfBatch.set(event.accountId, event);
  const projections: AccountProjection[] = [];
  const outbound: OutboundEvent[] = [];
  for (const [accountId, cause] of lastOfBatch) {
    const projection = project(accountId, streams.get(accountId) ?? [], at, config);
    projections.push(projection);
    outbound.push(
      ...outboundEvents(
        previous.get(accountId),
        projection,
        { eventId: cause.eventId, globalPosition: cause.globalPosition },
        cause.occurredAt,
      ),
    );
  }
  return { projections, outbound };
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
