import { money, Panel, Show } from '../components/states';
import { useApi } from '../components/use-api';
import { accountPath, PageLink } from '../components/page-link';
import { navigate, withParam } from '../router';

interface KeyAccounts {
  programme: { keyAccounts: number; cap: number; room: number; arrShare: Record<string, number> };
  candidates: boolean;
  items: Array<{
    accountId: string;
    name: string | null;
    ownerId: string | null;
    arr: Record<string, number>;
    fit: number | null;
    criteria: Record<string, number | null>;
  }>;
  truncated: boolean;
}

const CRITERIA: Array<[string, string]> = [
  ['arrRank', 'ARR rank'],
  ['expansionPotential', 'Expansion'],
  ['renewalLikelihood', 'Renewal'],
  ['relationshipStrength', 'Relationship'],
  ['strategicValue', 'Strategic'],
  ['logoValue', 'Logo'],
];

/** The key-account programme against its cap, its accounts by fit, and the accounts outside it that deserve promotion. */
export function KeyAccountsPage(props: { url: URL; reload: number }) {
  const candidates = props.url.searchParams.get('candidates') === 'true';
  const answer = useApi<KeyAccounts>(`/v1/portfolio/key-accounts?limit=100${candidates ? '&candidates=true' : ''}`, props.reload);
  const show = (value: boolean) => navigate(withParam(props.url, 'candidates', value ? 'true' : null), { replace: true });
  return (
    <main class="grid">
      <Panel title="Key-account programme" wide>
        <Show state={answer}>
          {(a) => (
            <>
              <p class="big">
                {a.programme.keyAccounts} of {a.programme.cap} key accounts{' '}
                <span class="muted">
                  {a.programme.room >= 0 ? `room for ${a.programme.room} more` : `${-a.programme.room} over the cap`}
                </span>
              </p>
              <p>
                Share of ARR:{' '}
                {Object.entries(a.programme.arrShare)
                  .map(([currency, share]) => `${(share * 100).toFixed(1)} % of ${currency}`)
                  .join(' · ') || '–'}
              </p>
            </>
          )}
        </Show>
      </Panel>
      <Panel title={candidates ? 'Candidates for the programme, by fit' : 'Key accounts, by fit'} wide>
        <div class="filters" role="group" aria-label="Which accounts">
          <button type="button" class={candidates ? '' : 'active'} aria-pressed={!candidates} onClick={() => show(false)}>
            In the programme
          </button>
          <button type="button" class={candidates ? 'active' : ''} aria-pressed={candidates} onClick={() => show(true)}>
            Candidates
          </button>
        </div>
        <Show
          state={answer}
          empty={(a) => a.items.length === 0}
          emptyText={candidates ? 'Every account is in the programme.' : 'No key account yet.'}
        >
          {(a) => (
            <table aria-label="Fit per account">
              <thead>
                <tr>
                  <th>Account</th>
                  <th>Owner</th>
                  <th>ARR</th>
                  <th>Fit</th>
                  {CRITERIA.map(([, label]) => (
                    <th key={label}>{label}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {a.items.map((item) => (
                  <tr key={item.accountId}>
                    <td>
                      <PageLink to={accountPath(item.accountId)}>{item.name ?? item.accountId}</PageLink>
                    </td>
                    <td>{item.ownerId ?? '–'}</td>
                    <td>{money(item.arr)}</td>
                    <td>
                      <strong>{item.fit ?? '–'}</strong>
                    </td>
                    {CRITERIA.map(([name]) => (
                      <td key={name}>{item.criteria[name] ?? '–'}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Show>
        <p class="muted">
          Each criterion is 0–100 (– without data); fit is their weighted mean over those with data (RAPPORT_SCORING's fitWeights).
        </p>
      </Panel>
    </main>
  );
}
