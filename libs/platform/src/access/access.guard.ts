import { CanActivate, ExecutionContext, HttpStatus, Injectable, SetMetadata } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { ProblemException, problemTypes } from '../http/problem';
import { Scope } from './api-key';
import { Authentication, Authenticator } from './authenticator';
import { Principal, PRINCIPAL, RequestWithPrincipal } from './principal';

const ACCESS = 'rapport:access';
type Access = Scope | 'public' | { scope: Scope; publicWhen: string };

/** The scope a route needs. Routes without one need `admin`: a route forgotten here is closed, not open. */
export const RequiresScope = (scope: Scope) => SetMetadata(ACCESS, scope);
/** A route anyone may call (health probes). */
export const Public = () => SetMetadata(ACCESS, 'public');
/** A route that needs `scope` unless the configuration variable `publicWhen` is `true` (/metrics for a Prometheus without credentials). */
export const RequiresScopeUnlessPublic = (scope: Scope, publicWhen: string) => SetMetadata(ACCESS, { scope, publicWhen });

/** Whether a route is open to anyone (the health probes). */
export function isPublicRoute(reflector: Reflector, context: ExecutionContext): boolean {
  return reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]) === 'public';
}

/** Every route but the public ones: a credential (401 without a valid one), then the route's scope (403 without it). */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly config: ConfigService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS, [context.getHandler(), context.getClass()]) ?? 'admin';
    if (access === 'public') return true;
    if (typeof access === 'object' && this.config.get<string>(access.publicWhen) === 'true') return true;
    const required = typeof access === 'object' ? access.scope : access;
    const request = context.switchToHttp().getRequest<RequestWithPrincipal & { headers: Record<string, string | undefined> }>();
    // Established by this guard for this route already (the query service's cached answers run the guards first).
    if (request[PRINCIPAL]) return true;
    request[PRINCIPAL] = await authorize(this.authenticator, request.headers.authorization, required);
    return true;
  }
}

/** The principal of an Authorization header holding `scope`; throws the 401 or 403 problem otherwise. */
export async function authorize(authenticator: Authenticator, header: string | undefined, scope: Scope): Promise<Principal> {
  const result = await authenticator.authenticate(header);
  if (!result.ok) throw unauthenticated(result);
  if (!result.principal.scopes.has(scope)) {
    throw new ProblemException({
      type: problemTypes.forbidden,
      title: 'Forbidden',
      status: HttpStatus.FORBIDDEN,
      detail: `this route needs the scope ${scope}, which the credential does not have`,
      errors: [{ field: 'scope', message: `missing scope: ${scope}` }],
    });
  }
  return result.principal;
}

function unauthenticated(result: Extract<Authentication, { ok: false }>): ProblemException {
  // RFC 6750: a presented credential that fails is invalid_token; none at all gets the bare challenge.
  const challenge = result.failure === 'missing' ? 'Bearer realm="rapport"' : 'Bearer realm="rapport", error="invalid_token"';
  return new ProblemException(
    {
      type: problemTypes.unauthenticated,
      title: 'Unauthenticated',
      status: HttpStatus.UNAUTHORIZED,
      detail: result.detail,
      reason: result.failure,
    },
    { 'WWW-Authenticate': challenge },
  );
}

/** The principal the guard established for this request. */
export function principalOf(request: RequestWithPrincipal): Principal {
  const principal = request[PRINCIPAL];
  if (!principal) throw new Error('no principal on this request: is the route behind the access guard?');
  return principal;
}
