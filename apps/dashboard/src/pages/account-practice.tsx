import { Overdue, Panel, Show } from '../components/states';
import { useApi } from '../components/use-api';

interface Stakeholder {
  contactId: string;
  name?: string;
  title?: string;
  role: string;
  influence?: string;
  lastEngagedAt: string | null;
  engaged: boolean;
}
interface Action {
  actionId: string;
  description: string;
  ownerId: string;
  dueDate: string;
  status: 'open' | 'completed';
  overdue: boolean;
}
interface Goal {
  goalId: string;
  description: string;
  target: string | null;
  dueDate: string;
  status: string;
  overdue: boolean;
  actions: Action[];
}
interface Plan {
  goals: Goal[];
  actions: Action[];
  openActions: number;
  overdueActions: number;
  cadence: {
    touchEveryDays: number;
    reviewEveryDays: number;
    lastTouchAt: string | null;
    nextTouchDue: string;
    touchOverdue: boolean;
    lastReviewAt: string | null;
    nextReviewDue: string;
    reviewOverdue: boolean;
  } | null;
}
interface Relationship {
  coverage: { decisionMaker: string; championOrSponsor: string; activeStakeholders: number; engagedStakeholders: number } | null;
  stakeholders: Stakeholder[];
  growth: {
    tenureDays: number | null;
    renewalsWon: number;
    referrals: { total: number; last365Days: number };
    programmeParticipation: { total: number; last365Days: number };
    productsAdded: string[];
  };
  competitors: Array<{ competitor: string; threat: string; detectedAt: string }>;
  invoicesOverdue: Array<{ invoiceId: string; amount: number; currency: string; dueDate: string }>;
}

function ActionRow(props: { action: Action }) {
  const a = props.action;
  return (
    <li>
      {a.status === 'completed' ? '✓ ' : ''}
      {a.description}{' '}
      <span class="muted">
        · {a.ownerId} · due {a.dueDate}
      </span>{' '}
      <Overdue when={a.overdue} />
    </li>
  );
}

/** The account plan: the agreed cadence and whether it is kept, the goals and their actions, who does what by when. */
export function PlanPanel(props: { accountId: string; knowledge: string; reload: number }) {
  const plan = useApi<Plan>(
    `/v1/accounts/${encodeURIComponent(props.accountId)}/plan${props.knowledge ? `?${props.knowledge}` : ''}`,
    props.reload,
  );
  return (
    <Panel title="Account plan">
      <Show state={plan}>
        {(p) => (
          <>
            {p.cadence ? (
              <dl aria-label="Cadence">
                <dt>Touch</dt>
                <dd>
                  every {p.cadence.touchEveryDays} days, next by {p.cadence.nextTouchDue} <Overdue when={p.cadence.touchOverdue} />
                </dd>
                <dt>Business review</dt>
                <dd>
                  every {p.cadence.reviewEveryDays} days, last {p.cadence.lastReviewAt?.slice(0, 10) ?? 'never'}, next by{' '}
                  {p.cadence.nextReviewDue} <Overdue when={p.cadence.reviewOverdue} />
                </dd>
              </dl>
            ) : (
              <p class="muted">No contact cadence agreed.</p>
            )}
            <p>
              <strong>{p.openActions}</strong> open actions, <strong>{p.overdueActions}</strong> overdue
            </p>
            {p.goals.length === 0 && p.actions.length === 0 && <p class="muted">No goal or action planned.</p>}
            <ul class="plain">
              {p.goals.map((g) => (
                <li key={g.goalId}>
                  <strong>{g.description}</strong>
                  {g.target ? ` (${g.target})` : ''} <span class="muted">· due {g.dueDate}</span>{' '}
                  {g.status !== 'open' && <span class="tag">{g.status}</span>}
                  <Overdue when={g.overdue} />
                  <ul class="plain nested">
                    {g.actions.map((a) => (
                      <ActionRow key={a.actionId} action={a} />
                    ))}
                  </ul>
                </li>
              ))}
              {p.actions.map((a) => (
                <ActionRow key={a.actionId} action={a} />
              ))}
            </ul>
          </>
        )}
      </Show>
    </Panel>
  );
}

/** Who is who at the client and who was engaged lately, the competitors present, late invoices, how the relationship grew. */
export function RelationshipPanel(props: { accountId: string; knowledge: string; reload: number }) {
  const relationship = useApi<Relationship>(
    `/v1/accounts/${encodeURIComponent(props.accountId)}/relationship${props.knowledge ? `?${props.knowledge}` : ''}`,
    props.reload,
  );
  return (
    <Panel title="Relationship" wide>
      <Show state={relationship}>
        {(r) => (
          <>
            {r.coverage ? (
              <p>
                Decision maker <span class={`tag coverage-${r.coverage.decisionMaker}`}>{r.coverage.decisionMaker}</span> · champion or
                sponsor <span class={`tag coverage-${r.coverage.championOrSponsor}`}>{r.coverage.championOrSponsor}</span> ·{' '}
                {r.coverage.engagedStakeholders} of {r.coverage.activeStakeholders} stakeholders engaged in 90 days
              </p>
            ) : (
              <p class="muted">No stakeholder identified yet: whether this relationship hangs on one contact is unknown.</p>
            )}
            {r.stakeholders.length > 0 && (
              <table aria-label="Stakeholders">
                <thead>
                  <tr>
                    <th>Contact</th>
                    <th>Role</th>
                    <th>Influence</th>
                    <th>Last engaged</th>
                  </tr>
                </thead>
                <tbody>
                  {r.stakeholders.map((s) => (
                    <tr key={s.contactId}>
                      <td>
                        {s.name ?? s.contactId}
                        {s.title ? <span class="muted"> · {s.title}</span> : ''}
                      </td>
                      <td>{s.role.replace('_', ' ')}</td>
                      <td>{s.influence ?? '–'}</td>
                      <td>
                        {s.lastEngagedAt?.slice(0, 10) ?? 'never'} {!s.engaged && <span class="tag tag-alert">not in 90 days</span>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <dl>
              <dt>Competitors</dt>
              <dd>
                {r.competitors.length === 0
                  ? 'none present'
                  : r.competitors.map((c) => (
                      <span key={c.competitor} class={c.threat === 'high' ? 'tag tag-alert' : 'tag'}>
                        {c.competitor} ({c.threat} threat, since {c.detectedAt.slice(0, 10)})
                      </span>
                    ))}
              </dd>
              <dt>Invoices overdue</dt>
              <dd>
                {r.invoicesOverdue.length === 0
                  ? 'none'
                  : r.invoicesOverdue.map((i) => (
                      <span key={i.invoiceId} class="tag tag-alert">
                        {i.invoiceId}: {i.amount.toLocaleString('en-US')} {i.currency}, due {i.dueDate}
                      </span>
                    ))}
              </dd>
              <dt>Tenure</dt>
              <dd>{r.growth.tenureDays === null ? '–' : `${r.growth.tenureDays} days`}</dd>
              <dt>Renewals won</dt>
              <dd>{r.growth.renewalsWon}</dd>
              <dt>Referrals</dt>
              <dd>
                {r.growth.referrals.total} ({r.growth.referrals.last365Days} in the last year)
              </dd>
              <dt>Programme</dt>
              <dd>
                {r.growth.programmeParticipation.total} trainings and events ({r.growth.programmeParticipation.last365Days} in the last
                year)
              </dd>
              <dt>Products added</dt>
              <dd>{r.growth.productsAdded.join(', ') || 'none'}</dd>
            </dl>
          </>
        )}
      </Show>
    </Panel>
  );
}
