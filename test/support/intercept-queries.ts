import { PassThrough } from 'node:stream';
import { Pool } from 'pg';

/**
 * Runs `before` ahead of each query the pool's clients send: an Error fails the query (as a crash would, to
 * PostgreSQL), a promise holds it until it settles. A COPY (pg-copy-streams' query, a stream) can be failed, not held.
 */
export function interceptQueries(pool: Pool, before: (text: string) => Error | Promise<void> | undefined): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '');
      const verdict = before(text);
      // pg-pool's own pool.query passes a callback and waits for it, not for the promise.
      const callback = args[args.length - 1];
      if (isStream(args[0])) {
        if (verdict instanceof Error) {
          const failing = new PassThrough();
          process.nextTick(() => failing.destroy(verdict));
          return failing;
        }
        if (verdict) throw new Error('interceptQueries: a COPY cannot be held');
        return query(...args);
      }
      if (verdict instanceof Error) {
        if (typeof callback === 'function') {
          process.nextTick(() => (callback as (e: Error) => void)(verdict));
          return Promise.resolve();
        }
        return Promise.reject(verdict);
      }
      return verdict ? verdict.then(() => query(...args)) : query(...args);
    };
  });
}

function isStream(query: unknown): boolean {
  return typeof (query as { pipe?: unknown } | undefined)?.pipe === 'function';
}
