import { Module } from '@nestjs/common';
import { AccountAnswersAhead } from './accounts/account-answers-ahead';
import { AccountQueries } from './accounts/account-queries';
import { AnswerCache } from './answer-cache';
import { AnswerCacheHooks } from './answer-cache-hooks';
import { AccountsController } from './accounts/accounts.controller';
import { AuditController } from './audit/audit.controller';
import { DashboardController } from './dashboard/dashboard.controller';
import { PortfolioController } from './portfolio/portfolio.controller';
import { PortfolioQueries } from './portfolio/portfolio-queries';
import { PortfolioAsOf } from './portfolio/portfolio-as-of';
import { PortfolioBacktest } from './portfolio/portfolio-backtest';
import { KnowledgeTime } from './knowledge-time';
import { ReadModelReader } from './read-model-reader';
import { HealthStreamController } from './stream/health-stream.controller';

/** The read side: api.md's Query routes over the active read model. Needs the DatabaseModule and ScoringConfigModule. */
@Module({
  controllers: [AccountsController, PortfolioController, HealthStreamController, AuditController, DashboardController],
  providers: [
    ReadModelReader,
    KnowledgeTime,
    AccountQueries,
    PortfolioQueries,
    PortfolioAsOf,
    PortfolioBacktest,
    AnswerCache,
    AccountAnswersAhead,
    AnswerCacheHooks,
  ],
  exports: [ReadModelReader],
})
export class QueryModule {}
