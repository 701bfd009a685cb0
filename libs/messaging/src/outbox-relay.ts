import { Pool, PoolClient } from 'pg';
import { MessageBus, MessageProducer } from './message-bus.port';

export interface RelayLog {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

const LEADER_LOCK = 'rapport_outbox_relay';

/**
 * Publishes the transactional outbox (`rapport_outbox`, written by the projector) to Kafka, oldest first: keyed by
 * accountId, with an idempotent producer, then marks the rows sent. A crash between the send and the mark, or a
 * broker outage, means the same rows are sent again later, with the same eventIds, in the same order: delayed,
 * never lost or reordered per account. One relay at a time, whatever the number of processes (advisory lock).
 */
export class OutboxRelay {
  private stopped = false;
  private running?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly pool: Pool,
    private readonly bus: MessageBus,
    private readonly topic: string,
    private readonly log: RelayLog,
    private readonly options: { batchSize?: number; idleWaitMs?: number; retryDelayMs?: number } = {},
  ) {}

  start(): void {
    this.stopped = false;
    this.running = this.run();
  }

  /** Finishes the batch in hand (sent and marked), then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let client: PoolClient | undefined;
      let producer: MessageProducer | undefined;
      try {
        client = await this.pool.connect();
        const { rows } = await client.query<{ leader: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS leader', [LEADER_LOCK]);
        if (!rows[0].leader) {
          await this.idle(1_000);
          continue;
        }
        await client.query('LISTEN rapport_outbox');
        client.on('notification', () => this.wake?.());
        producer = await this.bus.producer();
        while (!this.stopped) {
          const sent = await this.relayBatch(client, producer);
          failures = 0;
          if (sent === 0) await this.idle(this.options.idleWaitMs ?? 500);
        }
      } catch (error) {
        failures += 1;
        this.log.error(`outbox relay failed; retrying (failure ${failures} in a row)`, error);
        await this.idle(Math.min(5_000, (this.options.retryDelayMs ?? 100) * 2 ** (failures - 1)));
      } finally {
        await producer?.disconnect().catch(() => undefined);
        if (client) {
          await client.query('UNLISTEN *; SELECT pg_advisory_unlock_all()').catch(() => undefined);
          client.removeAllListeners('notification');
          client.release();
        }
      }
    }
  }

  private async relayBatch(client: PoolClient, producer: MessageProducer): Promise<number> {
    const { rows } = await client.query<{ seq: string; event_id: string; account_id: string; type: string; payload: unknown }>(
      'SELECT seq, event_id, account_id, type, payload FROM rapport_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT $1',
      [this.options.batchSize ?? 500],
    );
    if (rows.length === 0) return 0;
    await producer.send(
      this.topic,
      rows.map((r) => ({ key: r.account_id, value: JSON.stringify(r.payload), headers: { 'rapport-event-id': r.event_id, 'rapport-event-type': r.type } })),
    );
    await client.query('UPDATE rapport_outbox SET sent_at = now() WHERE seq = ANY($1::bigint[])', [rows.map((r) => r.seq)]);
    return rows.length;
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
      if (this.stopped) done();
    });
  }
}
