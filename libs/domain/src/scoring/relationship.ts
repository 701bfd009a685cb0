import { AccountState, ActionState, GoalState, StakeholderState } from '../account/account-state';
import { StakeholderRole } from '../events/event-data';
import { addDays, DAY_MS, utcDay } from '../time/utc-days';

/** A stakeholder counts as engaged when an interaction of the last 90 days named them. */
export const ENGAGEMENT_WINDOW_DAYS = 90;

const DECIDERS: readonly StakeholderRole[] = ['decision_maker', 'economic_buyer'];
const ADVOCATES: readonly StakeholderRole[] = ['champion', 'sponsor'];

export interface StakeholderView extends Omit<StakeholderState, 'identifiedAt' | 'leftAt' | 'leftAs'> {
  identifiedAt: string;
  /** Last interaction at or before T that named them, if any. */
  lastEngagedAt: string | null;
  /** Named in an interaction of the 90 days before T. */
  engaged: boolean;
}

export interface StakeholderCoverage {
  /** Identified at or before T and not left by T. */
  active: StakeholderView[];
  engagedCount: number;
  decider: 'engaged' | 'known' | 'none';
  advocate: 'engaged' | 'known' | 'none';
}

/** Who is who at the client at T, and who was engaged in the last 90 days. Null when no stakeholder was ever identified by T. */
export function stakeholderCoverage(state: AccountState, t: number): StakeholderCoverage | null {
  const identified = [...state.stakeholders.values()].filter((s) => s.identifiedAt <= t);
  if (identified.length === 0) return null;
  const lastNamed = new Map<string, number>();
  for (const interaction of state.interactions) {
    if (interaction.at > t) continue;
    for (const id of interaction.contactIds) lastNamed.set(id, Math.max(lastNamed.get(id) ?? -Infinity, interaction.at));
  }
  const active = identified
    .filter((s) => s.leftAt === undefined || s.leftAt > t)
    .map((s): StakeholderView => {
      const last = lastNamed.get(s.contactId);
      return {
        contactId: s.contactId,
        ...(s.name !== undefined ? { name: s.name } : {}),
        ...(s.title !== undefined ? { title: s.title } : {}),
        role: s.role,
        ...(s.influence !== undefined ? { influence: s.influence } : {}),
        identifiedAt: new Date(s.identifiedAt).toISOString(),
        lastEngagedAt: last === undefined ? null : new Date(last).toISOString(),
        engaged: last !== undefined && t - last < ENGAGEMENT_WINDOW_DAYS * DAY_MS,
      };
    });
  const standing = (roles: readonly StakeholderRole[]) => {
    const holders = active.filter((s) => roles.includes(s.role));
    return holders.some((s) => s.engaged) ? 'engaged' : holders.length > 0 ? 'known' : 'none';
  };
  return { active, engagedCount: active.filter((s) => s.engaged).length, decider: standing(DECIDERS), advocate: standing(ADVOCATES) };
}

/**
 * Relationship = decision maker (or economic buyer) 40 when engaged in 90 days, 20 when only known; champion (or
 * sponsor) 30 when engaged, 15 when only known; breadth 30 × min(1, engaged stakeholders ÷ 3). No data before the
 * first stakeholder is identified, so that accounts without these events score as before.
 */
export function relationshipScore(coverage: StakeholderCoverage): { score: number; explanation: string } {
  const decider = { engaged: 40, known: 20, none: 0 }[coverage.decider];
  const advocate = { engaged: 30, known: 15, none: 0 }[coverage.advocate];
  const breadth = 30 * Math.min(1, coverage.engagedCount / 3);
  const said = { engaged: 'known and engaged in 90 days', known: 'known but not engaged in 90 days', none: 'not known' };
  return {
    score: decider + advocate + breadth,
    explanation:
      `decision maker ${said[coverage.decider]}; champion or sponsor ${said[coverage.advocate]}; ` +
      `${coverage.engagedCount} of ${coverage.active.length} active stakeholder(s) engaged in 90 days`,
  };
}

