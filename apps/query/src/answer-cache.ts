import { CanActivate, Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Type } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { RouteConfig } from '@nestjs/platform-fastify';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Client, Pool } from 'pg';
import { Counter, Gauge } from 'prom-client';
import { CLOCK, Clock, Metrics, PG_POOL, ProblemDetailsFilter, ROUTE_GUARDS } from '@rapport/platform';
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
/** Parameters whose answers are not the read model's current content: read from the log, or waiting for a position. */
const UNCACHED_PARAMETERS = ['asOf', 'at', 'minPosition'];

/** Where a cached route's Fastify config holds its `CachedRoute`. */
const CACHED_ROUTE = 'rapportCachedAnswer';

/** A route whose answers are kept: its options, and the controller and handler its guards read their metadata from. */
export interface CachedRoute {
  accountParam?: string;
  controller: Type;
  handler: (...args: unknown[]) => unknown;
}

/**
 * The route answers from the read model alone: its answers may be kept until the read model changes. `accountParam`:
 * the route parameter naming the one account whose read-model rows the answer is made of, so that the answer is kept
 * until that account changes, not until anything does. Held in the Fastify route's config, where `AnswerCacheHooks`
 * finds it before Nest's pipeline runs.
 */
export const CachedAnswer =
  (options: { accountParam?: string } = {}): MethodDecorator =>
  (target, key, descriptor) => {
    const route: CachedRoute = {
      ...options,
      controller: target.constructor as Type,
      handler: descriptor.value as unknown as CachedRoute['handler'],
    };
    RouteConfig({ [CACHED_ROUTE]: route })(target, key, descriptor);
  };

/** The `@CachedAnswer()` of a route's handler, if it has one. */
export function cachedRoute(handler: object): CachedRoute | undefined {
  return (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as { [CACHED_ROUTE]?: CachedRoute } | undefined)?.[CACHED_ROUTE];
}

/**
 * Whether the route has guards of its own (`@UseGuards` on it or on its controller), which `AnswerCacheHooks` does not
 * run: such a route is left to Nest's pipeline, and its answers are not kept. Read when first asked, once every
 * decorator (the controller's come last) has run.
 */
export function hasOwnGuards(route: CachedRoute): boolean {
  return [route.handler, route.controller].some((target) => ((Reflect.getMetadata(GUARDS_METADATA, target) as unknown[]) ?? []).length > 0);
}

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

/** What the hooks hold of a request to a cached route that Nest's pipeline answers: where its answer is to be kept. */
interface PendingAnswer {
  key: string;
  ticket: AnswerTicket;
  accountId?: string;
}

/**
 * Serves `@CachedAnswer()` routes from the AnswerCache at the HTTP edge: a Fastify `preHandler` hook runs the guards
 * every route passes (the same instances, in Nest's order: access, then rate limit), looks the answer up and sends it,
 * without Nest's pipeline (its interceptors' observables and its handler's wrapping took a fifth of the query
 * process's work a request; docs/benchmarks.md). A guard's refusal is answered by the same problem filter as Nest's.
 * An answer not held goes on through Nest's pipeline, whose guards know the request passed them (a principal
 * established, a request counted), and a `preSerialization` hook keeps what the handler returned (the object, before
 * Fastify turns it into JSON). The key is the URL with the day (defaults such as "the last 365 days" or a renewal
 * horizon count from today); routes asked about another time or position are not kept. Answers do not depend on who
 * asks.
 */
@Injectable()
export class AnswerCacheHooks implements OnModuleInit {
  private readonly pending = new WeakMap<FastifyRequest, PendingAnswer>();
  private readonly withOwnGuards = new WeakMap<CachedRoute, boolean>();
  private readonly problems = new ProblemDetailsFilter();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly cache: AnswerCache,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(ROUTE_GUARDS) private readonly guards: CanActivate[],
  ) {}

  /** Before `listen`: Fastify gives its routes the hooks registered until it is ready. */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('preHandler', (request, reply, done) => this.beforeHandler(request, reply, done));
    fastify.addHook('preSerialization', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
      const pending = this.pending.get(request);
      if (pending && reply.statusCode === 200) this.cache.set(pending.key, pending.ticket, payload, pending.accountId);
      done(null, payload);
    });
  }

  private beforeHandler(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
    const route = (request.routeOptions.config as { [CACHED_ROUTE]?: CachedRoute })[CACHED_ROUTE];
    const query = request.query as Record<string, unknown>;
    if (!route || this.ownGuards(route) || UNCACHED_PARAMETERS.some((name) => query[name] !== undefined)) return done();
    const context = new ExecutionContextHost([request, reply], route.controller, route.handler);
    this.keptAnswer(context, request, route).then(
      // Already JSON: sent as is, not serialised again at each request.
      (kept) => (kept === undefined ? done() : void reply.header('content-type', 'application/json; charset=utf-8').send(kept)),
      // A guard's refusal, or a failure, answered as Nest's filter answers it.
      (error: unknown) => this.problems.catch(error, context),
    );
  }

  private ownGuards(route: CachedRoute): boolean {
    let own = this.withOwnGuards.get(route);
    if (own === undefined) this.withOwnGuards.set(route, (own = hasOwnGuards(route)));
    return own;
  }

  /**
   * The kept answer for a caller the guards admit; undefined sends the request on through Nest's pipeline, with where
   * to keep its answer. A guard that refuses without throwing leaves it to Nest's pipeline, which runs them again.
   */
  private async keptAnswer(context: ExecutionContextHost, request: FastifyRequest, route: CachedRoute): Promise<string | undefined> {
    for (const guard of this.guards) if (!(await guard.canActivate(context))) return undefined;
    const ticket = this.cache.ticket();
    if (ticket === undefined) {
      this.cache.bypassed();
      return undefined;
    }
    const key = answerKey(this.clock(), request.url);
    const kept = this.cache.get(key);
    if (kept === undefined) {
      const accountId = route.accountParam === undefined ? undefined : (request.params as Record<string, string>)[route.accountParam];
      this.pending.set(request, { key, ticket, accountId });
    }
    return kept;
  }
}
