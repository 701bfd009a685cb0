import { Logger } from '@nestjs/common';
import { Client, Pool, PoolClient } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-database';
import { createPool } from './pool';

describe('createPool', () => {
  let db: TestDatabase;
  let pool: Pool;
  let admin: Client;
  beforeEach(async () => {
    db = await createTestDatabase('pool');
    pool = createPool(db.url, 2);
    admin = new Client({ connectionString: db.url });
    await admin.connect();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all([pool.end(), admin.end()]);
    await db.drop();
  });

  const pidOf = async (client: PoolClient) => (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  const failure = (statement: Promise<unknown>) =>
    statement.then(
      () => undefined,
      (error: Error) => error,
    );
  const terminate = (pid: number) => admin.query('SELECT pg_terminate_backend($1)', [pid]);

  it('outlives the server ending sessions that callers hold, idle between statements or in one, and goes on with new ones', async () => {
    // Held between statements: the error comes with no statement to fail. Without a listener, it would end the process.
    const between = await pool.connect();
    await terminate(await pidOf(between));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await failure(between.query('SELECT 1'));
    expect(refused).toBeInstanceOf(Error);
    // As the store and the projector do with a statement that failed: the connection goes back as broken.
    between.release(refused);

    // In a statement: the statement fails with it.
    const during = await pool.connect();
    const pid = await pidOf(during);
    // Its failure is taken at once: it may come before the terminating call answers, and a rejection left unheard
    // until then fails the test as an unhandled one.
    const sleeping = failure(during.query('SELECT pg_sleep(10)'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await terminate(pid);
    const failed = await sleeping;
    expect(failed?.message).toMatch(/terminat/);
    during.release(failed);

    expect(Logger.prototype.warn).toHaveBeenCalledWith(expect.stringMatching(/^connection lost while in use/));
    // Both broken connections were dropped; the pool serves from new ones.
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    expect(pool.totalCount).toBe(1);
  });
});
