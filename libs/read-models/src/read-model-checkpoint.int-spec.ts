import { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { ReadModelMoved, withCheckpoint } from './read-model-checkpoint';
import { createReadModelSchema, dropReadModelSchema, ensureActiveReadModel } from './read-model-schemas';
import { readCheckpoint } from './read-model-writer';

describe('withCheckpoint', () => {
  let database: TestDatabase;
  let pool: Pool;
  let active: string;
  beforeAll(async () => {
    database = await createTestDatabase('checkpoint');
    pool = new Pool({ connectionString: database.url, max: 2 });
    active = (await ensureActiveReadModel(pool)).schema;
    await pool.query('CREATE TABLE work_done (what text)');
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it("moves the checkpoint with the work's writes, or neither when the work fails", async () => {
    await withCheckpoint(pool, active, 0, async (client) => {
      await client.query("INSERT INTO work_done VALUES ('first')");
      return { position: 7, evaluationDay: '2026-12-02', accounts: ['a-1'] };
    });
    await expect(
      withCheckpoint(pool, active, 7, async (client) => {
        await client.query("INSERT INTO work_done VALUES ('second')");
        throw new Error('the work failed');
      }),
    ).rejects.toThrow('the work failed');
    const client = await pool.connect();
    try {
      expect(await readCheckpoint(client, active)).toEqual({ position: 7, evaluationDay: '2026-12-02' });
      const { rows } = await client.query('SELECT what FROM work_done');
      expect(rows).toEqual([{ what: 'first' }]);
    } finally {
      client.release();
    }
  });

  it('says the read model moved when the checkpoint is not where the writer left it', async () => {
    await expect(withCheckpoint(pool, active, 3, async () => ({ position: 9, evaluationDay: '2026-12-02' }))).rejects.toThrow(
      ReadModelMoved,
    );
  });

  it('says the read model moved when its schema is no longer active, or no longer there', async () => {
    const other = await createReadModelSchema(pool);
    const work = async () => ({ position: 1, evaluationDay: '2026-12-02' });
    await expect(withCheckpoint(pool, other, undefined, work)).rejects.toThrow(ReadModelMoved);
    await dropReadModelSchema(pool, other);
    await expect(withCheckpoint(pool, other, undefined, work)).rejects.toThrow(ReadModelMoved);
  });
});
