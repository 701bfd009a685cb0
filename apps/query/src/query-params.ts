import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { IsCalendarDate, IsInstantWithZone } from '@rapport/domain';

/** A whole-number query parameter in [min, max], converted from its text. */
function IntParam(min: number, max = Number.MAX_SAFE_INTEGER, what = `an integer from ${min} to ${max}`) {
  const message = `must be ${what}`;
  return (target: object, key: string) => {
    for (const decorate of [IsOptional(), Type(() => Number), IsInt({ message }), Min(min, { message }), Max(max, { message })])
      decorate(target, key);
  };
}

export class ReadOptions {
  @ApiPropertyOptional({ description: 'Wait (up to 5 s, then 503) until the read model holds this global position: read-your-writes.' })
  @IntParam(0, Number.MAX_SAFE_INTEGER, 'an integer ≥ 0')
  minPosition?: number;
}

export class HealthQuery extends ReadOptions {
  @ApiPropertyOptional({ description: 'A past instant (valid time): the health as the facts stood then.', example: '2026-03-01T00:00:00Z' })
  @IsOptional()
  @IsInstantWithZone()
  at?: string;
}

export class PeriodQuery extends ReadOptions {
  @ApiPropertyOptional({ description: 'First day, YYYY-MM-DD (UTC).' })
  @IsOptional()
  @IsCalendarDate()
  from?: string;

  @ApiPropertyOptional({ description: 'Last day (history, inclusive) or the day after the period (metrics, expansion), YYYY-MM-DD.' })
  @IsOptional()
  @IsCalendarDate()
  to?: string;
}

export class TimelineQuery extends ReadOptions {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IntParam(1, 1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Cursor: the version of the last event of the previous page.' })
  @IntParam(0, Number.MAX_SAFE_INTEGER, 'an event version (integer ≥ 0)')
  after?: number;
}

export class PageQuery extends ReadOptions {
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

export class ChurnRiskQuery extends PageQuery {
  @ApiPropertyOptional({
    minimum: 1,
    maximum: 730,
    default: 90,
    description: 'ARR at risk counts terms ending (or renewals due) within this many days.',
  })
  @IntParam(1, 730)
  horizonDays?: number;
}

export class ExpansionQuery extends PeriodQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IntParam(1, 500)
  limit?: number;
}
