import { HttpStatus, Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { Pool, QueryResultRow } from 'pg';
import { PG_POOL, problem, ProblemException, problemTypes } from '@rapport/platform';
import { ActiveReadModel, ensureActiveReadModel, READ_MODEL_VERSION, readActiveReadModel } from '@rapport/read-models';

/** How long a `minPosition` read waits for the projector before answering 503. */
export const MIN_POSITION_WAIT_MS = 5_000;

/** How long a client is told to wait while the read model is upgraded (Retry-After, seconds). */
const UPGRADE_RETRY_AFTER_S = 10;

/** PostgreSQL's codes for a schema, table or column that does not exist. */
const MISSING_SCHEMA = '3F000';
const MISSING_TABLE = '42P01';
const MISSING_COLUMN = '42703';

/**
 * Reads the active read model. The active schema is cached and refreshed every second; a read that finds its
 * schema gone (a rebuild swapped it and dropped the old one) refreshes and runs once more.
 *
 * After an upgrade the active read model can be of an older version for as long as the projector rebuilds it: a
 * read of what only the new version holds then answers 503 with Retry-After, not a 500.
 */
@Injectable()
export class ReadModelReader implements OnModuleDestroy {
  private active?: Promise<ActiveReadModel>;
  private ensured = false;
  private readonly refresher: NodeJS.Timeout;

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {
    this.refresher = setInterval(() => (this.active = undefined), 1_000);
    this.refresher.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.refresher);
  }

  /**
   * Reads which read model is active again at the next query: the answer cache calls it when it hears of a swap, so
   * that no answer it keeps for the new schema is read from the old one.
   */
  forgetActive(): void {
    this.active = undefined;
  }

  /** The first read makes sure a read model exists (DDL under a lock); refreshes are one plain SELECT. */
  private activeReadModel(): Promise<ActiveReadModel> {
    this.active ??= this.ensured ? this.readActive() : ensureActiveReadModel(this.pool).then((active) => ((this.ensured = true), active));
    this.active.catch(() => (this.active = undefined));
    return this.active;
  }

  private async readActive(): Promise<ActiveReadModel> {
    const active = await readActiveReadModel(this.pool);
    if (!active) throw new Error('no active read model: rapport_read_model_active is empty');
    return active;
  }

  /**
   * Runs `sql(schema)`; every row also carries `as_of_position`, the read model's checkpoint in the same snapshot.
   * The SQL must select `(SELECT position FROM <schema>.rm_checkpoint) AS as_of_position` itself where it has rows;
   * `position()` covers answers without rows.
   */
  async query<R extends QueryResultRow>(sql: (schema: string) => string, params: unknown[] = []): Promise<R[]> {
    try {
      return await this.run<R>(sql, params);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== MISSING_TABLE && code !== MISSING_SCHEMA && code !== MISSING_COLUMN) throw error;
      this.active = undefined;
      return this.run<R>(sql, params);
    }
  }

  private async run<R extends QueryResultRow>(sql: (schema: string) => string, params: unknown[]): Promise<R[]> {
    const active = await this.activeReadModel();
    try {
      return (await this.pool.query<R>(sql(active.schema), params)).rows;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (active.version < READ_MODEL_VERSION && (code === MISSING_TABLE || code === MISSING_COLUMN)) {
        throw new ProblemException(
          {
            type: problemTypes.unavailable,
            title: 'Read model being upgraded',
            status: HttpStatus.SERVICE_UNAVAILABLE,
            detail:
              `the read model is version ${active.version} while the projector rebuilds it as version ${READ_MODEL_VERSION}, ` +
              `which this answer needs; retry in ${UPGRADE_RETRY_AFTER_S} s`,
          },
          { 'retry-after': String(UPGRADE_RETRY_AFTER_S) },
        );
      }
      throw error;
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
