import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChurnRiskQuery, ExpansionQuery, PeriodQuery, PortfolioHealthQuery } from '../query-params';
import { ReadModelReader } from '../read-model-reader';
import { PortfolioQueries } from './portfolio-queries';
import { RequiresScope } from '@rapport/platform';

@ApiTags('portfolio')
@Controller('v1/portfolio')
@RequiresScope('read')
export class PortfolioController {
  constructor(
    private readonly portfolio: PortfolioQueries,
    private readonly reader: ReadModelReader,
  ) {}

  @Get('health')
  @ApiOperation({ summary: 'Accounts with health, worst first; filters band, ownerId, keyAccount; cursor pagination' })
  async health(@Query() query: PortfolioHealthQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.portfolio.health(query);
  }

  @Get('churn-risk')
  @ApiOperation({ summary: 'Accounts by churn risk with drivers and ARR at risk within the horizon; totals per currency' })
  async churnRisk(@Query() query: ChurnRiskQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.portfolio.churnRisk(query);
  }

  @Get('expansion')
  @ApiOperation({
    summary: 'Expansion signals with reasons and potential; realised expansion ARR in [from, to) (default: the last 365 days)',
  })
  async expansion(@Query() query: ExpansionQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.portfolio.expansion(query);
  }

  @Get('metrics')
  @ApiOperation({ summary: 'GRR, NRR, churned/contraction/expansion ARR, logo churn, renewal rate, NPS over [from, to), per currency' })
  async metrics(@Query() query: PeriodQuery) {
    await this.reader.waitFor(query.minPosition);
    return this.portfolio.metrics(query);
  }
}
