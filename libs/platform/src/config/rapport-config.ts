import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, validateSync } from 'class-validator';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
  @IsUrl(
    { protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true },
    { message: 'DATABASE_URL must be a postgres:// URL' },
  )
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

  /** Scoring weights, targets and churn points overriding the defaults, as JSON (README, Scoring). */
  @IsOptional()
  @IsString()
  RAPPORT_SCORING?: string;

  @IsOptional()
  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: (typeof LOG_LEVELS)[number];
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
  if (errors.length > 0) {
    throw new ConfigurationError(
      errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `${m} (got ${JSON.stringify(e.value)})`)),
    );
  }
  return config as RapportEnvironment & Record<string, unknown>;
}
