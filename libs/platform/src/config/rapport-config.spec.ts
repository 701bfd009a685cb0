import { ConfigurationError, validateEnvironment } from './rapport-config';

function problems(env: Record<string, string>): string[] {
  try {
    validateEnvironment(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.problems;
    throw error;
  }
  return [];
}

describe('the access and Kafka settings', () => {
  it('accept a complete set', () => {
    expect(
      problems({
        RAPPORT_AUTH: 'enabled',
        RAPPORT_BOOTSTRAP_KEY: 'k'.repeat(32),
        RAPPORT_OIDC_ISSUER: 'https://login.example.com/realms/sales',
        RAPPORT_OIDC_AUDIENCE: 'rapport',
        RAPPORT_CORS_ORIGINS: 'https://app.example.com,http://localhost:5173',
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'rapport',
        KAFKA_SASL_PASSWORD: 'secret',
        RAPPORT_KAFKA_SYSTEMS: 'crm,billing',
      }),
    ).toEqual([]);
  });

  it('name each bad one, and never echo a secret', () => {
    const found = problems({ RAPPORT_BOOTSTRAP_KEY: 'short-secret', RAPPORT_AUTH: 'off', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SSL: 'yes' });
    expect(found).toEqual(
      expect.arrayContaining([
        'RAPPORT_BOOTSTRAP_KEY must be at least 32 characters, without spaces (got (hidden))',
        'RAPPORT_AUTH must be enabled or disabled (got "off")',
        'KAFKA_SSL must be true or false (got "yes")',
        'KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
      ]),
    );
    expect(found.join('\n')).not.toContain('short-secret');
  });

  it('want the OIDC issuer and audience together', () => {
    expect(problems({ RAPPORT_OIDC_ISSUER: 'https://login.example.com' })).toEqual([
      'RAPPORT_OIDC_ISSUER and RAPPORT_OIDC_AUDIENCE go together: set both or neither',
    ]);
  });
});

describe('DATABASE_URL', () => {
  it('accepts a server by host, or by the directory of its Unix socket', () => {
    for (const url of [
      'postgres://rapport:secret@db.internal:5432/rapport',
      'postgresql://localhost/rapport',
      'postgres://postgres@%2Fvar%2Frun%2Fpostgresql/rapport',
      'postgres:///rapport?host=/var/run/postgresql',
    ]) {
      expect(problems({ DATABASE_URL: url })).toEqual([]);
    }
  });

  it('refuses another scheme, or no server at all', () => {
    for (const url of ['mysql://db/rapport', 'postgres://', 'postgres:///rapport', 'db.internal:5432']) {
      expect(problems({ DATABASE_URL: url })).toEqual([expect.stringMatching(/^DATABASE_URL must be a postgres:\/\/ URL/)]);
    }
  });
});

describe('RAPPORT_QUERY_PROCESSES', () => {
  it('takes 1 to 64 processes, or auto', () => {
    for (const value of ['1', '2', '64', 'auto']) expect([value, problems({ RAPPORT_QUERY_PROCESSES: value })]).toEqual([value, []]);
  });

  it('refuses none, too many, or anything else, naming it', () => {
    for (const value of ['0', '65', '02', 'two', '1.5']) {
      expect(problems({ RAPPORT_QUERY_PROCESSES: value })).toEqual([
        `RAPPORT_QUERY_PROCESSES must be a whole number of processes from 1 to 64, or auto (one per core) (got "${value}")`,
      ]);
    }
  });
});

describe('RAPPORT_KAFKA_COMMAND_EVENTS', () => {
  it('takes a whole number of messages from 1', () => {
    for (const value of ['1', '1000', '999999']) expect([value, problems({ RAPPORT_KAFKA_COMMAND_EVENTS: value })]).toEqual([value, []]);
  });

  it('refuses none, a fraction or anything else, naming it', () => {
    for (const value of ['0', '01', '1.5', '1000000', 'all']) {
      expect(problems({ RAPPORT_KAFKA_COMMAND_EVENTS: value })).toEqual([
        `RAPPORT_KAFKA_COMMAND_EVENTS must be a whole number of messages from 1 to 999999 (got "${value}")`,
      ]);
    }
  });
});
