import { Pool } from 'pg';
import { accountIdOfStream, decodeStreamEvent, PositionedAccountEvent, ScoringConfig, utcDay } from '@rapport/domain';
import { EventStore, RecordedEvent } from '@rapport/event-store';
import { inTransaction } from '@rapport/postgres';
import { evaluationTime, projectAccount } from './account-projection';
import { createReadModelSchema, dropReadModelSchema, ensureActiveReadModel, readActiveReadModel } from './read-model-schemas';
import { AccountRows, writeAccountProjections, writeAccountRows, writeCheckpoint } from './read-model-writer';
import { READ_MODEL_VERSION } from './read-model.sql';

export interface RebuildOptions {
  /** Events read from the log at once. */
  pageSize?: number;
  /** Accounts written per transaction into the new schema. */
  writeChunk?: number;
  onProgress?: (progress: { phase: 'replay' | 'write' | 'swap'; events: number; accounts: number }) => void;
}

export interface RebuildResult {
  schema: string;
  previousSchema: string;
  events: number;
  accounts: number;
  position: number;
}

interface AccountLog {
  events: PositionedAccountEvent[];
  lastPosition: number;
}

/**
 * Replays the whole log into a new read model schema and swaps it in. The rows are the same function of
 * (account events, end of today) that the projector computes, each account computed once from all its events.
 * The swap catches up what was appended meanwhile and moves the active-schema pointer in one transaction that
 * holds the pointer row: the running projector (which holds it shared per batch) is between batches, then finds
 * the new schema and carries on from its checkpoint; queries move over at their next read. No downtime.
 */
export async function rebuildReadModels(
  pool: Pool,
  store: EventStore,
  clock: () => Date,
  config: ScoringConfig,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const pageSize = options.pageSize ?? 5_000;
  const writeChunk = options.writeChunk ?? 500;
  const previous = await ensureActiveReadModel(pool);
  const schema = await createReadModelSchema(pool);
  try {
    const accounts = new Map<string, AccountLog>();
    let position = 0;
    let events = 0;
    for (;;) {
      const page = await store.readAll({ after: position, limit: pageSize });
      for (const event of page) addEvent(accounts, event);
      events += page.length;
      if (page.length > 0) position = page[page.length - 1].globalPosition;
      options.onProgress?.({ phase: 'replay', events, accounts: accounts.size });
      if (page.length < pageSize) break;
    }

    const at = evaluationTime(clock());
    const ids = [...accounts.keys()].sort();
    for (let i = 0; i < ids.length; i += writeChunk) {
      const chunk = ids.slice(i, i + writeChunk);
      await inTransaction(pool, (client) =>
        writeAccountRows(
          client,
          // A fresh schema, each account written once: every account is new to it.
          new AccountRows(schema).add(
            chunk.map((id) => projectAccount(id, accounts.get(id)!.events, accounts.get(id)!.lastPosition, at, config)),
            'new',
          ),
        ),
      );
      options.onProgress?.({ phase: 'write', events, accounts: Math.min(i + writeChunk, ids.length) });
    }
    await inTransaction(pool, (client) => writeCheckpoint(client, schema, position, utcDay(at)));

    await inTransaction(pool, async (client) => {
      const active = await readActiveReadModel(client, 'update');
      if (active?.schema !== previous.schema)
        throw new Error(`the active read model changed during the rebuild (now ${active?.schema}); run it again`);
      // What was appended while the rebuild ran; the live projector waits on the pointer row meanwhile.
      const touched = new Set<string>();
      for (;;) {
        const page = await store.readAll({ after: position, limit: pageSize });
        for (const event of page) {
          addEvent(accounts, event);
          const accountId = accountIdOfStream(event.streamId);
          if (accountId !== undefined) touched.add(accountId);
        }
        events += page.length;
        if (page.length > 0) position = page[page.length - 1].globalPosition;
        if (page.length < pageSize) break;
      }
      await writeAccountProjections(
        client,
        schema,
        [...touched].map((id) => projectAccount(id, accounts.get(id)!.events, accounts.get(id)!.lastPosition, at, config)),
      );
      await writeCheckpoint(client, schema, position, utcDay(at));
      await client.query('UPDATE rapport_read_model_active SET schema_name = $1, version = $2, swapped_at = now()', [
        schema,
        READ_MODEL_VERSION,
      ]);
      options.onProgress?.({ phase: 'swap', events, accounts: accounts.size });
    });
    // Queries still reading the old schema hold locks that DROP waits for: they finish first.
    await dropReadModelSchema(pool, previous.schema);
    return { schema, previousSchema: previous.schema, events, accounts: accounts.size, position };
  } catch (error) {
    await dropReadModelSchema(pool, schema).catch(() => undefined);
    throw error;
  }
}

function addEvent(accounts: Map<string, AccountLog>, event: RecordedEvent): void {
  const accountId = accountIdOfStream(event.streamId);
  if (accountId === undefined) return;
  const log = accounts.get(accountId) ?? { events: [], lastPosition: 0 };
  log.events.push(decodeStreamEvent(event));
  log.lastPosition = event.globalPosition;
  accounts.set(accountId, log);
}
