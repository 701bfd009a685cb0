import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, ValidateBy, validateSync } from 'class-validator';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * A connection URL as `pg` takes it: a host, or a Unix socket's directory (percent-encoded as the host, or `?host=`),
 * which spares a server on the same machine the loopback TCP stack.
 */
export function isPostgresUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && (url.hostname !== '' || url.searchParams.has('host'));
}

/** Environment variables every Rapport app reads. Invalid ones stop the start with the variable's name. */
export class RapportEnvironment {
  /** HTTP port. Each app has its own default (standalone 3000, ingest 3001, query 3002, projector 3003). */
  @IsOptional()
  @Transform(({ value }) => (value === undefined || value === '' ? undefined : Number(value)))
  @IsInt({ message: 'PORT must be an integer from 0 to 65535' })
  @Min(0, { message: 'PORT must be an integer from 0 to 65535' })
  @Max(65535, { message: 'PORT must be an integer from 0 to 65535' })
  PORT?: number;

  /** PostgreSQL for the event store and read models. Standalone starts an embedded server when it is unset. */
  @IsOptional()
  @ValidateBy({ name: 'isPostgresUrl', validator: { validate: isPostgresUrl } }, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  /** Where the embedded PostgreSQL keeps its data (standalone without DATABASE_URL). */
  @IsOptional()
  @IsString()
  RAPPORT_DATA_DIR?: string;

  /** KurrentDB / EventStoreDB for the event store instead of PostgreSQL (read models stay on DATABASE_URL). */
  @IsOptional()
  @Matches(/^(kurrentdb|kurrentdb\+discover|esdb|esdb\+discover|kdb|kdb\+discover):\/\/\S+$/, {
    message: 'EVENTSTORE_URL must be a kurrentdb:// (or esdb://) connection string',
  })
  EVENTSTORE_URL?: string;

  /** Kafka bootstrap servers, host:port[,host:port]: Kafka in (rapport.ingest.v1) and out (rapport.account-health.v1). */
  @IsOptional()
  @Matches(/^([^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*)?$/, { message: 'KAFKA_BROKERS must be host:port[,host:port…] (empty: Kafka off)' })
  KAFKA_BROKERS?: string;

  /** Prefix of every topic name (default none): several deployments, or test suites, on one cluster. */
  @IsOptional()
  @Matches(/^[a-zA-Z0-9._-]{0,100}$/, { message: 'KAFKA_TOPIC_PREFIX may hold letters, digits, dot, dash and underscore' })
  KAFKA_TOPIC_PREFIX?: string;

  /** `true`: TLS to the Kafka brokers. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'KAFKA_SSL must be true or false' })
  KAFKA_SSL?: 'true' | 'false';

  /** With KAFKA_SSL: a PEM file of the CA certificates to trust instead of the system's (a private CA). */
  @IsOptional()
  @IsString()
  KAFKA_SSL_CA?: string;

  /** SASL to the Kafka brokers, with KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD. */
  @IsOptional()
  @IsIn(['plain', 'scram-sha-256', 'scram-sha-512'], { message: 'KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512' })
  KAFKA_SASL_MECHANISM?: 'plain' | 'scram-sha-256' | 'scram-sha-512';

  @IsOptional()
  @IsString()
  KAFKA_SASL_USERNAME?: string;

  @IsOptional()
  @IsString()
  KAFKA_SASL_PASSWORD?: string;

  /** Source systems the inbound Kafka topic may carry, comma-separated; others go to the DLQ as 403. Unset: any. */
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,63}(,[a-z0-9][a-z0-9_-]{0,63})*$/, {
    message: 'RAPPORT_KAFKA_SYSTEMS must be source system names, comma-separated',
  })
  RAPPORT_KAFKA_SYSTEMS?: string;

  /** Scoring weights, targets and churn points overriding the defaults, as JSON (README, Scoring). */
  @IsOptional()
  @IsString()
  RAPPORT_SCORING?: string;

  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: (typeof LOG_LEVELS)[number];

  /** `disabled` turns every credential check off, for local experiments only (a warning at every start). */
  @IsOptional()
  @IsIn(['enabled', 'disabled'], { message: 'RAPPORT_AUTH must be enabled or disabled' })
  RAPPORT_AUTH?: 'enabled' | 'disabled';

  /** A secret of at least 32 characters accepted as an admin key (for provisioning; rotate it by restarting). */
  @IsOptional()
  @IsString()
  @Matches(/^\S{32,}$/, { message: 'RAPPORT_BOOTSTRAP_KEY must be at least 32 characters, without spaces' })
  RAPPORT_BOOTSTRAP_KEY?: string;

