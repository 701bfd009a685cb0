import { Pool, PoolClient } from 'pg';
import { inTransaction } from '@rapport/postgres';
import { readActiveReadModel } from './read-model-schemas';
import { readCheckpoint, writeCheckpoint } from './read-model-writer';

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
export function withCheckpoint(
  pool: Pool,
  schema: string,
  /** The checkpoint this writer last saw; undefined for a writer that works from whatever position is stored. */
  expectedPosition: number | undefined,
  /** `accounts`: the only accounts whose rows the work wrote, when it knows (readers' caches keep the others' answers). */
  work: (client: PoolClient, checkpoint: Checkpoint) => Promise<{ position: number; evaluationDay: string; accounts?: readonly string[] }>,
): Promise<Checkpoint> {
  return inTransaction(pool, async (client) => {
    const active = await readActiveReadModel(client, 'share');
    if (active?.schema !== schema) throw new ReadModelMoved(`${schema} is no longer the active schema`);
    const checkpoint = await readCheckpoint(client, schema, true);
    if (expectedPosition !== undefined && checkpoint.position !== expectedPosition)
      throw new ReadModelMoved(`checkpoint at ${checkpoint.position}, expected ${expectedPosition}`);
    const next = await work(client, checkpoint);
    if (next.position !== checkpoint.position || next.evaluationDay !== checkpoint.evaluationDay) {
      await writeCheckpoint(client, schema, next.position, next.evaluationDay, next.accounts);
    }
    return { position: next.position, evaluationDay: next.evaluationDay };
  });
}
