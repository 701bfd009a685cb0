import { RecordedEvent } from '@rapport/event-store';

/** A stored event as the API shows it: the envelope as received, plus what the platform added. */
export interface StoredEventView {
  eventId: string;
  type: string;
  accountId: string;
  occurredAt: string;
  source: { system: string; eventId: string };
  actor?: string;
  data: unknown;
  streamId: string;
  version: number;
  globalPosition: number;
  recordedAt: string;
  schemaVersion: number;
}

export function storedEventView(event: RecordedEvent): StoredEventView {
  const { accountId, occurredAt, source, actor } = event.metadata as Pick<StoredEventView, 'accountId' | 'occurredAt' | 'source' | 'actor'>;
  return {
    eventId: event.eventId,
    type: event.type,
    accountId,
    occurredAt,
    source,
    ...(actor !== undefined ? { actor } : {}),
    data: event.data,
    streamId: event.streamId,
    version: event.version,
    globalPosition: event.globalPosition,
    recordedAt: event.recordedAt.toISOString(),
    schemaVersion: event.schemaVersion,
  };
}
