import { CanActivate, ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ProblemException, problemTypes } from '../http/problem';
import { isPublicRoute } from './access.guard';
import { PRINCIPAL, RequestWithPrincipal } from './principal';

/** The window over which RAPPORT_RATE_LIMIT (requests per second) is counted: bursts within it are fine. */
export const RATE_WINDOW_SECONDS = 10;

const COUNTED = Symbol('rapport.rate-counted');

/**
 * Rate limits per credential (after the access guard has named the caller), not per address: one integration
 * behind a NAT does not starve another. Public probes are not counted. Counts are per process, one counter per
 * credential and window (rate-limiter-flexible): @nestjs/throttler kept a timestamp per request and scanned them
 * all at each request, which profiled as most of the HTTP edge's garbage at a few thousand requests a second.
 */
@Injectable()
export class CredentialRateLimitGuard implements CanActivate {
  private readonly limiter?: RateLimiterMemory;
  private readonly limit: number;

  constructor(
    private readonly reflector: Reflector,
    config: ConfigService,
  ) {
    const perSecond = Number(config.get<string>('RAPPORT_RATE_LIMIT') ?? 200);
    this.limit = perSecond * RATE_WINDOW_SECONDS;
    // 0 turns limits off (benchmarks).
    if (perSecond > 0) this.limiter = new RateLimiterMemory({ points: this.limit, duration: RATE_WINDOW_SECONDS });
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.limiter || isPublicRoute(this.reflector, context)) return true;
    const request = context.switchToHttp().getRequest<RequestWithPrincipal & { ip?: string; [COUNTED]?: true }>();
    // Once a request, however many times the guards run on it (the query service's cached answers run them first).
    if (request[COUNTED]) return true;
    request[COUNTED] = true;
    try {
      await this.limiter.consume(request[PRINCIPAL]?.id ?? String(request.ip));
      return true;
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      const retryAfter = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      throw new ProblemException(
        {
          type: problemTypes.tooManyRequests,
          title: 'Too many requests',
          status: HttpStatus.TOO_MANY_REQUESTS,
          detail: `this credential sent more than ${this.limit} requests in ${RATE_WINDOW_SECONDS} s; retry in ${retryAfter} s`,
        },
        { 'retry-after': String(retryAfter) },
      );
    }
  }
}
