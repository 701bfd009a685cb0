import { Pool, PoolClient, QueryResult } from 'pg';
import { readActiveReadModelSQL, activeReadModelOf, ActiveReadModelRow } from './read-model-schemas';
import { checkpointOf, CheckpointRow, readCheckpointSQL, writeCheckpointSQL } from './read-model-writer';

/** The read model moved under its writer (a rebuild swapped it, or another projector wrote it): start over from it. */
export class ReadModelMoved extends Error {
  constructor(detail: string) {
    super(`the read model moved: ${detail}`);
    this.name = 'ReadModelMoved';
  }
}

export interface Checkpoint {
  position: number;
  evaluationDay: string | null;
}

/**
 * Runs one write to the active read model in a transaction that holds the active-schema pointer (shared, so a
 * rebuild's swap waits for it) and the checkpoint row, and moves the checkpoint to what `work` returns.
 * `ReadModelMoved` when `schema` is no longer active or its checkpoint is not at `expectedPosition`: someone else
 * wrote it, and this writer's view of it is stale.
 */
export async function withCheckpoint(
  pool: Pool,
  schema: string,
  /** The checkpoint this writer last saw; undefined for a writer that works from whatever position is stored. */
  expectedPosition: number | undefined,
  /** `accounts`: the only accounts whose rows the work wrote, when it knows (readers' caches keep the others' answers). */
  work: (client: PoolClient, checkpoint: Checkpoint) => Promise<{ position: number; evaluationDay: string; accounts?: readonly string[] }>,
): Promise<Checkpoint> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // The transaction, the pointer and the checkpoint in one round trip, and the checkpoint's move with the commit in
    // another: on this machine each round trip's socket write cost the projector more CPU than its statements did.
    const [, active, stored] = (await client
      .query(`BEGIN; ${readActiveReadModelSQL('share')}; ${readCheckpointSQL(schema, true)}`)
      .catch((error: unknown) => {
        // The pointer moved and the schema it left is gone.
        throw (error as { code?: string }).code === UNDEFINED_TABLE ? new ReadModelMoved(`${schema} no longer exists`) : error;
      })) as unknown as QueryResult[];
    if (activeReadModelOf(active.rows as ActiveReadModelRow[])?.schema !== schema)
      throw new ReadModelMoved(`${schema} is no longer the active schema`);
    const checkpoint = checkpointOf(stored.rows[0] as CheckpointRow);
    if (expectedPosition !== undefined && checkpoint.position !== expectedPosition)
      throw new ReadModelMoved(`checkpoint at ${checkpoint.position}, expected ${expectedPosition}`);
    const next = await work(client, checkpoint);
    const moves = next.position !== checkpoint.position || next.evaluationDay !== checkpoint.evaluationDay;
    await client.query(moves ? `${writeCheckpointSQL(schema, next.position, next.evaluationDay, next.accounts)}; COMMIT` : 'COMMIT');
    return { position: next.position, evaluationDay: next.evaluationDay };
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}

const UNDEFINED_TABLE = '42P01';
