import { Pool } from 'pg';
import { migrate, Migration } from '@rapport/postgres';
import { newApiKeySecret, Scope } from './api-key';

export interface ApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  systems: string[];
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export interface StoredApiKey extends ApiKey {
  hash: Buffer;
}

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'api keys',
    sql: `
      CREATE TABLE rapport_api_keys (
        id         uuid        PRIMARY KEY,
        name       text        NOT NULL,
        hash       bytea       NOT NULL,
        scopes     text[]      NOT NULL,
        systems    text[]      NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz
      )`,
  },
];

interface KeyRow {
  id: string;
  name: string;
  hash: Buffer;
  scopes: Scope[];
  systems: string[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
}

const toKey = (r: KeyRow): StoredApiKey => ({
  id: r.id,
  name: r.name,
  hash: r.hash,
  scopes: r.scopes,
  systems: r.systems,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

/**
 * API keys in PostgreSQL, shared by every process of a deployment: only the SHA-256 of each secret is stored.
 * Lookups are cached for `cacheMs` per key, so a revocation reaches every process within that time.
 */
export class ApiKeyStore {
  private readonly cache = new Map<string, { key: StoredApiKey | undefined; until: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly cacheMs = 500,
  ) {}

  async migrate(): Promise<void> {
    await migrate(this.pool, 'rapport_api_keys', MIGRATIONS);
  }

  async create(input: {
    name: string;
    scopes: Scope[];
    systems: string[];
    expiresAt: Date | null;
  }): Promise<{ key: ApiKey; secret: string }> {
    const { id, secret, hash } = newApiKeySecret();
    const { rows } = await this.pool.query<KeyRow>(
      `INSERT INTO rapport_api_keys (id, name, hash, scopes, systems, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [id, input.name, hash, input.scopes, input.systems, input.expiresAt],
    );
    const { hash: _hash, ...key } = toKey(rows[0]);
    return { key, secret };
  }

  /** Every key, newest first, without secrets or hashes. */
  async list(): Promise<ApiKey[]> {
    const { rows } = await this.pool.query<KeyRow>('SELECT * FROM rapport_api_keys ORDER BY created_at DESC, id');
    return rows.map((r) => {
      const { hash: _hash, ...key } = toKey(r);
      return key;
    });
  }

  /** Revokes a key; false when there is no such key. A key revoked before stays revoked at its first time. */
  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE rapport_api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1', [id]);
    this.cache.delete(id);
    return (rowCount ?? 0) > 0;
  }

  /** The key with this id, as stored (cached for a moment). */
  async find(id: string, now: number): Promise<StoredApiKey | undefined> {
    const cached = this.cache.get(id);
    if (cached && cached.until > now) return cached.key;
    const { rows } = await this.pool.query<KeyRow>('SELECT * FROM rapport_api_keys WHERE id = $1', [id]);
    const key = rows[0] ? toKey(rows[0]) : undefined;
    this.cache.set(id, { key, until: now + this.cacheMs });
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    return key;
  }

  /** Whether an admin key that can still be used exists (the first start creates one when none does). */
  async hasActiveAdmin(): Promise<boolean> {
    const { rows } = await this.pool.query<{ found: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM rapport_api_keys WHERE 'admin' = ANY(scopes) AND revoked_at IS NULL
                      AND (expires_at IS NULL OR expires_at > now())) AS found`,
    );
    return rows[0].found;
  }
}
