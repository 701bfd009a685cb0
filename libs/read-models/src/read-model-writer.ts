import { PoolClient } from 'pg';
import { AccountProjection } from './account-projection';
import { schemaName } from './read-model.sql';

/**
 * Replaces every row of the given accounts in a read model schema, inside the caller's transaction: the rows are
 * a function of each account's events, so replacing them whole makes a replay idempotent and a retraction exact.
 */
export async function writeAccountProjections(client: PoolClient, schema: string, projections: readonly AccountProjection[]): Promise<void> {
  if (projections.length === 0) return;
  const s = schemaName(schema);
  const ids = projections.map((p) => p.accountId);
  for (const table of ['rm_arr_segments', 'rm_contract_terms', 'rm_renewal_outcomes', 'rm_nps_responses', 'rm_realised_expansion']) {
    await client.query(`DELETE FROM ${s}.${table} WHERE account_id = ANY($1::text[])`, [ids]);
  }
  // One statement per table, each fed one JSON document: a round trip per table whatever the number of accounts.
  await client.query(
    `INSERT INTO ${s}.rm_accounts AS a (account_id, opened, name, segment, owner_id, key_account, arr, products, health_score, health_band,
       health_coverage, health, churn_score, churn, arr_at_risk, signals, open_renewals, evaluated_at, last_position)
     SELECT account_id, opened, name, segment, owner_id, key_account, arr, products, health_score, health_band,
       health_coverage, health, churn_score, churn, arr_at_risk, signals, open_renewals, evaluated_at, last_position
     FROM jsonb_to_recordset($1::jsonb) AS x(account_id text, opened boolean, name text, segment text, owner_id text, key_account boolean,
       arr jsonb, products text[], health_score double precision, health_band text, health_coverage double precision, health jsonb,
       churn_score double precision, churn jsonb, arr_at_risk jsonb, signals jsonb, open_renewals jsonb, evaluated_at timestamptz, last_position bigint)
     ON CONFLICT (account_id) DO UPDATE SET opened = excluded.opened, name = excluded.name, segment = excluded.segment,
       owner_id = excluded.owner_id, key_account = excluded.key_account, arr = excluded.arr, products = excluded.products,
       health_score = excluded.health_score, health_band = excluded.health_band, health_coverage = excluded.health_coverage,
       health = excluded.health, churn_score = excluded.churn_score, churn = excluded.churn, arr_at_risk = excluded.arr_at_risk,
       signals = excluded.signals, open_renewals = excluded.open_renewals, evaluated_at = excluded.evaluated_at,
       last_position = excluded.last_position`,
    [
      JSON.stringify(
        projections.map((p) => ({
          account_id: p.accountId,
          opened: p.profile.opened,
          name: p.profile.name,
          segment: p.profile.segment,
          owner_id: p.profile.ownerId,
          key_account: p.profile.keyAccount,
          arr: p.arr,
          products: p.products,
          health_score: p.health.score,
          health_band: p.health.band,
          health_coverage: p.health.coverage,
          health: p.health,
          churn_score: p.churn.score,
          churn: p.churn,
          arr_at_risk: p.arrAtRisk,
          signals: p.signals,
          open_renewals: p.openRenewals,
          evaluated_at: p.evaluatedAt.toISOString(),
          last_position: p.lastPosition,
        })),
      ),
    ],
  );
  const rows = <T>(pick: (p: AccountProjection) => T[]) => JSON.stringify(projections.flatMap((p) => pick(p).map((row, seq) => ({ account_id: p.accountId, seq, ...row }))));
  await client.query(
    `INSERT INTO ${s}.rm_arr_segments (account_id, contract_id, currency, valid_from, valid_to, arr)
     SELECT account_id, "contractId", currency, "from", "to", arr FROM jsonb_to_recordset($1::jsonb)
       AS x(account_id text, "contractId" text, currency text, "from" date, "to" date, arr numeric)`,
    [rows((p) => p.segments)],
  );
  await client.query(
    `INSERT INTO ${s}.rm_contract_terms (account_id, contract_id, currency, arr, end_date, renewal_due)
     SELECT account_id, "contractId", currency, arr, "endDate", "renewalDue" FROM jsonb_to_recordset($1::jsonb)
       AS x(account_id text, "contractId" text, currency text, arr numeric, "endDate" date, "renewalDue" date)`,
    [rows((p) => p.terms)],
  );
  await client.query(
    `INSERT INTO ${s}.rm_renewal_outcomes (account_id, renewal_id, outcome, occurred_at)
     SELECT account_id, "renewalId", outcome, "occurredAt" FROM jsonb_to_recordset($1::jsonb)
       AS x(account_id text, "renewalId" text, outcome text, "occurredAt" timestamptz)`,
    [rows((p) => p.renewalOutcomes)],
  );
  await client.query(
    `INSERT INTO ${s}.rm_nps_responses (account_id, seq, occurred_at, score)
     SELECT account_id, seq, "occurredAt", score FROM jsonb_to_recordset($1::jsonb) AS x(account_id text, seq int, "occurredAt" timestamptz, score int)`,
    [rows((p) => p.npsResponses)],
  );
  await client.query(
    `INSERT INTO ${s}.rm_realised_expansion (account_id, seq, contract_id, currency, effective_date, amount)
     SELECT account_id, seq, "contractId", currency, date, amount FROM jsonb_to_recordset($1::jsonb)
       AS x(account_id text, seq int, "contractId" text, currency text, date date, amount numeric)`,
    [rows((p) => p.realisedExpansion)],
  );
  await client.query(`INSERT INTO ${s}.rm_products (product) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [[...new Set(projections.flatMap((p) => p.products))]]);
}

export async function readCheckpoint(client: PoolClient, schema: string, forUpdate = false): Promise<{ position: number; evaluationDay: string | null }> {
  const { rows } = await client.query<{ position: string; evaluation_day: string | null }>(
    `SELECT position, to_char(evaluation_day, 'YYYY-MM-DD') AS evaluation_day FROM ${schemaName(schema)}.rm_checkpoint ${forUpdate ? 'FOR UPDATE' : ''}`,
  );
  return { position: Number(rows[0].position), evaluationDay: rows[0].evaluation_day };
}

export async function writeCheckpoint(client: PoolClient, schema: string, position: number, evaluationDay: string): Promise<void> {
  await client.query(`UPDATE ${schemaName(schema)}.rm_checkpoint SET position = $1, evaluation_day = $2`, [position, evaluationDay]);
}
