import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  OnModuleDestroy,
  OnModuleInit,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { LRUCache } from 'lru-cache';
import { Client, Pool } from 'pg';
import { Observable, of, tap } from 'rxjs';
import { Counter } from 'prom-client';
import { CLOCK, Clock, Metrics, PG_POOL } from '@rapport/platform';
import { READ_MODEL_CHANNEL, readActiveReadModel, readCheckpoint, readModelVersion } from '@rapport/read-models';

/** Answers kept per process (a few kilobytes each). */
const MAX_ANSWERS = 20_000;
/** Parameters whose answers are not the read model's current content: read from the log, or waiting for a position. */
const UNCACHED_PARAMETERS = ['asOf', 'at', 'minPosition'];

const CACHED = 'rapport:cached-answer';
/** The route answers from the read model alone: its answers may be kept until the read model changes. */
export const CachedAnswer = () => SetMetadata(CACHED, true);

/**
 * The answers of read-model routes, kept until the read model changes. The projector notifies every commit that
 * changes the read model (its version: schema, position, evaluation day; see `writeCheckpoint`) on one LISTEN
 * connection per process; an answer is served again only while the version it was computed under is the current one.
 * Without that connection (not yet up, or lost), nothing is served from the cache. Any projected event ends every
 * answer's life: simple, and exact, at the price of a low hit rate under a steady stream of writes.
 */
@Injectable()
export class AnswerCache implements OnModuleInit, OnModuleDestroy {
  private readonly answers = new LRUCache<string, { version: string; body: unknown }>({ max: MAX_ANSWERS });
  private listener?: Client;
  private current?: string;
  private closed = false;
  private readonly lookups: Counter<'result'>;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    metrics: Metrics,
  ) {
    this.lookups = new Counter({
      name: 'rapport_answer_cache_lookups_total',
      help: 'Answers of read-model routes looked up in the cache: hit, miss, or bypass (no LISTEN connection)',
      labelNames: ['result'],
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    void this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.listener?.end().catch(() => undefined);
  }

  /** The read model's version, or undefined when this process cannot know when it changes. */
  get version(): string | undefined {
    return this.current;
  }

  get(key: string): unknown {
    const entry = this.current === undefined ? undefined : this.answers.get(key);
    const body = entry && entry.version === this.current ? entry.body : undefined;
    this.lookups.inc({ result: body === undefined ? 'miss' : 'hit' });
    return body;
  }

  /** Counts an answer the cache could not serve for want of the read model's version. */
  bypassed(): void {
    this.lookups.inc({ result: 'bypass' });
  }

  /** Keeps an answer computed under `version` (read before computing it: a change meanwhile makes it stale at once). */
  set(key: string, version: string, body: unknown): void {
    this.answers.set(key, { version, body });
  }

  private async listen(): Promise<void> {
    const client = new Client(this.pool.options);
    const retry = () => {
      this.current = undefined;
      this.listener = undefined;
      client.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.listen(), 1_000).unref();
    };
    client.on('error', retry);
    try {
      await client.connect();
      client.on('notification', (message) => {
        if (message.channel === READ_MODEL_CHANNEL) this.current = message.payload;
      });
      await client.query(`LISTEN ${READ_MODEL_CHANNEL}`);
      // After LISTEN, so that no change falls between reading the version and hearing of the next one.
      this.current = await readCurrentVersion(client);
      this.listener = client;
      if (this.closed) await client.end();
    } catch {
      retry();
    }
  }
}

async function readCurrentVersion(client: Client): Promise<string | undefined> {
  const active = await readActiveReadModel(client);
  if (!active) return undefined;
  const { position, evaluationDay } = await readCheckpoint(client, active.schema);
  return readModelVersion(active.schema, position, evaluationDay);
}

/**
 * Serves `@CachedAnswer()` routes from the AnswerCache. The key is the URL with the day (defaults such as "the last
 * 365 days" or a renewal horizon count from today); routes asked about another time or position are not kept.
 * Access is checked before (guards run first), and answers do not depend on who asks.
 */
@Injectable()
export class AnswerCacheInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly cache: AnswerCache,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.reflector.get<boolean>(CACHED, context.getHandler())) return next.handle();
    const request = context.switchToHttp().getRequest<{ url: string; query: Record<string, unknown> }>();
    if (UNCACHED_PARAMETERS.some((name) => request.query[name] !== undefined)) return next.handle();
    const version = this.cache.version;
    if (version === undefined) {
      this.cache.bypassed();
      return next.handle();
    }
    const key = `${this.clock().toISOString().slice(0, 10)} ${request.url}`;
    const kept = this.cache.get(key);
    if (kept !== undefined) return of(kept);
    return next.handle().pipe(tap((body) => this.cache.set(key, version, body)));
  }
}
