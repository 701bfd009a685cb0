/** Who sends a command: recorded on every event it appends, and the source systems it may write for. */
export interface Writer {
  recordedBy: string;
  systems: readonly string[] | 'any';
}

/** Record facts from source systems: raw envelopes, validated and decided as one all-or-nothing command. */
export class IngestEventsCommand {
  constructor(
    readonly items: readonly unknown[],
    readonly writer: Writer,
    /** The channel, for metrics. */
    readonly via: 'http' | 'kafka' = 'http',
    /** Answered as a batch: errors name each item's index, even in a batch of one. */
    readonly batch: boolean = items.length !== 1,
  ) {}
}

export interface IngestResult {
  eventId: string;
  accountId: string;
  version: number;
  globalPosition: number;
  /** True when the idempotency key was seen before: nothing was appended and this is the first delivery's result. */
  duplicate: boolean;
}
