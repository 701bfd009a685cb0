// Decorator metadata (class-transformer's @Type, emitDecoratorMetadata) needs the Reflect polyfill loaded first.
import 'reflect-metadata';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO4217CurrencyCode,
  IsNumber,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { IsAmount, IsCalendarDate, IsDateAfter, IsSurveyScore } from './validation-decorators';

// One class per event type of events.md, v1. Property names and ranges are the catalog's; messages name the rule broken
// (the field path is reported beside them).

const oneOf = (values: readonly string[]) => ({ message: `must be one of: ${values.join(', ')}` });
const text = (min: number, max: number) => ({ message: `must be a string of ${min} to ${max} characters` });
const ID_LENGTH = 256;

function Id() {
  return Length(1, ID_LENGTH, text(1, ID_LENGTH));
}
function IsText() {
  return IsString({ message: 'must be a string' });
}

export const SEGMENTS = ['enterprise', 'mid_market', 'smb'] as const;
export type Segment = (typeof SEGMENTS)[number];

export class AccountOpenedData {
  @IsText() @Length(1, 200, text(1, 200)) name!: string;
  @IsOptional() @IsText() @Length(1, 200, text(1, 200)) industry?: string;
  @IsOptional() @IsIn(SEGMENTS, oneOf(SEGMENTS)) segment?: Segment;
  @IsOptional() @IsText() @Length(1, 200, text(1, 200)) region?: string;
  @IsOptional() @IsText() @Id() ownerId?: string;
}

export class AccountOwnerAssignedData {
  @IsText() @Id() ownerId!: string;
}

export class KeyAccountDesignatedData {
  @IsOptional() @IsText() @MaxLength(500, text(0, 500)) reason?: string;
}

export class KeyAccountRevokedData {
  @IsOptional() @IsText() @MaxLength(500, text(0, 500)) reason?: string;
}

export const CHANNELS = ['email', 'call', 'meeting', 'site_visit', 'business_review', 'training', 'event', 'chat'] as const;
export const DIRECTIONS = ['inbound', 'outbound'] as const;

export class InteractionLoggedData {
  @IsText() @Id() interactionId!: string;
  @IsIn(CHANNELS, oneOf(CHANNELS)) channel!: (typeof CHANNELS)[number];
  @IsIn(DIRECTIONS, oneOf(DIRECTIONS)) direction!: (typeof DIRECTIONS)[number];
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number from -1 to 1' })
  @Min(-1, { message: 'must be a number from -1 to 1' })
  @Max(1, { message: 'must be a number from -1 to 1' })
  sentiment?: number;
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number from 0 to 1440' })
  @Min(0, { message: 'must be a number from 0 to 1440' })
  @Max(1440, { message: 'must be a number from 0 to 1440' })
  durationMinutes?: number;
  @IsOptional() @IsInt({ message: 'must be an integer ≥ 0' }) @Min(0, { message: 'must be an integer ≥ 0' }) contactCount?: number;
  @IsOptional() @IsBoolean({ message: 'must be a boolean' }) executiveInvolved?: boolean;
  @IsOptional() @IsText() @MaxLength(2000, text(0, 2000)) summary?: string;
  @IsOptional()
  @IsArray({ message: 'must be a list of contact ids' })
  @ArrayMaxSize(100, { message: 'must name at most 100 contacts' })
  @IsString({ each: true, message: 'each contact id must be a string' })
  @Length(1, ID_LENGTH, { each: true, message: `each contact id must be 1 to ${ID_LENGTH} characters` })
  contactIds?: string[];
}

export const SEVERITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Severity = (typeof SEVERITIES)[number];

export class SupportTicketOpenedData {
  @IsText() @Id() ticketId!: string;
  @IsIn(SEVERITIES, oneOf(SEVERITIES)) severity!: Severity;
  @IsOptional() @IsText() @MaxLength(500, text(0, 500)) subject?: string;
}

export class SupportTicketResolvedData {
  @IsText() @Id() ticketId!: string;
}

export const SURVEY_KINDS = ['nps', 'csat'] as const;

export class SurveyRespondedData {
  @IsText() @Id() surveyId!: string;
  @IsIn(SURVEY_KINDS, oneOf(SURVEY_KINDS)) kind!: (typeof SURVEY_KINDS)[number];
  @IsSurveyScore('kind') score!: number;
  @IsOptional() @IsText() @MaxLength(2000, text(0, 2000)) comment?: string;
}

