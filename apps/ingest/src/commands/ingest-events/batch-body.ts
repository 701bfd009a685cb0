import { HttpStatus } from '@nestjs/common';
import { elementsInBody, MAX_BATCH_ITEMS, NdjsonBody, problem, problemTypes } from '@rapport/platform';

/**
 * The items of a batch body: a JSON array (application/json, its elements parsed as they arrived: `readJsonBody`) or
 * one envelope per line (application/x-ndjson, blank lines ignored, parsed as they arrived: `readNdjson`). A line
 * that is not JSON is reported with its item index, like any invalid item.
 */
export function parseBatchBody(contentType: string | undefined, body: unknown): readonly unknown[] {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  let items: readonly unknown[];
  /** How many envelopes the body held, when that is known: items past the limit are not parsed. */
  let count: number | undefined;
  if (mediaType === 'application/x-ndjson') {
    const ndjson = body instanceof NdjsonBody ? body : new NdjsonBody([], []);
    // Lines past the limit were not parsed: the batch is refused as too large below, whatever they held.
    if (ndjson.items.length <= MAX_BATCH_ITEMS) count = ndjson.items.length;
    if (count !== undefined && ndjson.malformed.length > 0) {
      throw problem(
        HttpStatus.BAD_REQUEST,
        problemTypes.malformed,
        'Malformed NDJSON',
        `${ndjson.malformed.length} line(s) are not JSON; nothing was appended`,
        ndjson.malformed.map(({ index, message }) => ({ index, field: '', message })),
      );
    }
    items = ndjson.items;
  } else if (mediaType === 'application/json') {
    if (!Array.isArray(body)) {
      throw problem(HttpStatus.BAD_REQUEST, problemTypes.invalid, 'Invalid batch', 'a JSON batch must be an array of event envelopes', [
        { field: '', message: 'must be a JSON array of event envelopes' },
      ]);
    }
    items = body;
    count = elementsInBody(body);
  } else {
    throw problem(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      problemTypes.unsupportedMediaType,
      'Unsupported media type',
      `send application/json (an array) or application/x-ndjson (one envelope per line), not ${mediaType || 'no Content-Type'}`,
    );
  }
  if (items.length === 0) {
    throw problem(HttpStatus.BAD_REQUEST, problemTypes.invalid, 'Empty batch', 'the batch holds no event', [
      { field: '', message: 'must hold at least one envelope' },
    ]);
  }
  if (items.length > MAX_BATCH_ITEMS) {
    throw problem(
      HttpStatus.PAYLOAD_TOO_LARGE,
      problemTypes.tooLarge,
      'Batch too large',
      `a batch holds at most ${MAX_BATCH_ITEMS} envelopes, this one ${count ?? 'more'}: split it`,
    );
  }
  return items;
}
