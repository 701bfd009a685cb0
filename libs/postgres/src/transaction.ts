import { Pool, PoolClient } from 'pg';

/**
 * Runs `work` in a transaction: on a client of `pool` (released afterwards), or on a client the caller holds.
 * COMMIT when `work` resolves, ROLLBACK when it throws; the error is rethrown. A client whose ROLLBACK failed is
 * discarded rather than returned to the pool, since its session state is unknown.
 */
export async function inTransaction<T>(on: Pool | PoolClient, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const owned = isPool(on);
  const client = owned ? await on.connect() : on;
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    if (owned) client.release(broken);
  }
}

function isPool(on: Pool | PoolClient): on is Pool {
  return on instanceof Pool || typeof on.release !== 'function';
}
