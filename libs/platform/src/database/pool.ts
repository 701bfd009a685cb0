import { Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';

/** Where a pool reports lost connections: Nest's logger, or a worker thread's forwarder to its parent's. */
export interface PoolLog {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * A PostgreSQL pool whose lost connections never take the process down.
 *
 * pg-pool listens for errors on idle connections only. A connection a caller holds (a transaction in flight, the
 * event store's writer between two groups) emits its error with no listener when the server ends its session (a
 * restart, a failover, `pg_terminate_backend`), and an unheard error event ends a Node process. The statement in
 * flight, or the next one, fails with the error anyway, and pg-pool drops the connection when the caller gives it back.
 */
export function createPool(connectionString: string, max: number, logger: PoolLog = new Logger('postgres')): Pool {
  const pool = new Pool({ connectionString, max });
  pool.on('error', (error: Error & { code?: string }) => {
    // 57P01: the server is shutting down (Ctrl-C reaches the embedded server too): expected, not a warning.
    if (error.code === '57P01') logger.log('PostgreSQL is shutting down');
    else logger.warn(`idle connection lost: ${error.message}`);
  });
  const onHeldError = (error: Error) => logger.warn(`connection lost while in use: ${error.message}`);
  pool.on('acquire', (client: PoolClient) => client.on('error', onHeldError));
  pool.on('release', (_error: Error | undefined, client: PoolClient) => client.removeListener('error', onHeldError));
  return pool;
}
