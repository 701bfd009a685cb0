import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { DEFAULT_SCORING_CONFIG, IsCalendarDate, IsInstantWithZone, isInstantWithZone } from '@rapport/domain';

const CHURN_DRIVERS = Object.keys(DEFAULT_SCORING_CONFIG.churnPoints);

/** A whole-number query parameter in [min, max], converted from its text. */
function IntParam(min: number, max = Number.MAX_SAFE_INTEGER, what = `an integer from ${min} to ${max}`) {
  const message = `must be ${what}`;
  return (target: object, key: string) => {
    for (const decorate of [IsOptional(), Type(() => Number), IsInt({ message }), Min(min, { message }), Max(max, { message })])
      decorate(target, key);
  };
}

export const GROUP_BY = ['ownerId', 'segment', 'keyAccount'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** `groupBy`: the figures per owner, segment or key-account flag beside the portfolio's. */
function GroupByParam() {
  return (target: object, key: string) => {
    ApiPropertyOptional({
      enum: GROUP_BY,
      description: 'Also the figures per group of accounts; with asOf or at, each account in its group of that time.',
    })(target, key);
    IsOptional()(target, key);
    IsIn(GROUP_BY, { message: `must be one of: ${GROUP_BY.join(', ')}` })(target, key);
  };
}

export class ReadOptions {
  @ApiPropertyOptional({ description: 'Wait (up to 5 s, then 503) until the read model holds this global position: read-your-writes.' })
  @IntParam(0, Number.MAX_SAFE_INTEGER, 'an integer ≥ 0')
  minPosition?: number;
}

/** Knowledge time: what the platform had recorded by then (see docs/api.md, "Knowledge time"). */
export class AsOfOptions extends ReadOptions {
  @ApiPropertyOptional({
    description:
      'Knowledge time: an instant (events recorded at or before it) or a global position (events up to it). ' +
      'The answer is the one the platform would have given then; it echoes the asOf it used.',
    example: '2026-03-01T00:00:00Z',
  })
  @IsOptional()
  @ValidateIf((_, value) => !isInstantWithZone(value))
  @Matches(/^(0|[1-9]\d{0,15})$/, { message: 'must be an ISO-8601 instant with a zone or a global position (an integer ≥ 0)' })
  asOf?: string;
}

/** Valid time beside knowledge time. */
export class KnowledgeQuery extends AsOfOptions {
  @ApiPropertyOptional({
    description: 'Valid time: the figures as the facts stood at this past instant (default: asOf, else now).',
    example: '2026-03-01T00:00:00Z',
  })
  @IsOptional()
  @IsInstantWithZone()
  at?: string;
}

export class HealthQuery extends KnowledgeQuery {}

export class PeriodQuery extends AsOfOptions {
  @ApiPropertyOptional({ description: 'First day, YYYY-MM-DD (UTC).' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ description: 'Last day (history, inclusive) or the day after the period (metrics, expansion), YYYY-MM-DD.' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;
}

export class TimelineQuery extends AsOfOptions {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IntParam(1, 1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Cursor: the version of the last event of the previous page.' })
  @IntParam(0, Number.MAX_SAFE_INTEGER, 'an event version (integer ≥ 0)')
  after?: number;
}

export class PageQuery extends KnowledgeQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IntParam(1, 500)
  limit?: number;

  @ApiPropertyOptional({ description: "Opaque cursor from the previous page's nextCursor." })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  cursor?: string;
}

export class PortfolioHealthQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['green', 'yellow', 'red', 'churned'] })
  @IsOptional()
  @IsIn(['green', 'yellow', 'red', 'churned'], { message: 'must be one of: green, yellow, red, churned' })
  band?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 256)
  ownerId?: string;

  @ApiPropertyOptional({ type: Boolean })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'must be true or false' })
  keyAccount?: boolean;
}

export class MetricsQuery extends PeriodQuery {
  @GroupByParam()
  groupBy?: GroupBy;
}

export class MetricsSeriesQuery extends ReadOptions {
  @ApiProperty({ description: 'First day of the first period, YYYY-MM-DD (UTC).', example: '2026-01-01' })
  @IsCalendarDate()
  from!: string;

  @ApiProperty({
    description: 'The day after the last period, YYYY-MM-DD; the last period ends there even if short.',
    example: '2027-01-01',
  })
  @IsCalendarDate()
  to!: string;

  @ApiPropertyOptional({ enum: ['month', 'quarter'], default: 'quarter' })
  @IsOptional()
  @IsIn(['month', 'quarter'], { message: 'must be one of: month, quarter' })
  interval?: 'month' | 'quarter';