export class UsageReportedData {
  @IsText() @Length(1, 200, text(1, 200)) product!: string;
  @IsInt({ message: 'must be an integer ≥ 0' }) @Min(0, { message: 'must be an integer ≥ 0' }) activeUsers!: number;
  @IsInt({ message: 'must be an integer ≥ 1' }) @Min(1, { message: 'must be an integer ≥ 1' }) licensedUsers!: number;
}

export class ReferralGivenData {
  @IsOptional() @IsText() @Length(1, 200, text(1, 200)) referredCompany?: string;
}

function Products(optional: boolean) {
  const decorators = [
    IsArray({ message: 'must be a list of product names' }),
    ArrayMinSize(1, { message: 'must name at least one product' }),
    ArrayMaxSize(100, { message: 'must name at most 100 products' }),
    IsString({ each: true, message: 'each product must be a string' }),
    Length(1, 200, { each: true, message: 'each product must be 1 to 200 characters' }),
  ];
  return (target: object, key: string) => {
    if (optional) IsOptional()(target, key);
    for (const decorate of decorators) decorate(target, key);
  };
}

export class ContractSignedData {
  @IsText() @Id() contractId!: string;
  @Products(false) products!: string[];
  @IsAmount() arr!: number;
  @IsISO4217CurrencyCode({ message: 'must be an ISO-4217 currency code, e.g. EUR' }) currency!: string;
  @IsCalendarDate() startDate!: string;
  @IsCalendarDate() @IsDateAfter('startDate') endDate!: string;
}

export const AMENDMENT_REASONS = ['upsell', 'cross_sell', 'downgrade', 'price_change'] as const;
export type AmendmentReason = (typeof AMENDMENT_REASONS)[number];

export class ContractAmendedData {
  @IsText() @Id() contractId!: string;
  @IsAmount() arr!: number;
  @Products(true) products?: string[];
  @IsCalendarDate() effectiveDate!: string;
  @IsIn(AMENDMENT_REASONS, oneOf(AMENDMENT_REASONS)) reason!: AmendmentReason;
}

export class ContractTerminatedData {
  @IsText() @Id() contractId!: string;
  @IsCalendarDate() effectiveDate!: string;
  @IsOptional() @IsText() @MaxLength(500, text(0, 500)) reason?: string;
}

export class RenewalOpenedData {
  @IsText() @Id() renewalId!: string;
  @IsText() @Id() contractId!: string;
  @IsCalendarDate() dueDate!: string;
}

export class RenewalWonData {
  @IsText() @Id() renewalId!: string;
  @IsText() @Id() contractId!: string;
  @IsCalendarDate() newEndDate!: string;
  @IsAmount() arr!: number;
  @Products(true) products?: string[];
}

export const LOSS_REASONS = ['price', 'competitor', 'no_budget', 'product_fit', 'relationship', 'business_closed', 'other'] as const;

export class RenewalLostData {
  @IsText() @Id() renewalId!: string;
  @IsText() @Id() contractId!: string;
  @IsIn(LOSS_REASONS, oneOf(LOSS_REASONS)) reason!: (typeof LOSS_REASONS)[number];
  @IsOptional() @IsText() @MaxLength(2000, text(0, 2000)) note?: string;
}

export class EventRetractedData {
  @IsText() @Length(1, 64, text(1, 64)) targetEventId!: string;
  @IsText() @Length(1, 500, text(1, 500)) reason!: string;
}

// Key-account management (v1 additions): who is who at the client, the account plan, cadence, competitors, receivables.

export const STAKEHOLDER_ROLES = ['decision_maker', 'economic_buyer', 'champion', 'sponsor', 'influencer', 'user', 'blocker'] as const;
export type StakeholderRole = (typeof STAKEHOLDER_ROLES)[number];
export const INFLUENCE_LEVELS = ['high', 'medium', 'low'] as const;
export type InfluenceLevel = (typeof INFLUENCE_LEVELS)[number];

