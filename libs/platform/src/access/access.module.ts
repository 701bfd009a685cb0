import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CanActivate, Global, Inject, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { Pool } from 'pg';
import { inTransaction } from '@rapport/postgres';
import { CLOCK, Clock } from '../clock';
import { PG_POOL } from '../database/database.module';
import { AccessGuard } from './access.guard';
import { CredentialRateLimitGuard } from './credential-rate-limit.guard';
import { Authenticator } from './authenticator';
import { ApiKeyStore } from './key-store';
import { AuthConfigController } from './auth-config.controller';
import { KeysController } from './keys.controller';

/**
 * The guards every route passes, in the order Nest runs them: the same instances, for a route answered before Nest's
 * pipeline (the query service's cached answers) to be refused exactly as Nest would refuse it.
 */
export const ROUTE_GUARDS = Symbol('rapport.route-guards');

/** Where the first start writes the admin key it created: beside the data directory, never inside it. */
export function adminKeyFile(dataDir: string | undefined): string {
  return join(dirname(resolve(dataDir ?? '.rapport/data')), 'admin-key');
}

/**
 * Identity and access for every app: API keys in PostgreSQL (`/v1/keys`), the bootstrap key, OIDC tokens, and the
 * guard that puts every route but the public ones behind a credential and a scope.
 */
@Global()
@Module({
  controllers: [KeysController, AuthConfigController],
  providers: [
    { provide: ApiKeyStore, inject: [PG_POOL], useFactory: (pool: Pool) => new ApiKeyStore(pool) },
    {
      provide: Authenticator,
      inject: [ApiKeyStore, ConfigService, CLOCK],
      useFactory: (keys: ApiKeyStore, config: ConfigService, clock: Clock) => {
        const issuer = config.get<string>('RAPPORT_OIDC_ISSUER');
        const audience = config.get<string>('RAPPORT_OIDC_AUDIENCE');
        return new Authenticator(
          keys,
          {
            disabled: config.get<string>('RAPPORT_AUTH') === 'disabled',
            bootstrapKey: config.get<string>('RAPPORT_BOOTSTRAP_KEY') || undefined,
            oidc: issuer && audience ? { issuer, audience, jwksUrl: config.get<string>('RAPPORT_OIDC_JWKS_URL') || undefined } : undefined,
          },
          clock,
        );
      },
    },
    AccessGuard,
    CredentialRateLimitGuard,
    // In this order: the caller is known before it is counted.
    { provide: APP_GUARD, useExisting: AccessGuard },
    { provide: APP_GUARD, useExisting: CredentialRateLimitGuard },
    { provide: ROUTE_GUARDS, inject: [AccessGuard, CredentialRateLimitGuard], useFactory: (...guards: CanActivate[]) => guards },
  ],
  exports: [ApiKeyStore, Authenticator, ROUTE_GUARDS],
})
export class AccessModule implements OnApplicationBootstrap {
  private readonly logger = new Logger('access');

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly authenticator: Authenticator,
    private readonly config: ConfigService,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.keys.migrate();
    if (this.authenticator.disabled) {
      this.logger.warn('RAPPORT_AUTH=disabled: every route is open to anyone who reaches this port, with every scope');
      return;
    }
    if (this.config.get<string>('RAPPORT_BOOTSTRAP_KEY')) return;
    await this.createFirstAdminKey();
  }

  /** Without a bootstrap key, the first start of a deployment creates an admin key, prints it once and keeps it in a 0600 file. */
  private async createFirstAdminKey(): Promise<void> {
    const created = await inTransaction(this.pool, async (client) => {
      // One process of a deployment creates it, however many start at once.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['rapport_first_admin_key']);
      if (await this.keys.hasActiveAdmin()) return undefined;
      return this.keys.create({ name: 'admin (created at first start)', scopes: ['admin'], systems: [], expiresAt: null });
    });
    if (!created) return;
    const file = adminKeyFile(this.config.get<string>('RAPPORT_DATA_DIR'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${created.secret}\n`, { mode: 0o600 });
    // Printed once, on purpose, to the console rather than the log stream.
    process.stdout.write(`\nRapport created an admin API key (shown once; also written to ${file}, mode 0600):\n\n  ${created.secret}\n\n`);
  }
}