  @GroupByParam()
  groupBy?: GroupBy;
}

export class ChurnRiskQuery extends PageQuery {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 730,
    default: 90,
    description: 'ARR at risk counts terms ending (or renewals due) within this many days.',
  })
  @IntParam(1, 730)
  horizonDays?: number;

  @ApiPropertyOptional({ enum: CHURN_DRIVERS, description: 'Only the accounts this driver names (e.g. single_threaded, invoice_overdue).' })
  @IsOptional()
  @IsIn(CHURN_DRIVERS, { message: `must be one of: ${CHURN_DRIVERS.join(', ')}` })
  driver?: string;

  @ApiPropertyOptional({ description: "Only this owner's accounts (the totals stay the portfolio's)." })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  ownerId?: string;

  @GroupByParam()
  groupBy?: GroupBy;
}

export class ExpansionQuery extends PeriodQuery {
  @ApiPropertyOptional({ description: 'Valid time of the signals (default: asOf, else now).', example: '2026-03-01T00:00:00Z' })
  @IsOptional()
  @IsInstantWithZone()
  at?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IntParam(1, 500)
  limit?: number;

  @GroupByParam()
  groupBy?: GroupBy;
}

export class HealthChangesQuery extends AsOfOptions {
  @ApiProperty({ description: 'The earlier instant.', example: '2026-03-01T00:00:00Z' })
  @IsInstantWithZone()
  from!: string;

  @ApiPropertyOptional({ description: 'The later instant (default: now).', example: '2026-03-08T00:00:00Z' })
  @IsOptional()
  @IsInstantWithZone()
  to?: string;
}

export class ExportQuery extends AsOfOptions {
  @ApiPropertyOptional({ description: "One account's events only (default: the whole log)." })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  accountId?: string;
}

/** The backtest's period and prediction (docs/api.md, "Backtest"). */
export class BacktestParams {
  @ApiProperty({ description: 'First day of the outcome period (renewals closed from it), YYYY-MM-DD.', example: '2025-01-01' })
  @IsCalendarDate()
  from!: string;

  @ApiProperty({ description: 'The day after the period, YYYY-MM-DD.', example: '2027-01-01' })
  @IsCalendarDate()
  to!: string;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 730,
    default: 90,
    description: 'Days before the due date at which each renewal is predicted.',
  })
  @IntParam(0, 730)
  leadDays?: number;

  @ApiPropertyOptional({
    enum: ['valid', 'recorded'],
    default: 'valid',
    description: 'valid: the facts that had occurred by then; recorded: and had been recorded by then.',
  })
  @IsOptional()
  @IsIn(['valid', 'recorded'], { message: 'must be one of: valid, recorded' })
  knowledge?: 'valid' | 'recorded';
}

export class BacktestQuery extends BacktestParams {
  @ApiPropertyOptional({
    enum: ['all', 'misses', 'none'],
    default: 'all',
    description: 'Which rows to list: misses are lost while green, won while red.',
  })
  @IsOptional()
  @IsIn(['all', 'misses', 'none'], { message: 'must be one of: all, misses, none' })
  rows?: 'all' | 'misses' | 'none';
}

export class WhatIfBody extends BacktestQuery {
  @ApiProperty({
    description: 'A proposed scoring configuration, any subset, as RAPPORT_SCORING: weights, interactionTargets, churnPoints, …',
    example: { weights: { support: 0.3 }, churnPoints: { renewal_due: 25 } },
  })
  @IsObject({ message: 'must be an object: a scoring configuration, as RAPPORT_SCORING' })
  scoring!: Record<string, unknown>;
}

export class PlanActionsQuery extends ReadOptions {
  @ApiPropertyOptional({ description: "Only this owner's actions." })
  @IsOptional()
  @IsString()
  @Length(1, 256)
  ownerId?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'true: only open actions past their due date; false: only the others.' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'must be true or false' })
  overdue?: boolean;

  @ApiPropertyOptional({ enum: ['open', 'completed'], description: 'Only actions of this status (default: both).' })
  @IsOptional()
  @IsIn(['open', 'completed'], { message: 'must be one of: open, completed' })
  status?: 'open' | 'completed';

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 200 })
  @IntParam(1, 1000)
  limit?: number;
}

export class KeyAccountsQuery extends ReadOptions {
  @ApiPropertyOptional({
    type: Boolean,
    description: 'true: the accounts outside the programme, ranked by fit (who deserves promotion); default: the key accounts.',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'must be true or false' })
  candidates?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IntParam(1, 500)
  limit?: number;
}
