import { CanActivate, Inject, Injectable, OnModuleInit, Type } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import { HttpAdapterHost } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { RouteConfig } from '@nestjs/platform-fastify';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CLOCK, Clock, ProblemDetailsFilter, ROUTE_GUARDS } from '@rapport/platform';
import { AnswerCache, answerKey } from './answer-cache';
import { AnswerTicket } from './answer-store';

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
