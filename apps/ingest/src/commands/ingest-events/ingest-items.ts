import { NewAccountEvent, newAccountEvent, validateEnvelope } from '@rapport/domain';
import { ItemError } from './ingest-errors';
import { Writer } from './ingest-events.command';

/** A valid item of a command: its place in the input and the event it asks to record. */
export interface IngestItem {
  index: number;
  event: NewAccountEvent;
  /** Index of the first item with the same idempotency key: equal to `index` unless this item repeats an earlier one. */
  firstIndex: number;
}

export type ValidatedItems = { ok: true; items: IngestItem[] } | { ok: false; errors: ItemError[] };

/**
 * Validates every raw item against the catalog (`now` bounds occurredAt) and marks repeats of an idempotency key
 * within the command: the first delivery counts, the others answer with its result. Every bad item is reported.
 */
export function validateItems(inputs: readonly unknown[], now: Date): ValidatedItems {
  const errors: ItemError[] = [];
  const items: IngestItem[] = [];
  inputs.forEach((input, index) => {
    const result = validateEnvelope(input, now);
    if (result.ok) items.push({ index, event: newAccountEvent(result.envelope), firstIndex: index });
    else errors.push(...result.errors.map((e) => ({ index, ...e })));
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, items: markRepeats(items) };
}

/** The items whose source system the writer may not write for (a batch with one of them is refused whole). */
export function forbiddenItems(items: readonly IngestItem[], writer: Writer): ItemError[] {
  if (writer.systems === 'any') return [];
  const allowed = new Set(writer.systems);
  const list = writer.systems.length > 0 ? writer.systems.join(', ') : 'none';
  return items
    .filter((item) => !allowed.has(item.event.source.system))
    .map((item) => ({
      index: item.index,
      field: 'source.system',
      message: `this credential may write events of these source systems only: ${list}`,
    }));
}

/** Sets `firstIndex` of each item to the first item with its event id (its idempotency key). */
export function markRepeats(items: readonly IngestItem[]): IngestItem[] {
  const first = new Map<string, number>();
  return items.map((item) => {
    const firstIndex = first.get(item.event.eventId) ?? item.index;
    first.set(item.event.eventId, firstIndex);
    return { ...item, firstIndex };
  });
}
