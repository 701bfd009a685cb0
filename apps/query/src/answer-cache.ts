import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Client, Pool } from 'pg';
import { Counter, Gauge } from 'prom-client';
import { CLOCK, Clock, Metrics, PG_POOL } from '@rapport/platform';
import {
  parseReadModelNotice,
  READ_MODEL_CHANNEL,
  ReadModelNotice,
  readActiveReadModel,
  readCheckpoint,
  readModelVersion,
} from '@rapport/read-models';
import { AnswerStore, AnswerTicket } from './answer-store';
import { ReadModelReader } from './read-model-reader';

/** Answers kept per process (a few kilobytes each), beyond those of the accounts held ahead. */
const MAX_ANSWERS = 20_000;
/** Accounts whose answers a query process loads ahead, unless RAPPORT_ANSWER_CACHE_ACCOUNTS says otherwise. */
export const ACCOUNTS_AHEAD = 20_000;

/** What the cache keeps an answer under: the day (defaults such as "the last 365 days" count from today) and the URL. */
export function answerKey(now: Date, url: string): string {
  return `${now.toISOString().slice(0, 10)} ${url}`;
}

/** An answer to hold before it is asked for: the URL it answers and the one account it is about. */
export interface AnswerAhead {
  url: string;
  accountId: string;
  body: unknown;
}

/** Pages of answers about up to `accounts` accounts, read from the read model as it stands. */
export type AnswersAhead = (accounts: number) => AsyncIterable<AnswerAhead[]>;

/**
 * The answers of read-model routes, kept while they hold (`AnswerStore`). The projector notifies every commit that
 * changes the read model (its version: schema, position, evaluation day, and the accounts it wrote; see
 * `writeCheckpoint`) on one LISTEN connection per process. Without that connection (not yet up, or lost), nothing is
 * served from the cache.
 *
 * Account answers are also loaded ahead (`answerAhead`): those of the most recently active accounts, up to
 * RAPPORT_ANSWER_CACHE_ACCOUNTS, when the process starts and whenever every account's figures may have changed (a new
 * day, a rebuild's swap), so that an account's first reading is a lookup, not a query.
 */
@Injectable()
export class AnswerCache implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('answer-cache');
  private readonly answers: AnswerStore;
  private readonly accountsAhead: number;
  private ahead?: AnswersAhead;
  /** Counts the loads ahead begun, so that a newer one stops an older one. */
  private loadsAhead = 0;
  private listener?: Client;
  private closed = false;
  private readonly lookups: Counter<'result'>;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly reader: ReadModelReader,
    config: ConfigService,
    metrics: Metrics,
  ) {
    this.accountsAhead = Number(config.get<string>('RAPPORT_ANSWER_CACHE_ACCOUNTS') ?? ACCOUNTS_AHEAD);
    // Two answers an account (its profile and its health) held ahead, beside what the routes keep as they are asked.
    this.answers = new AnswerStore(MAX_ANSWERS + 2 * this.accountsAhead);
    this.lookups = new Counter({
      name: 'rapport_answer_cache_lookups_total',
      help: 'Answers of read-model routes looked up in the cache: hit, miss, or bypass (no LISTEN connection)',
      labelNames: ['result'],
      registers: [metrics.registry],
    });
    const answers = this.answers;
    new Gauge({
      name: 'rapport_answer_cache_answers',
      help: 'Answers of read-model routes the cache holds',
      registers: [metrics.registry],
      collect() {
        this.set(answers.size);
      },
    });
    new Gauge({
      name: 'rapport_answer_cache_position',
      help: "The read model's position as the cache last heard of it (-1: unknown, nothing is served from the cache)",
      registers: [metrics.registry],
      // Several query processes (RAPPORT_QUERY_PROCESSES): the one that has heard least.
      aggregator: 'min',
      collect() {
        this.set(answers.position ?? -1);
      },
    });
  }

  /** Registers where account answers come from, to be loaded ahead now (if the read model is known) and at each renewal. */
  answerAhead(answers: AnswersAhead): void {
    this.ahead = answers;
    if (this.answers.ticket()) void this.loadAhead();
  }

  onModuleInit(): void {
    void this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
  }

  /** Where the read model stands, or undefined when this process cannot know when it changes. */
  ticket(): AnswerTicket | undefined {
    return this.answers.ticket();
  }

  /** The kept answer, as JSON. */
  get(key: string): string | undefined {
    const body = this.answers.get(key);
    this.lookups.inc({ result: body === undefined ? 'miss' : 'hit' });
    return body;
  }

  /** Counts an answer the cache could not serve for want of the read model's version. */
  bypassed(): void {
    this.lookups.inc({ result: 'bypass' });
  }

  /** Keeps an answer whose computation began at `ticket` (`AnswerStore.set`). */
  set(key: string, ticket: AnswerTicket, body: unknown, accountId?: string): void {
    this.answers.set(key, ticket, body, accountId);
  }

  private async listen(): Promise<void> {
    const client = new Client(this.pool.options);
    const retry = () => {
      this.answers.moved(undefined);
      this.listener = undefined;
      client.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.listen(), 1_000).unref();
    };
    client.on('error', retry);
    try {
      await client.connect();
      client.on('notification', (message) => {
        // A notice this version cannot read leaves the version unknown: nothing is served until the next one.
        if (message.channel === READ_MODEL_CHANNEL) this.heard(parseReadModelNotice(message.payload ?? ''));
      });
      await client.query(`LISTEN ${READ_MODEL_CHANNEL}`);
      // After LISTEN, so that no change falls between reading the version and hearing of the next one.
      this.heard(await readCurrentVersion(client));
      this.listener = client;
      if (this.closed) await client.end();
    } catch {
      retry();
    }
  }

  private heard(notice: ReadModelNotice | undefined): void {
    if (this.answers.moved(notice) !== 'renewed') return;
    // Perhaps another schema: answers computed from here on must not read the one the reader still holds.
    this.reader.forgetActive();
    if (notice) void this.loadAhead();
  }

  /**
   * Loads the answers ahead, page by page, yielding to requests between pages. Answers about accounts that change
   * meanwhile are not kept (`AnswerStore.set`); a renewal meanwhile starts a new load, which stops this one.
   */
  private async loadAhead(): Promise<void> {
    const load = ++this.loadsAhead;
    const ticket = this.answers.ticket();
    if (!this.ahead || !ticket || this.accountsAhead === 0) return;
    const started = performance.now();
    const now = this.clock();
    let kept = 0;
    try {
      for await (const page of this.ahead(this.accountsAhead)) {
        // A newer load, or everything dropped since this one began: what it reads could not be kept.
        if (load !== this.loadsAhead || this.closed || !this.answers.holds(ticket)) return;
        for (const answer of page) if (this.answers.set(answerKey(now, answer.url), ticket, answer.body, answer.accountId)) kept++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.logger.log(`${kept} account answers loaded ahead in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      // The routes answer from the read model meanwhile; the next renewal loads again.
      this.logger.warn(`loading account answers ahead failed: ${(error as Error).message}`);
    }
  }
}

async function readCurrentVersion(client: Client): Promise<ReadModelNotice | undefined> {
  const active = await readActiveReadModel(client);
  if (!active) return undefined;
  const { position, evaluationDay } = await readCheckpoint(client, active.schema);
  return parseReadModelNotice(readModelVersion(active.schema, position, evaluationDay));
}
