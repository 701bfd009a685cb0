import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReadModelReader } from '../read-model-reader';
import { HealthQuery, PeriodQuery, ReadOptions, TimelineQuery } from '../query-params';
import { AccountQueries } from './account-queries';
import { RequiresScope } from '@rapport/platform';

@ApiTags('accounts')
@Controller('v1/accounts/:id')
@RequiresScope('read')
export class AccountsController {
  constructor(
    private readonly accounts: AccountQueries,
    private readonly reader: ReadModelReader,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Profile, owner, key-account flag, ARR now, products, health, churn risk, open renewals' })
  async account(@Param('id') id: string, @Query() query: ReadOptions) {
    await this.reader.waitFor(query.minPosition);
    const row = await this.accounts.account(id);
    return {
      accountId: row.account_id,
      name: row.name,
      segment: row.segment,
      ownerId: row.owner_id,
      keyAccount: row.key_account,
      arr: row.arr,
      products: row.products,
      health: { score: row.health.score, band: row.health.band, coverage: row.health.coverage, evaluatedAt: row.health.evaluatedAt },
      churnRisk: { score: row.churn.score, drivers: row.churn.drivers, arrAtRisk: row.arr_at_risk },
      openRenewals: row.open_renewals,
      lastPosition: Number(row.last_position),
      asOfPosition: Number(row.as_of_position),
    };
  }

  @Get('health')
  @ApiOperation({ summary: 'Health with its components (score, weight, data, why); ?at= a past instant' })
  async health(@Param('id') id: string, @Query() query: HealthQuery) {
    await this.reader.waitFor(query.minPosition);
    if (query.at) {
      const { health, asOfPosition } = await this.accounts.healthAt(id, query.at);
      return { accountId: id, ...health, asOfPosition };
    }
    const row = await this.accounts.account(id);
    return { accountId: id, ...row.health, asOfPosition: Number(row.as_of_position) };
  }

  @Get('health/history')
  @ApiOperation({ summary: 'One point per UTC day {date, score, band}, the health at the end of each day' })
  async history(@Param('id') id: string, @Query() query: PeriodQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.accounts.history(id, query.from, query.to);
  }

  @Get('timeline')
  @ApiOperation({ summary: "The account's events, oldest first, with recordedAt and source (the audit trail)" })
  async timeline(@Param('id') id: string, @Query() query: TimelineQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.accounts.timeline(id, query.after, query.limit ?? 100);
  }
}
