import { Rejection } from '@rapport/domain';

/** What was wrong with one item of a command. `index` is the item's place in the command's input. */
export interface ItemError {
  index: number;
  field: string;
  message: string;
}

/** Why a command appended nothing. The edges turn these into answers: problem+json over HTTP, DLQ headers on Kafka. */
export abstract class IngestRefused extends Error {
  abstract readonly kind: IngestRefusal['kind'];

  constructor(
    message: string,
    /** The command held one item (POST /v1/events, a Kafka message taken alone): errors need no index. */
    readonly single: boolean,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Items that do not match the catalog. Permanent: the same input is refused again. */
export class EventsInvalid extends IngestRefused {
  readonly kind = 'invalid';

  constructor(
    readonly errors: ItemError[],
    single: boolean,
  ) {
    super(`${new Set(errors.map((e) => e.index)).size} item(s) do not match the catalog`, single);
  }
}

/** Items of source systems the sender may not write for. Permanent: the same sender is refused again. */
export class EventsForbidden extends IngestRefused {
  readonly kind = 'forbidden';

  constructor(
    readonly errors: ItemError[],
    single: boolean,
  ) {
    super(`${errors.length} item(s) are of source systems the sender may not write for`, single);
  }
}

/** Items that break a rule of their account's state (or name an unopened account). Permanent for the same stream. */
export class EventsRejected extends IngestRefused {
  readonly kind = 'rejected';

  constructor(
    readonly rejections: Array<{ index: number; rejection: Rejection }>,
    single: boolean,
  ) {
    super(`${rejections.length} item(s) break a rule of their account`, single);
  }
}

/** Other writers kept changing the accounts through every attempt. Transient: a later delivery may pass. */
export class WritesKeptConflicting extends IngestRefused {
  readonly kind = 'conflicting';

  constructor(
    readonly attempts: number,
    single: boolean,
  ) {
    super(`the accounts kept changing through ${attempts} attempts`, single);
  }
}

/** The instance is stopping and takes no new command. Transient: another instance, or this one later, will. */
export class IngestShuttingDown extends IngestRefused {
  readonly kind = 'shutting-down';

  constructor(single: boolean) {
    super('this instance is shutting down', single);
  }
}

export type IngestRefusal = EventsInvalid | EventsForbidden | EventsRejected | WritesKeptConflicting | IngestShuttingDown;

/** Whether a later delivery of the same input could be accepted. */
export function isPermanent(error: IngestRefusal): boolean {
  return error.kind === 'invalid' || error.kind === 'forbidden' || error.kind === 'rejected';
}