export class StakeholderIdentifiedData {
  @IsText() @Id() contactId!: string;
  @IsOptional() @IsText() @Length(1, 200, text(1, 200)) name?: string;
  @IsOptional() @IsText() @Length(1, 200, text(1, 200)) title?: string;
  @IsIn(STAKEHOLDER_ROLES, oneOf(STAKEHOLDER_ROLES)) role!: StakeholderRole;
  @IsOptional() @IsIn(INFLUENCE_LEVELS, oneOf(INFLUENCE_LEVELS)) influence?: InfluenceLevel;
}

/** What changed about a stakeholder: the fields given replace the known ones. */
export class StakeholderChangedData {
  @IsText() @Id() contactId!: string;
  @IsOptional() @IsText() @Length(1, 200, text(1, 200)) name?: string;
  @IsOptional() @IsText() @Length(1, 200, text(1, 200)) title?: string;
  @IsOptional() @IsIn(STAKEHOLDER_ROLES, oneOf(STAKEHOLDER_ROLES)) role?: StakeholderRole;
  @IsOptional() @IsIn(INFLUENCE_LEVELS, oneOf(INFLUENCE_LEVELS)) influence?: InfluenceLevel;
}

export class StakeholderLeftData {
  @IsText() @Id() contactId!: string;
  @IsOptional() @IsText() @MaxLength(500, text(0, 500)) reason?: string;
}

export class AccountGoalSetData {
  @IsText() @Id() goalId!: string;
  @IsText() @Length(1, 2000, text(1, 2000)) description!: string;
  @IsCalendarDate() dueDate!: string;
  @IsOptional() @IsText() @Length(1, 500, text(1, 500)) target?: string;
}

export const GOAL_OUTCOMES = ['achieved', 'missed', 'dropped'] as const;
export type GoalOutcome = (typeof GOAL_OUTCOMES)[number];

export class AccountGoalClosedData {
  @IsText() @Id() goalId!: string;
  @IsIn(GOAL_OUTCOMES, oneOf(GOAL_OUTCOMES)) outcome!: GoalOutcome;
}

export class ActionPlannedData {
  @IsText() @Id() actionId!: string;
  @IsOptional() @IsText() @Id() goalId?: string;
  @IsText() @Length(1, 2000, text(1, 2000)) description!: string;
  @IsText() @Id() ownerId!: string;
  @IsCalendarDate() dueDate!: string;
}

export class ActionCompletedData {
  @IsText() @Id() actionId!: string;
}

export class CadenceAgreedData {
  @IsInt({ message: 'must be an integer from 1 to 365' })
  @Min(1, { message: 'must be an integer from 1 to 365' })
  @Max(365, { message: 'must be an integer from 1 to 365' })
  touchEveryDays!: number;
  @IsInt({ message: 'must be an integer from 1 to 730' })
  @Min(1, { message: 'must be an integer from 1 to 730' })
  @Max(730, { message: 'must be an integer from 1 to 730' })
  reviewEveryDays!: number;
}

export const THREAT_LEVELS = ['low', 'medium', 'high'] as const;
export type ThreatLevel = (typeof THREAT_LEVELS)[number];

export class CompetitorDetectedData {
  @IsText() @Length(1, 200, text(1, 200)) competitor!: string;
  @IsIn(THREAT_LEVELS, oneOf(THREAT_LEVELS)) threat!: ThreatLevel;
}

export class CompetitorClearedData {
  @IsText() @Length(1, 200, text(1, 200)) competitor!: string;
}

export class InvoiceIssuedData {
  @IsText() @Id() invoiceId!: string;
  @IsAmount() amount!: number;
  @IsISO4217CurrencyCode({ message: 'must be an ISO-4217 currency code, e.g. EUR' }) currency!: string;
  @IsCalendarDate() dueDate!: string;
}

export class InvoicePaidData {
  @IsText() @Id() invoiceId!: string;
}

function Judged() {
  const message = { message: 'must be an integer from 0 to 5' };
  return (target: object, key: string) => {
    IsInt(message)(target, key);
    Min(0, message)(target, key);
    Max(5, message)(target, key);
  };
}

/** The judged criteria of key-account selection, 0–5 each; the measured ones (ARR, potential…) come from the events. */
export class KeyAccountAssessedData {
  @Judged() strategicValue!: number;
  @Judged() logoValue!: number;
  @IsOptional() @IsText() @MaxLength(2000, text(0, 2000)) note?: string;
}