/** The latest champion departure within the 90 days before T with no champion active at T, if any. */
export function championLost(state: AccountState, t: number): StakeholderState | undefined {
  const championActive = [...state.stakeholders.values()].some(
    (s) => s.role === 'champion' && s.identifiedAt <= t && (s.leftAt === undefined || s.leftAt > t),
  );
  if (championActive) return undefined;
  return [...state.stakeholders.values()]
    .filter((s) => s.leftAs === 'champion' && s.leftAt !== undefined && s.leftAt <= t && t - s.leftAt <= ENGAGEMENT_WINDOW_DAYS * DAY_MS)
    .sort((a, b) => a.leftAt! - b.leftAt!)
    .pop();
}

export interface CadenceStatus {
  touchEveryDays: number;
  reviewEveryDays: number;
  agreedAt: string;
  /** Last interaction of any channel at or before T, null if none. */
  lastTouchAt: string | null;
  /** The day by which the next touch is due: the last touch (or the agreement, if later) plus touchEveryDays. */
  nextTouchDue: string;
  touchOverdue: boolean;
  /** Last `business_review` interaction (a QBR) at or before T. */
  lastReviewAt: string | null;
  nextReviewDue: string;
  reviewOverdue: boolean;
}

/** Where the account stands against its agreed contact cadence at T; null without an agreement by T. */
export function cadenceStatus(state: AccountState, t: number): CadenceStatus | null {
  const cadence = state.cadence;
  if (!cadence || cadence.agreedAt > t) return null;
  const past = state.interactions.filter((i) => i.at <= t);
  const lastTouch = past.reduce<number | undefined>((max, i) => (max === undefined || i.at > max ? i.at : max), undefined);
  const lastReview = past
    .filter((i) => i.channel === 'business_review')
    .reduce<number | undefined>((max, i) => (max === undefined || i.at > max ? i.at : max), undefined);
  const today = utcDay(t);
  const due = (last: number | undefined, every: number) => addDays(utcDay(Math.max(last ?? -Infinity, cadence.agreedAt)), every);
  const nextTouchDue = due(lastTouch, cadence.touchEveryDays);
  const nextReviewDue = due(lastReview, cadence.reviewEveryDays);
  return {
    touchEveryDays: cadence.touchEveryDays,
    reviewEveryDays: cadence.reviewEveryDays,
    agreedAt: new Date(cadence.agreedAt).toISOString(),
    lastTouchAt: lastTouch === undefined ? null : new Date(lastTouch).toISOString(),
    nextTouchDue,
    touchOverdue: today > nextTouchDue,
    lastReviewAt: lastReview === undefined ? null : new Date(lastReview).toISOString(),
    nextReviewDue,
    reviewOverdue: today > nextReviewDue,
  };
}

export interface PlannedActionView {
  actionId: string;
  goalId: string | null;
  description: string;
  ownerId: string;
  dueDate: string;
  status: 'open' | 'completed';
  completedAt: string | null;
  /** Open and its due date is before T's day. */
  overdue: boolean;
}

export interface GoalView {
  goalId: string;
  description: string;
  target: string | null;
  dueDate: string;
  status: 'open' | 'achieved' | 'missed' | 'dropped';
  closedAt: string | null;
  /** Open and its due date is before T's day. */
  overdue: boolean;
  actions: PlannedActionView[];
}

export interface AccountPlan {
  goals: GoalView[];
  /** Actions planned without a goal. */
  actions: PlannedActionView[];
  openActions: number;
  overdueActions: number;
}

/** The account plan at T: goals with their actions, and the actions without a goal, each with status and overdue flag. */
export function accountPlan(state: AccountState, t: number): AccountPlan {
  const today = utcDay(t);
  const actions = [...state.actions.values()].filter((a) => a.plannedAt <= t).map((a) => actionView(a, t, today));
  const goals = [...state.goals.values()].filter((g) => g.setAt <= t).map((g) => goalView(g, t, today, actions));
  const open = actions.filter((a) => a.status === 'open');
  return {
    goals,
    actions: actions.filter((a) => a.goalId === null || !goals.some((g) => g.goalId === a.goalId)),
    openActions: open.length,
    overdueActions: open.filter((a) => a.overdue).length,
  };
}

