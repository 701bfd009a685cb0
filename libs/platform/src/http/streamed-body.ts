import type { Readable } from 'node:stream';
import { errorCodes } from 'fastify';

/**
 * Feeds a request body to `onChunk` as it arrives, then answers `done` with what `finish` makes of it (or the error it
 * throws). For Fastify content-type parsers that read the stream themselves (no `parseAs`): it keeps Fastify's own
 * limits, the body's size (413 as soon as it is passed) and its Content-Length.
 */
export function readStreamedBody<T>(
  payload: Readable,
  contentLength: number,
  maxBytes: number,
  onChunk: (chunk: Buffer) => void,
  finish: () => T,
  done: (error: Error | null, body?: T) => void,
): void {
  if (contentLength > maxBytes) {
    done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    return;
  }
  let received = 0;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes) {
      stop();
      done(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    onChunk(chunk);
  };
  const onEnd = (error?: Error & { statusCode?: number }) => {
    stop();
    if (error) {
      if (!(typeof error.statusCode === 'number' && error.statusCode >= 400)) error.statusCode = 400;
      done(error);
      return;
    }
    if (!Number.isNaN(contentLength) && received !== contentLength) {
      done(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
      return;
    }
    let body: T;
    try {
      body = finish();
    } catch (parseError) {
      done(parseError as Error);
      return;
    }
    done(null, body);
  };
  function stop() {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onEnd);
  }
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
  payload.resume();
}
