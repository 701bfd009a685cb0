import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { IsCalendarDate, IsInstantWithZone } from '@rapport/domain';

export class ReadOptions {
  @ApiPropertyOptional({ description: 'Wait (up to 5 s, then 503) until the read model holds this global position: read-your-writes.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer ≥ 0' })
  @Min(0, { message: 'must be an integer ≥ 0' })
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
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer from 1 to 1000' })
  @Min(1, { message: 'must be an integer from 1 to 1000' })
  @Max(1000, { message: 'must be an integer from 1 to 1000' })
  limit?: number;

  @ApiPropertyOptional({ description: 'Cursor: the version of the last event of the previous page.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an event version (integer ≥ 0)' })
  @Min(0, { message: 'must be an event version (integer ≥ 0)' })
  after?: number;
}

export class PageQuery extends ReadOptions {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer from 1 to 500' })
  @Min(1, { message: 'must be an integer from 1 to 500' })
  @Max(500, { message: 'must be an integer from 1 to 500' })
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page\'s nextCursor.' })
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
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'must be true or false' })
  keyAccount?: boolean;
}

export class ChurnRiskQuery extends PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 730, default: 90, description: 'ARR at risk counts terms ending (or renewals due) within this many days.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer from 1 to 730' })
  @Min(1, { message: 'must be an integer from 1 to 730' })
  @Max(730, { message: 'must be an integer from 1 to 730' })
  horizonDays?: number;
}

export class ExpansionQuery extends PeriodQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be an integer from 1 to 500' })
  @Min(1, { message: 'must be an integer from 1 to 500' })
  @Max(500, { message: 'must be an integer from 1 to 500' })
  limit?: number;
}
