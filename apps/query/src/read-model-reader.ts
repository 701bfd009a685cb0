import { HttpStatus, Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool, QueryResultRow } from 'pg';
import { PG_POOL, problem, problemTypes } from '@rapport/platform';
import { ensureActiveReadModel, readActiveReadModel } from '@rapport/read-models';

/** How long a `minPosition` read waits for the projector before answering 503. */
export const MIN_POSITION_WAIT_MS = 5_000;

/**
 * Reads the active read model. The active schema is cached and refreshed every second; a read that finds its
 * schema gone (a rebuild swapped it and dropped the old one) refreshes and runs once more.
 */
@Injectable()
export class ReadModelReader implements OnModuleDestroy {
  private schema?: Promise<string>;
  private ensured = false;
  private readonly refresher: NodeJS.Timeout;

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {
    this.refresher = setInterval(() => (this.schema = undefined), 1_000);
    this.refresher.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.refresher);
  }

  /** The first read makes sure a read model exists (DDL under a lock); refreshes are one plain SELECT. */
  private activeSchema(): Promise<string> {
    this.schema ??= this.ensured
      ? this.readActive()
      : ensureActiveReadModel(this.pool).then((active) => ((this.ensured = true), active.schema));
    this.schema.catch(() => (this.schema = undefined));
    return this.schema;
  }

  private async readActive(): Promise<string> {
    const active = await readActiveReadModel(this.pool);
    if (!active) throw new Error('no active read model: rapport_read_model_active is empty');
    return active.schema;
  }

  /**
   * Runs `sql(schema)`; every row also carries `as_of_position`, the read model's checkpoint in the same snapshot.
   * The SQL must select `(SELECT position FROM <schema>.rm_checkpoint) AS as_of_position` itself where it has rows;
   * `position()` covers answers without rows.
   */
  async query<R extends QueryResultRow>(sql: (schema: string) => string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(sql(await this.activeSchema()), params)).rows;
    } catch (error) {
      if ((error as { code?: string }).code !== '42P01' && (error as { code?: string }).code !== '3F000') throw error;
      this.schema = undefined;
      return (await this.pool.query<R>(sql(await this.activeSchema()), params)).rows;
    }
  }

  async position(): Promise<number> {
    const [row] = await this.query<{ position: string }>((s) => `SELECT position FROM ${s}.rm_checkpoint`);
    return Number(row.position);
  }

  /** Read-your-writes: waits (bounded) until the read model holds position `minPosition`. */
  async waitFor(minPosition: number | undefined): Promise<void> {
    if (minPosition === undefined) return;
    const deadline = Date.now() + MIN_POSITION_WAIT_MS;
    while ((await this.position()) < minPosition) {
      if (Date.now() > deadline) {
        throw problem(
          HttpStatus.SERVICE_UNAVAILABLE,
          problemTypes.unavailable,
          'Read model behind',
          `the read model has not reached position ${minPosition} within ${MIN_POSITION_WAIT_MS} ms; retry`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
