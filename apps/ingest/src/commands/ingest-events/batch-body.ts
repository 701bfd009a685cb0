import { HttpStatus } from '@nestjs/common';
import { problem, ProblemFieldError, problemTypes } from '@rapport/platform';

export const MAX_BATCH_ITEMS = 10_000;

/**
 * The items of a batch body: a JSON array (application/json) or one envelope per line (application/x-ndjson,
 * blank lines ignored). A line that is not JSON is reported with its item index, like any invalid item.
 */
export function parseBatchBody(contentType: string | undefined, body: unknown): unknown[] {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  let items: unknown[];
  if (mediaType === 'application/x-ndjson') {
    items = parseNdjson(typeof body === 'string' ? body : '');
  } else if (mediaType === 'application/json') {
    if (!Array.isArray(body)) {
      throw problem(HttpStatus.BAD_REQUEST, problemTypes.invalid, 'Invalid batch', 'a JSON batch must be an array of event envelopes', [
        { field: '', message: 'must be a JSON array of event envelopes' },
      ]);
    }
    items = body;
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
      `a batch holds at most ${MAX_BATCH_ITEMS} envelopes, this one ${items.length}: split it`,
    );
  }
  return items;
}

function parseNdjson(text: string): unknown[] {
  const items: unknown[] = [];
  const errors: ProblemFieldError[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      errors.push({ index: items.length, field: '', message: `is not valid JSON: ${(error as Error).message}` });
      items.push(undefined);
    }
    if (items.length > MAX_BATCH_ITEMS) break;
  }
  if (errors.length > 0 && items.length <= MAX_BATCH_ITEMS) {
    throw problem(
      HttpStatus.BAD_REQUEST,
      problemTypes.malformed,
      'Malformed NDJSON',
      `${errors.length} line(s) are not JSON; nothing was appended`,
      errors,
    );
  }
  return items;
}
