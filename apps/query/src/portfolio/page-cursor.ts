import { HttpStatus } from '@nestjs/common';
import { problem, problemTypes } from '@rapport/platform';

/** Keyset cursors are the sort key of the last item, opaque to clients (base64url JSON). */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, shape: (key: unknown[]) => boolean): unknown[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key) && shape(key)) return key as unknown[];
  } catch {
    // fall through to the problem below
  }
  throw problem(HttpStatus.BAD_REQUEST, problemTypes.invalidRequest, 'Invalid request', 'the cursor is not one this route gave', [
    { field: 'cursor', message: 'is not a valid cursor' },
  ]);
}
