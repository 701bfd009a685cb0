import { ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { ProblemException, problemTypes } from '../http/problem';
import { isPublicRoute } from './access.guard';
import { PRINCIPAL, RequestWithPrincipal } from './principal';

/** The window over which RAPPORT_RATE_LIMIT (requests per second) is counted: bursts within it are fine. */
export const RATE_WINDOW_MS = 10_000;

/**
 * Rate limits per credential (after the access guard has named the caller), not per address: one integration
 * behind a NAT does not starve another. Public probes are not counted. Counts are per process.
 */
@Injectable()
export class CredentialThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    return (req as RequestWithPrincipal)[PRINCIPAL]?.id ?? String(req.ip);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return isPublicRoute(this.reflector, context);
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new ProblemException({
      type: problemTypes.tooManyRequests,
      title: 'Too many requests',
      status: HttpStatus.TOO_MANY_REQUESTS,
      detail: `this credential sent more than ${detail.limit} requests in ${detail.ttl / 1000} s; retry in ${detail.timeToBlockExpire} s`,
    });
  }
}
