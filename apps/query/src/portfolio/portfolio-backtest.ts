import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  accountStreamId,
  backtestAccount,
  BacktestOptions,
  backtestReport,
  BacktestReport,
  BacktestRow,
  ChurnDriverName,
  decodeEvent,
  isMiss,
  ScoringConfig,
  scoringConfig,
  ScoringConfigError,
} from '@rapport/domain';
import { EVENT_STORE, EventStore } from '@rapport/event-store';
import { problem, problemTypes, SCORING_CONFIG } from '@rapport/platform';
import { BacktestQuery, WhatIfBody } from '../query-params';
import { ReadModelReader } from '../read-model-reader';

/** Streams read per query while backtesting: memory holds this many accounts' events at a time. */
const STREAMS_PER_READ = 250;

/**
 * The backtest (docs/api.md, "Backtest"): the accounts that closed a renewal in the period, found in the read model,
 * each read from the log once and predicted with the pure scoring functions, under one or several configurations.
 * Nothing is written: the live configuration and read models stay as they are.
 */
@Injectable()
export class PortfolioBacktest {
  constructor(
    private readonly reader: ReadModelReader,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SCORING_CONFIG) private readonly config: ScoringConfig,
  ) {}

  async report(query: BacktestQuery) {
    const options = this.options(query);
    const [report] = await this.run(options, [this.config]);
    return shown(report, query.rows ?? 'all');
  }

  /** The live configuration and a proposal over it, side by side, with the deltas of the figures that compare. */
  async whatIf(body: WhatIfBody) {
    const options = this.options(body);
    let proposed: ScoringConfig;
    try {
      proposed = scoringConfig(body.scoring, this.config);
    } catch (error) {
      if (!(error instanceof ScoringConfigError)) throw error;
      throw problem(HttpStatus.BAD_REQUEST, problemTypes.invalidRequest, 'Invalid request', error.message, [
        { field: `scoring.${error.field}`, message: error.reason },
      ]);
    }
    const [current, candidate] = await this.run(options, [this.config, proposed]);
    const moved = current.rows.filter((row, i) => row.health.band !== candidate.rows[i].health.band).length;
    return {
      current: shown(current, body.rows ?? 'none'),
      proposed: shown(candidate, body.rows ?? 'none'),
      scoring: { current: this.config, proposed },
      deltas: {
        auc: delta(candidate.auc, current.auc),
        riskiestDecileLift: delta(candidate.riskiestDecileLift, current.riskiestDecileLift),
        red: {
          precision: delta(candidate.red.precision, current.red.precision),
          recall: delta(candidate.red.recall, current.red.recall),
          f1: delta(candidate.red.f1, current.red.f1),
        },
        churnRisk60: {
          precision: delta(candidate.churnRisk60.precision, current.churnRisk60.precision),
          recall: delta(candidate.churnRisk60.recall, current.churnRisk60.recall),
          f1: delta(candidate.churnRisk60.f1, current.churnRisk60.f1),
        },
        renewalsChangingBand: moved,
      },
    };
  }

  private options(query: BacktestQuery): BacktestOptions {
    if (query.from >= query.to) {
      throw problem(HttpStatus.BAD_REQUEST, problemTypes.invalidRequest, 'Invalid request', 'from must be before to', [
        { field: 'to', message: 'must be after from' },
      ]);
    }
    return { from: query.from, to: query.to, leadDays: query.leadDays ?? 90, knowledge: query.knowledge ?? 'valid' };
  }

  /** One report per configuration, from one read of each account's events. */
  private async run(options: BacktestOptions, configs: readonly ScoringConfig[]): Promise<BacktestReport[]> {
    const accounts = await this.reader.query<{ account_id: string }>(
      (s) => `SELECT DISTINCT account_id FROM ${s}.rm_renewal_outcomes
              WHERE occurred_at >= $1::date AND occurred_at < $2::date ORDER BY account_id`,
      [options.from, options.to],
    );
    const ids = accounts.map((a) => a.account_id);
    const rows: BacktestRow[][] = configs.map(() => []);
    for (let i = 0; i < ids.length; i += STREAMS_PER_READ) {
      const batch = ids.slice(i, i + STREAMS_PER_READ);
      const streams = await this.store.readStreams(batch.map(accountStreamId));
      for (const accountId of batch) {
        const events = streams.get(accountStreamId(accountId))!.map(decodeEvent);
        configs.forEach((config, c) => rows[c].push(...backtestAccount(accountId, events, options, config)));
      }
    }
    const drivers = Object.keys(this.config.churnPoints) as ChurnDriverName[];
    return rows.map((list) => backtestReport(list, options, drivers));
  }
}

function delta(after: number | null, before: number | null): number | null {
  return after === null || before === null ? null : Math.round((after - before) * 10_000) / 10_000;
}

function shown(report: BacktestReport, rows: 'all' | 'misses' | 'none') {
  const listed = rows === 'all' ? report.rows : rows === 'misses' ? report.rows.filter(isMiss) : [];
  return { ...report, rows: listed, misses: report.rows.filter(isMiss).length };
}
