import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import type { BacktestReport, Classification } from '@rapport/domain';
import { ApiClient } from './api-client';
import { InputError } from './import.command';
import { Output, table } from './keys.command';

type Shown = BacktestReport & { misses: number };

const figure = (value: number | null) => (value === null ? '-' : String(value));

/** `rapport backtest`: GET /v1/portfolio/backtest, or with --scoring the what-if POST, as tables. */
export function backtestCommand(client: () => ApiClient, output: () => Output): Command {
  return new Command('backtest')
    .description('does the health score predict churn? renewals closed in [from, to), predicted --lead-days before due')
    .requiredOption('--from <day>', 'first day of the outcome period, YYYY-MM-DD')
    .requiredOption('--to <day>', 'the day after it, YYYY-MM-DD')
    .option('--lead-days <n>', 'days before the due date at which renewals are predicted', '90')
    .option('--knowledge <valid|recorded>', 'valid: facts occurred by then; recorded: and recorded by then', 'valid')
    .option('--scoring <file.json>', 'a proposed scoring configuration (as RAPPORT_SCORING): compared with the live one')
    .option('--misses', 'list the misses (lost while green, won while red)', false)
    .action(async (options: { from: string; to: string; leadDays: string; knowledge: string; scoring?: string; misses: boolean }) => {
      const api = client();
      const out = output();
      const rows = options.misses ? 'misses' : 'none';
      if (options.scoring) {
        let scoring: unknown;
        try {
          scoring = JSON.parse(readFileSync(options.scoring, 'utf8'));
        } catch (error) {
          throw new InputError(`--scoring ${options.scoring}: ${(error as Error).message}`);
        }
        const body = {
          from: options.from,
          to: options.to,
          leadDays: Number(options.leadDays),
          knowledge: options.knowledge,
          rows,
          scoring,
        };
        const answer = await api.request<{ current: Shown; proposed: Shown }>('POST', '/v1/portfolio/backtest', body);
        if (out.json) return out.print(JSON.stringify(answer));
        out.print(sideBySide(answer.current, answer.proposed));
        if (options.misses) out.print(`\nmisses under the proposal:\n${missesTable(answer.proposed)}`);
        return;
      }
      const query = new URLSearchParams({
        from: options.from,
        to: options.to,
        leadDays: options.leadDays,
        knowledge: options.knowledge,
        rows,
      });
      const report = await api.request<Shown>('GET', `/v1/portfolio/backtest?${query.toString()}`);
      if (out.json) return out.print(JSON.stringify(report));
      out.print(describe(report));
      if (options.misses) out.print(`\n${missesTable(report)}`);
    });
}

function describe(r: Shown): string {
  const classifier = (name: string, c: Classification) => [name, String(c.flagged), figure(c.precision), figure(c.recall), figure(c.f1)];
  return [
    `renewals closed ${r.from} to ${r.to} (predicted ${r.leadDays} days before due, ${r.knowledge} knowledge): ` +
      `${r.outcomes.total}, ${r.outcomes.won} won, ${r.outcomes.lost} lost; ${r.misses} misses`,
    '',
    table(
      ['band', 'won', 'lost'],
      r.bands.map((b) => [b.band, String(b.won), String(b.lost)]),
    ),
    '',
    `AUC (churn risk → lost): ${figure(r.auc)}; lift of the riskiest tenth: ${figure(r.riskiestDecileLift)}`,
    '',
    table(
      ['predicts lost', 'flagged', 'precision', 'recall', 'F1'],
      [classifier('band red', r.red), classifier('churn risk ≥ 60', r.churnRisk60)],
    ),
    '',
    table(
      ['driver', 'with', 'lost rate', 'without', 'lost rate'],
      r.drivers.map((d) => [
        d.driver,
        String(d.present.renewals),
        figure(d.present.lostRate),
        String(d.absent.renewals),
        figure(d.absent.lostRate),
      ]),
    ),
    '',
    table(
      ['currency', 'ARR won', 'ARR lost'],
      r.arr.map((a) => [a.currency, String(a.won), String(a.lost)]),
    ),
  ].join('\n');
}

function sideBySide(current: Shown, proposed: Shown): string {
  const line = (name: string, a: number | null, b: number | null) => [
    name,
    figure(a),
    figure(b),
    a === null || b === null ? '-' : String(Math.round((b - a) * 10_000) / 10_000),
  ];
  return table(
    ['figure', 'current', 'proposed', 'delta'],
    [
      line('AUC', current.auc, proposed.auc),
      line('lift of the riskiest tenth', current.riskiestDecileLift, proposed.riskiestDecileLift),
      line('red: precision', current.red.precision, proposed.red.precision),
      line('red: recall', current.red.recall, proposed.red.recall),
      line('red: F1', current.red.f1, proposed.red.f1),
      line('risk ≥ 60: precision', current.churnRisk60.precision, proposed.churnRisk60.precision),
      line('risk ≥ 60: recall', current.churnRisk60.recall, proposed.churnRisk60.recall),
      line('risk ≥ 60: F1', current.churnRisk60.f1, proposed.churnRisk60.f1),
      line('misses', current.misses, proposed.misses),
      ...current.bands.map((b, i) => line(`lost while ${b.band}`, b.lost, proposed.bands[i].lost)),
    ],
  );
}

function missesTable(r: Shown): string {
  return table(
    ['account', 'renewal', 'due', 'band', 'health', 'churn risk', 'outcome'],
    r.rows.map((row) => [
      row.accountId,
      row.renewalId,
      row.dueDate,
      row.health.band ?? 'no data',
      figure(row.health.score),
      String(row.churnRisk.score),
      row.outcome,
    ]),
  );
}
