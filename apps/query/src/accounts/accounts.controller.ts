import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ReadModelReader } from '../read-model-reader';
import { HealthChangesQuery, HealthQuery, KnowledgeQuery, PeriodQuery, TimelineQuery } from '../query-params';
import { KnowledgeTime } from '../knowledge-time';
import { CachedAnswer } from '../answer-cache-hooks';
import { AccountQueries } from './account-queries';
import { RequiresScope } from '@rapport/platform';

@ApiTags('accounts')
@Controller('v1/accounts/:id')
@RequiresScope('read')
export class AccountsController {
  constructor(
    private readonly accounts: AccountQueries,
    private readonly reader: ReadModelReader,
    private readonly knowledgeTime: KnowledgeTime,
  ) {}

  @Get()
  @CachedAnswer({ accountParam: 'id' })
  @ApiOperation({ summary: 'Profile, owner, key-account flag, ARR now, products, health, churn risk, open renewals; ?asOf= ?at=' })
  async account(@Param('id') id: string, @Query() query: KnowledgeQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.accounts.profile(id, await this.knowledgeTime.resolve(query.asOf, query.at, () => this.reader.position()));
  }

  @Get('health')
  @CachedAnswer({ accountParam: 'id' })
  @ApiOperation({ summary: 'Health with its components (score, weight, data, why); ?at= a past instant; ?asOf= knowledge time' })
  async health(@Param('id') id: string, @Query() query: HealthQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.accounts.health(id, await this.knowledgeTime.resolve(query.asOf, query.at, () => this.reader.position()));
  }

  @Get('health/history')
  @ApiOperation({ summary: 'One point per UTC day {date, score, band}, the health at the end of each day; ?asOf=' })
  async history(@Param('id') id: string, @Query() query: PeriodQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.accounts.history(id, query.from, query.to, await this.knowledgeTime.resolve(query.asOf));
  }

  @Get('health/changes')
  @ApiOperation({
    summary: 'Why the health changed between two instants: both points, and per component the events that entered or left, and time',
  })
  async healthChanges(@Param('id') id: string, @Query() query: HealthChangesQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.accounts.healthChanges(id, query.from, query.to, await this.knowledgeTime.resolve(query.asOf));
  }

  @Get('plan')
  @ApiOperation({
    summary: 'Account plan: goals and actions (status, overdue), the agreed cadence (next touch and review due), stakeholders; ?asOf= ?at=',
  })
  async plan(@Param('id') id: string, @Query() query: KnowledgeQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.accounts.plan(id, await this.knowledgeTime.resolve(query.asOf, query.at, () => this.reader.position()));
  }

  @Get('relationship')
  @ApiOperation({
    summary: 'Stakeholder coverage and stakeholders, relationship growth, competitors present, invoices overdue; ?asOf= ?at=',
  })
  async relationship(@Param('id') id: string, @Query() query: KnowledgeQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.accounts.relationship(id, await this.knowledgeTime.resolve(query.asOf, query.at, () => this.reader.position()));
  }

  @Get('timeline')
  @ApiOperation({ summary: "The account's events, oldest first, with recordedAt, source and recordedBy (the audit trail); ?asOf=" })
  async timeline(@Param('id') id: string, @Query() query: TimelineQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.accounts.timeline(id, query.after, query.limit ?? 100, await this.knowledgeTime.resolve(query.asOf));
  }
}
