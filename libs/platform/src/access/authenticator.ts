import { createRemoteJWKSet, JWTPayload, jwtVerify } from 'jose';
import { timingSafeEqual } from 'node:crypto';
import { grantedBy, hashSecret, isScope, keyIdOf } from './api-key';
import { ApiKeyStore } from './key-store';
import { Principal } from './principal';

/** Why a request has no principal: each answers 401, with a detail that says which. */
export type AuthFailure = 'missing' | 'malformed' | 'unknown' | 'revoked' | 'expired' | 'invalid_token';

export type Authentication = { ok: true; principal: Principal } | { ok: false; failure: AuthFailure; detail: string };

export interface OidcSettings {
  issuer: string;
  audience: string;
  /** Where the signing keys are; unset: the issuer's discovery document says. */
  jwksUrl?: string;
}

const ALL_SCOPES = grantedBy(['admin']);
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Turns an `Authorization` header into a principal: an API key (`rpk_…`, checked against its stored hash), the
 * bootstrap key of RAPPORT_BOOTSTRAP_KEY, or a JWT from the company's identity provider (OIDC). With auth disabled,
 * everyone is an anonymous principal with every scope.
 */
export class Authenticator {
  private jwks?: ReturnType<typeof createRemoteJWKSet>;
  /** Hashed once: every request compares hashes, in constant time, and hashes what it presents once. */
  private readonly bootstrapHash?: Buffer;

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly options: { disabled: boolean; bootstrapKey?: string; oidc?: OidcSettings },
    private readonly clock: () => Date,
  ) {
    if (options.bootstrapKey !== undefined) this.bootstrapHash = hashSecret(options.bootstrapKey);
  }

  get disabled(): boolean {
    return this.options.disabled;
  }

  async authenticate(header: string | undefined): Promise<Authentication> {
    if (this.options.disabled) return { ok: true, principal: { id: 'anonymous', scopes: ALL_SCOPES, systems: 'any' } };
    if (!header) return { ok: false, failure: 'missing', detail: 'send Authorization: Bearer <API key or token>' };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return { ok: false, failure: 'malformed', detail: 'the Authorization header must be "Bearer <API key or token>"' };
    const secret = match[1];
    const presented = hashSecret(secret);
    if (this.bootstrapHash && timingSafeEqual(presented, this.bootstrapHash)) {
      return { ok: true, principal: { id: 'bootstrap', scopes: ALL_SCOPES, systems: 'any' } };
    }
    const keyId = keyIdOf(secret);
    if (keyId !== undefined) return this.apiKey(keyId, presented);
    if (this.options.oidc && JWT_SHAPE.test(secret)) return this.token(secret, this.options.oidc);
    return { ok: false, failure: 'unknown', detail: 'the credential is not a known API key or token' };
  }

  private async apiKey(keyId: string, presented: Buffer): Promise<Authentication> {
    const now = this.clock().getTime();
    const key = await this.keys.find(keyId, now);
    if (!key || key.hash.length !== presented.length || !timingSafeEqual(presented, key.hash))
      return { ok: false, failure: 'unknown', detail: 'the credential is not a known API key or token' };
    if (key.revokedAt) return { ok: false, failure: 'revoked', detail: `API key ${key.id} was revoked` };
    if (key.expiresAt && key.expiresAt.getTime() <= now) return { ok: false, failure: 'expired', detail: `API key ${key.id} expired` };
    const scopes = grantedBy(key.scopes);
    return { ok: true, principal: { id: key.id, scopes, systems: scopes.has('admin') ? 'any' : key.systems } };
  }

  /** A JWT of the identity provider: signature (keys rotate through the JWKS), issuer, audience, expiry; `scope` holds our scope names. */
  private async token(token: string, oidc: OidcSettings): Promise<Authentication> {
    let payload: JWTPayload;
    try {
      // A token signed with a key not in the cached set makes jose fetch the set again, at most every 5 s: rotation.
      this.jwks ??= createRemoteJWKSet(new URL(oidc.jwksUrl ?? (await discoverJwksUrl(oidc.issuer))), { cooldownDuration: 5_000 });
      ({ payload } = await jwtVerify(token, this.jwks, { issuer: oidc.issuer, audience: oidc.audience, currentDate: this.clock() }));
    } catch (error) {
      const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
      return { ok: false, failure: expired ? 'expired' : 'invalid_token', detail: `the token was refused: ${(error as Error).message}` };
    }
    if (typeof payload.sub !== 'string' || payload.sub === '')
      return { ok: false, failure: 'invalid_token', detail: 'the token has no subject' };
    const claimed = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(isScope) : [];
    const scopes = grantedBy(claimed);
    // People sign in with tokens; integrations write with API keys bound to their systems, unless the person is an admin.
    return { ok: true, principal: { id: `oidc:${payload.sub}`, scopes, systems: scopes.has('admin') ? 'any' : [] } };
  }
}

async function discoverJwksUrl(issuer: string): Promise<string> {
  const response = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`OIDC discovery at ${issuer} answered ${response.status}`);
  const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: unknown };
  if (typeof jwksUri !== 'string') throw new Error(`OIDC discovery at ${issuer} names no jwks_uri`);
  return jwksUri;
}
