import { Pool, PoolClient } from 'pg';
import { Backoff, sleep, supervise, WakeSignal } from '@rapport/retry';
import { RELAYED_UP_TO_SQL } from '@rapport/read-models';
import { compactJsonbText } from './compact-jsonb-text';
import { MessageBus, MessageProducer } from './message-bus.port';

export interface RelayLog {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

const LEADER_LOCK = 'rapport_outbox_relay';

/**
 * Publishes the transactional outbox (`rapport_outbox`, written by the projector) to Kafka, oldest first: keyed by
 * accountId, with an idempotent producer, then records the batch as relayed: one row in `rapport_outbox_relayed`
 * with its last `seq` (marking each row sent rewrote it, the outbox's largest cost to PostgreSQL). A crash between the
 * send and the record, or a broker outage, means the same rows are sent again later, with the same eventIds, in the
 * same order: delayed, never lost or reordered per account. One relay at a time, whatever the number of processes
 * (advisory lock), so no two relays record batches at once.
 */
export class OutboxRelay {
  private abort = new AbortController();
  private running?: Promise<void>;
  /** Notified at each commit that wrote to the outbox. */
  private readonly news = new WakeSignal();
  private readonly backoff: Backoff;

  constructor(
    private readonly pool: Pool,
    private readonly bus: MessageBus,
    private readonly topic: string,
    private readonly log: RelayLog,
    private readonly options: { batchSize?: number; idleWaitMs?: number; retryDelayMs?: number } = {},
  ) {
    this.backoff = new Backoff({ initialMs: options.retryDelayMs ?? 100 });
  }

  start(): void {
    this.abort = new AbortController();
    this.running = supervise(() => this.relayWhileLeader(), {
      signal: this.abort.signal,
      backoff: this.backoff,
      onFailure: (error, failures) => this.log.error(`outbox relay failed; retrying (failure ${failures} in a row)`, error),
    });
  }

  /** Finishes the batch in hand (sent and marked), then stops. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  /** Takes the leader lock (or waits a second for it) and relays until stopped or something fails. */
  private async relayWhileLeader(): Promise<void> {
    let client: PoolClient | undefined;
    let producer: MessageProducer | undefined;
    try {
      client = await this.pool.connect();
      const { rows } = await client.query<{ leader: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS leader', [LEADER_LOCK]);
      if (!rows[0].leader) return await sleep(1_000, this.abort.signal);
      await client.query('LISTEN rapport_outbox');
      client.on('notification', () => this.news.notify());
      producer = await this.bus.producer();
      while (!this.abort.signal.aborted) {
        // A commit heard while the batch is read may hold rows that read missed: it ends the wait below at once.
        this.news.clear();
        const sent = await this.relayBatch(client, producer);
        this.backoff.succeeded();
        if (sent === 0) await this.news.wait(this.options.idleWaitMs ?? 500, this.abort.signal);
      }
    } finally {
      await producer?.disconnect().catch(() => undefined);
      if (client) {
        await client.query('UNLISTEN *; SELECT pg_advisory_unlock_all()').catch(() => undefined);
        client.removeAllListeners('notification');
        client.release();
      }
    }
  }

  private async relayBatch(client: PoolClient, producer: MessageProducer): Promise<number> {
    // The payload's text as stored, compacted into bytes (compactJsonbText): JSON.stringify's, as the projector wrote
    // it, or jsonb's for rows written before the column became json, whose spaces go. Either way the bytes of
    // JSON.stringify of the parsed value, for about a third of the CPU of parsing and serialising it again.
    const { rows } = await client.query<{ seq: string; event_id: string; account_id: string; type: string; payload: string }>(
      `SELECT seq, event_id, account_id, type, payload::text AS payload FROM rapport_outbox
       WHERE seq > (${RELAYED_UP_TO_SQL}) ORDER BY seq LIMIT $1`,
      [this.options.batchSize ?? 500],
    );
    if (rows.length === 0) return 0;
    await producer.send(
      this.topic,
      rows.map((r) => ({
        key: r.account_id,
        value: compactJsonbText(r.payload),
        headers: { 'rapport-event-id': r.event_id, 'rapport-event-type': r.type },
      })),
    );
    await client.query('INSERT INTO rapport_outbox_relayed (up_to_seq) VALUES ($1)', [rows[rows.length - 1].seq]);
    return rows.length;
  }
}