  /** The identity provider whose JWTs are accepted (OIDC): its issuer URL, with RAPPORT_OIDC_AUDIENCE. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'RAPPORT_OIDC_ISSUER must be the issuer URL' })
  RAPPORT_OIDC_ISSUER?: string;

  @IsOptional()
  @IsString()
  @Matches(/^\S+$/, { message: 'RAPPORT_OIDC_AUDIENCE must be the audience tokens are issued for' })
  RAPPORT_OIDC_AUDIENCE?: string;

  /** The identity provider's JWKS; unset, its discovery document names it. */
  @IsOptional()
  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'RAPPORT_OIDC_JWKS_URL must be a URL' })
  RAPPORT_OIDC_JWKS_URL?: string;

  /** The dashboard's client id at the identity provider (a public client, PKCE): with it, the dashboard offers its sign-in. */
  @IsOptional()
  @IsString()
  @Matches(/^\S+$/, { message: 'RAPPORT_OIDC_CLIENT_ID must be the client id of the dashboard at the identity provider' })
  RAPPORT_OIDC_CLIENT_ID?: string;

  /** Requests per second per credential, counted over 10 s per process (429 with Retry-After beyond); 0: no limit. */
  @IsOptional()
  @Matches(/^\d{1,7}$/, { message: 'RAPPORT_RATE_LIMIT must be a whole number of requests per second (0: no limit)' })
  RAPPORT_RATE_LIMIT?: string;

  /** Messages of the inbound topic ingested as one command (one transaction); a larger fetch is taken that many at a time. */
  @IsOptional()
  @Matches(/^[1-9]\d{0,5}$/, { message: 'RAPPORT_KAFKA_COMMAND_EVENTS must be a whole number of messages from 1 to 999999' })
  RAPPORT_KAFKA_COMMAND_EVENTS?: string;

  /** Events folded into the account states that ingest keeps between commands (about half a KiB of memory each). */
  @IsOptional()
  @Matches(/^\d{1,9}$/, { message: 'RAPPORT_INGEST_CACHE_EVENTS must be a whole number of events (0: keep none)' })
  RAPPORT_INGEST_CACHE_EVENTS?: string;

  /** Accounts whose profile and health answers each query process loads ahead and keeps (most recently active first). */
  @IsOptional()
  @Matches(/^\d{1,7}$/, { message: 'RAPPORT_ANSWER_CACHE_ACCOUNTS must be a whole number of accounts (0: load none ahead)' })
  RAPPORT_ANSWER_CACHE_ACCOUNTS?: string;

  /**
   * Processes of the query service (services mode) serving its port together: 1 to 64, or `auto` for one per core.
   * Each keeps its own answer cache; /metrics answers for all of them.
   */
  @IsOptional()
  @Matches(/^(auto|[1-9]|[1-5]\d|6[0-4])$/, {
    message: 'RAPPORT_QUERY_PROCESSES must be a whole number of processes from 1 to 64, or auto (one per core)',
  })
  RAPPORT_QUERY_PROCESSES?: string;

  /** Most key accounts the programme should hold: GET /v1/portfolio/key-accounts shows the programme against it. */
  @IsOptional()
  @Matches(/^\d{1,6}$/, { message: 'RAPPORT_KEY_ACCOUNT_CAP must be a whole number of accounts' })
  RAPPORT_KEY_ACCOUNT_CAP?: string;

  /** `true`: /metrics answers without a credential (for a Prometheus without one). */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'RAPPORT_PUBLIC_METRICS must be true or false' })
  RAPPORT_PUBLIC_METRICS?: 'true' | 'false';

  /** `true`: /docs and /docs-json answer without a credential. */
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'RAPPORT_PUBLIC_DOCS must be true or false' })
  RAPPORT_PUBLIC_DOCS?: 'true' | 'false';

  /** Origins allowed to call the API from a browser, comma-separated; unset: no CORS headers at all. */
  @IsOptional()
  @Matches(/^(https?:\/\/[^\s,]+)(,https?:\/\/[^\s,]+)*$/, {
    message: 'RAPPORT_CORS_ORIGINS must be origins like https://app.example, comma-separated',
  })
  RAPPORT_CORS_ORIGINS?: string;
}

export class ConfigurationError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigurationError';
  }
}

/** Validates the environment (for `ConfigModule.forRoot({ validate })`), naming every bad variable. */
export function validateEnvironment(env: Record<string, unknown>): RapportEnvironment & Record<string, unknown> {
  const config = plainToInstance(RapportEnvironment, env);
  const errors = validateSync(config, { skipMissingProperties: false, whitelist: false });
  // A secret is named, never echoed.
  const secret = new Set(['RAPPORT_BOOTSTRAP_KEY', 'KAFKA_SASL_PASSWORD']);
  const shown = (e: (typeof errors)[number]) => (secret.has(e.property) ? '(hidden)' : JSON.stringify(e.value));
  const problems = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `${m} (got ${shown(e)})`));
  if (config.KAFKA_SASL_MECHANISM && (!config.KAFKA_SASL_USERNAME || !config.KAFKA_SASL_PASSWORD)) {
    problems.push('KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
  }
  if (config.RAPPORT_OIDC_CLIENT_ID && !config.RAPPORT_OIDC_ISSUER) problems.push('RAPPORT_OIDC_CLIENT_ID needs RAPPORT_OIDC_ISSUER');
  if (Boolean(config.RAPPORT_OIDC_ISSUER) !== Boolean(config.RAPPORT_OIDC_AUDIENCE)) {
    problems.push('RAPPORT_OIDC_ISSUER and RAPPORT_OIDC_AUDIENCE go together: set both or neither');
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return config as RapportEnvironment & Record<string, unknown>;
}
