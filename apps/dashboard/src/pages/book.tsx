import { Overdue, Panel, Show } from '../components/states';
import { useApi } from '../components/use-api';
import { accountPath, PageLink } from '../components/page-link';
import { navigate, withParam } from '../router';

interface ChurnPage {
  items: Array<{ accountId: string; name: string | null; ownerId: string | null; drivers: Array<{ name: string; explanation: string }> }>;
  nextCursor: string | null;
}
interface Actions {
  items: Array<{
    accountId: string;
    accountName: string | null;
    actionId: string;
    description: string;
    ownerId: string;
    dueDate: string;
    overdue: boolean;
  }>;
  truncated: boolean;
}

/** The key-account churn drivers a manager acts on, in the order of the questions they ask of their book. */
const ATTENTION: Array<[string, string]> = [
  ['single_threaded', 'Single-threaded'],
  ['champion_left', 'Champion gone'],
  ['review_overdue', 'Business review overdue'],
  ['cadence_missed', 'Contact cadence missed'],
  ['competitor_present', 'Facing a competitor'],
  ['invoice_overdue', 'Paying late'],
  ['plan_actions_overdue', 'Plan actions overdue'],
];

function Attention(props: { driver: string; label: string; owner: string | null; reload: number }) {
  const owner = props.owner ? `&ownerId=${encodeURIComponent(props.owner)}` : '';
  const page = useApi<ChurnPage>(`/v1/portfolio/churn-risk?driver=${props.driver}&limit=50${owner}`, props.reload);
  return (
    <section class="attention" aria-label={props.label}>
      <h3>
        {props.label} <span class="count">{page.data ? `${page.data.items.length}${page.data.nextCursor ? '+' : ''}` : ''}</span>
      </h3>
      <Show state={page} empty={(p) => p.items.length === 0} emptyText="None.">
        {(p) => (
          <ul class="plain">
            {p.items.map((a) => (
              <li key={a.accountId}>
                <PageLink to={accountPath(a.accountId)}>{a.name ?? a.accountId}</PageLink>{' '}
                <span class="muted">{a.drivers.find((d) => d.name === props.driver)?.explanation}</span>
              </li>
            ))}
          </ul>
        )}
      </Show>
    </section>
  );
}

/** One owner's book (or everyone's): which accounts need attention and why, and the plan actions due. */
export function Book(props: { url: URL; reload: number }) {
  const { url, reload } = props;
  const owner = url.searchParams.get('owner');
  const overdueOnly = url.searchParams.get('overdue') === 'true';
  const query = new URLSearchParams({ status: 'open' });
  if (owner) query.set('ownerId', owner);
  if (overdueOnly) query.set('overdue', 'true');
  const actions = useApi<Actions>(`/v1/portfolio/actions?${query.toString()}`, reload);
  const set = (name: string, value: string | null) => navigate(withParam(url, name, value), { replace: true });
  return (
    <main class="grid">
      <div class="filters wide">
        <label>
          Owner{' '}
          <input
            aria-label="Owner"
            value={owner ?? ''}
            placeholder="everyone"
            onChange={(e) => set('owner', (e.target as HTMLInputElement).value || null)}
          />
        </label>
      </div>
      <Panel title="Needs attention" wide>
        <div class="attention-grid">
          {ATTENTION.map(([driver, label]) => (
            <Attention key={driver} driver={driver} label={label} owner={owner} reload={reload} />
          ))}
        </div>
      </Panel>
      <Panel title="Open plan actions" wide>
        <label>
          <input
            type="checkbox"
            checked={overdueOnly}
            onChange={(e) => set('overdue', (e.target as HTMLInputElement).checked ? 'true' : null)}
          />{' '}
          only overdue
        </label>
        <Show state={actions} empty={(a) => a.items.length === 0} emptyText="No open action.">
          {(a) => (
            <table aria-label="Actions by due date">
              <thead>
                <tr>
                  <th>Due</th>
                  <th>Account</th>
                  <th>Action</th>
                  <th>Owner</th>
                </tr>
              </thead>
              <tbody>
                {a.items.map((item) => (
                  <tr key={`${item.accountId}/${item.actionId}`}>
                    <td>
                      {item.dueDate} <Overdue when={item.overdue} />
                    </td>
                    <td>
                      <PageLink to={accountPath(item.accountId)}>{item.accountName ?? item.accountId}</PageLink>
                    </td>
                    <td>{item.description}</td>
                    <td>{item.ownerId}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Show>
      </Panel>
    </main>
  );
}