function actionView(action: ActionState, t: number, today: string): PlannedActionView {
  const completed = action.completedAt !== undefined && action.completedAt <= t;
  return {
    actionId: action.actionId,
    goalId: action.goalId ?? null,
    description: action.description,
    ownerId: action.ownerId,
    dueDate: action.dueDate,
    status: completed ? 'completed' : 'open',
    completedAt: completed ? new Date(action.completedAt!).toISOString() : null,
    overdue: !completed && action.dueDate < today,
  };
}

function goalView(goal: GoalState, t: number, today: string, actions: PlannedActionView[]): GoalView {
  const closed = goal.closed && goal.closed.at <= t ? goal.closed : undefined;
  return {
    goalId: goal.goalId,
    description: goal.description,
    target: goal.target ?? null,
    dueDate: goal.dueDate,
    status: closed ? closed.outcome : 'open',
    closedAt: closed ? new Date(closed.at).toISOString() : null,
    overdue: !closed && goal.dueDate < today,
    actions: actions.filter((a) => a.goalId === goal.goalId),
  };
}

/** Actions open at T whose due date is before T's day. */
export function overdueActions(state: AccountState, t: number): PlannedActionView[] {
  const today = utcDay(t);
  return [...state.actions.values()]
    .filter((a) => a.plannedAt <= t)
    .map((a) => actionView(a, t, today))
    .filter((a) => a.overdue);
}

/** Competitors present at T (detected, not cleared). */
export function competitorsPresent(state: AccountState, t: number) {
  return [...state.competitors.values()].filter((c) => c.detectedAt <= t && (c.clearedAt === undefined || c.clearedAt > t));
}

/** Invoices unpaid at T whose due date is more than `graceDays` before T's day. */
export function invoicesOverdue(state: AccountState, t: number, graceDays = 30) {
  const today = utcDay(t);
  return [...state.invoices.values()].filter(
    (i) => i.issuedAt <= t && (i.paidAt === undefined || i.paidAt > t) && addDays(i.dueDate, graceDays) < today,
  );
}

export interface RelationshipGrowth {
  /** Days since the first contract started, null before any. */
  tenureDays: number | null;
  renewalsWon: number;
  referrals: { total: number; last365Days: number };
  /** Training and event interactions: the customer taking part in the vendor's programme. */
  programmeParticipation: { total: number; last365Days: number };
  /** Products in force at T that the first contract did not hold. */
  productsAdded: string[];
}

/** How the relationship grew, at T (scoring.md). */
export function relationshipGrowth(state: AccountState, t: number): RelationshipGrowth {
  const today = utcDay(t);
  const yearAgo = t - 365 * DAY_MS;
  const started = [...state.contracts.values()].filter((c) => c.startDate <= today).sort((a, b) => a.startDate.localeCompare(b.startDate));
  const first = started[0];
  const inForce = new Set(started.filter((c) => today < c.endDate).flatMap((c) => c.products));
  const participation = state.interactions.filter((i) => i.at <= t && (i.channel === 'training' || i.channel === 'event'));
  const referrals = state.referrals.filter((at) => at <= t);
  return {
    tenureDays: first ? Math.floor((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${first.startDate}T00:00:00Z`)) / DAY_MS) : null,
    renewalsWon: [...state.renewals.values()].filter((r) => r.outcome?.kind === 'won' && r.outcome.at <= t).length,
    referrals: { total: referrals.length, last365Days: referrals.filter((at) => at > yearAgo).length },
    programmeParticipation: { total: participation.length, last365Days: participation.filter((i) => i.at > yearAgo).length },
    productsAdded: first ? [...inForce].filter((p) => !first.products.includes(p)).sort() : [],
  };
}
