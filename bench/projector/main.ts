/**
 * bench/projector: the read-model projector catching up a backlog, alone: a log of --events events is written first
 * (each of --accounts accounts opened, then interactions round-robin over them; by default every event opens an
 * account, as in bench:pipeline's burst), then a projector starts from the beginning and is timed until its checkpoint
 * reaches the log's head, with its CPU an event and PostgreSQL's. The slowest stage of bench:pipeline's burst, without
 * the other processes that share the cores there (ingest, the Kafka clients, the broker): an A/B of a change to the
 * projector reads here first. The outbox is written but not relayed (bench:pipeline has the relay).
 * `npm run bench:projector`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { DEFAULT_SCORING_CONFIG, encodeEvent, EventEnvelope, newAccountEvent } from '@rapport/domain';
import { NewEvent, PostgresEventStore } from '@rapport/event-store';
import { ReadModelProjector } from '@rapport/read-models';
import { benchServer } from '../support/bench-database';
import { CpuBudget, localPostgres, thisProcess } from '../support/process-cpu';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '30000' },
    accounts: { type: 'string' },
  },
});
const EVENTS = Number(args.events);
const ACCOUNTS = Math.min(EVENTS, Number(args.accounts ?? args.events));
/** Events an append, as ingest's batches write them. */
const APPEND_EVENTS = 1000;

/** The i-th event of the log: the accounts opened first, then interactions round-robin over them. */
function envelope(i: number, accountIds: readonly string[]): EventEnvelope {
  const accountId = accountIds[i % ACCOUNTS];
  const common = { accountId, occurredAt: new Date().toISOString(), source: { system: 'bench', eventId: randomUUID() } };
  return i < ACCOUNTS
    ? { ...common, type: 'AccountOpened', data: { name: accountId, segment: 'enterprise' } }
    : {
        ...common,
        type: 'InteractionLogged',
        data: { interactionId: `i-${i}`, channel: 'meeting', direction: 'outbound', sentiment: 0.35, summary: 'Quarterly review' },
      };
}

/** Writes the log, APPEND_EVENTS at a time, each account's events in order; returns the last position. */
async function writeLog(store: PostgresEventStore): Promise<number> {
  const accountIds = Array.from({ length: ACCOUNTS }, () => `p-${randomUUID().slice(0, 12)}`);
  const versions = new Map<string, number>();
  let head = 0;
  for (let first = 0; first < EVENTS; first += APPEND_EVENTS) {
    const byAccount = new Map<string, NewEvent[]>();
    for (let i = first; i < Math.min(first + APPEND_EVENTS, EVENTS); i++) {
      const event = envelope(i, accountIds);
      const events = byAccount.get(event.accountId) ?? [];
      events.push(encodeEvent(newAccountEvent(event)));
      byAccount.set(event.accountId, events);
    }
    const results = await store.append(
      [...byAccount].map(([accountId, events]) => {
        const version = versions.get(accountId);
        versions.set(accountId, (version ?? -1) + events.length);
        return { streamId: `account-${accountId}`, expectedVersion: version === undefined ? ('no_stream' as const) : version, events };
      }),
    );
    head = Math.max(head, ...results.flat().map((r) => r.globalPosition));
  }
  return head;
}

async function main(): Promise<void> {
  const server = await benchServer();
  const url = await server.newDatabase('rapport_bench_projector');
  const pool = new Pool({ connectionString: url, max: 10 });
  const store = new PostgresEventStore(pool);
  console.log(
    `bench/projector: ${EVENTS.toLocaleString('en-US')} events over ${ACCOUNTS.toLocaleString('en-US')} accounts; ${cpus().length} × ${cpus()[0].model}; Node ${process.version}`,
  );
  console.log(`database: ${server.description}`);
  try {
    await store.migrate();
    const head = await writeLog(store);
    // The log's writes on disk before the projector starts, so that it does not pay for them.
    await pool.query('CHECKPOINT').catch(() => undefined);
    const projector = new ReadModelProjector(pool, store, () => new Date(), DEFAULT_SCORING_CONFIG, {
      info: () => undefined,
      error: (message, error) => console.error(message, error),
    });
    const cpu = new CpuBudget([thisProcess('projector'), await localPostgres(url)]);
    cpu.start();
    const started = performance.now();
    projector.start();
    while (projector.checkpoint < head) await new Promise((resolve) => setTimeout(resolve, 5));
    const seconds = (performance.now() - started) / 1000;
    cpu.stop();
    await projector.stop();
    console.log(
      `\n| events | accounts | seconds | events/s |\n|---:|---:|---:|---:|\n| ${EVENTS.toLocaleString('en-US')} | ${ACCOUNTS.toLocaleString('en-US')} | ${seconds.toFixed(2)} | ${Math.round(EVENTS / seconds).toLocaleString('en-US')} |`,
    );
    console.log(`\n${cpu.report(EVENTS)}`);
  } finally {
    await store.close();
    await pool.end();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
