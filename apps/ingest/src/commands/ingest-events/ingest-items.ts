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
 * within the command: the first delivery counts, the others answer with its result (`firstIndex`). Every bad item is
 * reported.
 */
export function validateItems(inputs: readonly unknown[], now: Date): ValidatedItems {
  const errors: ItemError[] = [];
  const items: IngestItem[] = [];
  const firstIndexOf = new Map<string, number>();
  for (let index = 0; index < inputs.length; index++) {
    const result = validateEnvelope(inputs[index], now);
    if (!result.ok) {
      for (const error of result.errors) errors.push({ index, ...error });
      continue;
    }
    const event = newAccountEvent(result.envelope);
    let firstIndex = firstIndexOf.get(event.eventId);
    if (firstIndex === undefined) {
      firstIndex = index;
      firstIndexOf.set(event.eventId, index);
    }
    items.push({ index, event, firstIndex });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, items };
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
