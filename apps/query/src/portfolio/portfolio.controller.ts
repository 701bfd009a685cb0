import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  BacktestQuery,
  ChurnRiskQuery,
  ExpansionQuery,
  KeyAccountsQuery,
  MetricsQuery,
  MetricsSeriesQuery,
  PlanActionsQuery,
  PortfolioHealthQuery,
  WhatIfBody,
} from '../query-params';
import { PortfolioBacktest } from './portfolio-backtest';
import { ReadModelReader } from '../read-model-reader';
import { PortfolioQueries } from './portfolio-queries';
import { KnowledgeTime } from '../knowledge-time';
import { CachedAnswer } from '../answer-cache-hooks';
import { RequiresScope } from '@rapport/platform';

@ApiTags('portfolio')
@Controller('v1/portfolio')
@RequiresScope('read')
export class PortfolioController {
  constructor(
    private readonly portfolio: PortfolioQueries,
    private readonly reader: ReadModelReader,
    private readonly knowledgeTime: KnowledgeTime,
    private readonly backtest: PortfolioBacktest,
  ) {}

  private knowledge(query: { asOf?: string; at?: string }) {
    return this.knowledgeTime.resolve(query.asOf, query.at, () => this.reader.position());
  }

  @Get('health')
  @CachedAnswer()
  @ApiOperation({ summary: 'Accounts with health, worst first; filters band, ownerId, keyAccount; cursor pagination; ?asOf= ?at=' })
  async health(@Query() query: PortfolioHealthQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.portfolio.health(query, await this.knowledge(query));
  }

  @Get('churn-risk')
  @CachedAnswer()
  @ApiOperation({ summary: 'Accounts by churn risk with drivers and ARR at risk within the horizon; totals per currency; ?asOf= ?at=' })
  async churnRisk(@Query() query: ChurnRiskQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.portfolio.churnRisk(query, await this.knowledge(query));
  }

  @Get('expansion')
  @CachedAnswer()
  @ApiOperation({
    summary: 'Expansion signals with reasons and potential; realised expansion ARR in [from, to) (default: the last 365 days)',
  })
  async expansion(@Query() query: ExpansionQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.portfolio.expansion(query, await this.knowledge(query));
  }

  @Get('metrics')
  @CachedAnswer()
  @ApiOperation({
    summary: 'GRR, NRR, churned/contraction/expansion ARR, logo churn, renewal rate, NPS over [from, to), per currency; ?asOf=',
  })
  async metrics(@Query() query: MetricsQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.portfolio.metrics(query, await this.knowledge(query));
  }

  @Get('metrics/series')
  @CachedAnswer()
  @ApiOperation({ summary: 'The metrics of each month or quarter in [from, to), optionally per ownerId, segment or keyAccount' })
  async metricsSeries(@Query() query: MetricsSeriesQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.portfolio.metricsSeries(query);
  }

  @Get('key-accounts')
  @CachedAnswer()
  @ApiOperation({
    summary: 'The key-account programme against its cap (size, ARR share) and its accounts by fit; ?candidates=true: the others by fit',
  })
  async keyAccounts(@Query() query: KeyAccountsQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.portfolio.keyAccounts(query);
  }

  @Get('actions')
  @CachedAnswer()
  @ApiOperation({ summary: "The account plans' actions by due date; filters ownerId, overdue=true (open, due before today), status" })
  async actions(@Query() query: PlanActionsQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.portfolio.actions(query);
  }

  @Get('backtest')
  @ApiOperation({
    summary: 'Does the score predict churn? Renewals closed in [from, to), each predicted leadDays before due: bands, AUC, drivers, misses',
  })
  async backtestReport(@Query() query: BacktestQuery) {
    return this.backtest.report(query);
  }

  @Post('backtest')
  @HttpCode(200)
  @ApiOperation({ summary: 'What-if: the same backtest under a proposed scoring configuration, beside the live one, with the deltas' })
  async whatIf(@Body() body: WhatIfBody) {
    return this.backtest.whatIf(body);
  }
}
