/**
 * A finished evaluation as the page shows it: equity and drawdown, the metrics, the per-day rows
 * and two evaluations side by side. Pure functions of the evaluation records.
 */
import { ChartSpec, SELL_COLOR } from '../../shared/chart';
import {
  EvaluatedDay,
  EvaluationRecord,
  NotViableReason,
  endOfRun,
  shortSelling,
} from '../run-records';
import { adjustmentLabel } from '../strategy-api';
import {
  MetricRow,
  NONE,
  Tone,
  dollars,
  percent,
  ratio,
  signedDollars,
  toneOf,
  whole,
} from '../run-figures';

const EQUITY_COLOR = '#2962ff';
const OTHER_COLOR = '#ff9800';
const BENCHMARK_COLOR = '#787b86';

type Better = 'higher' | 'lower' | null;

/** One figure of an evaluation: how to read it, write it, and which way is better. */
interface MetricDefinition {
  label: string;
  hint: string;
  read: (evaluation: EvaluationRecord) => number | null;
  format: (value: number | null) => string;
  better: Better;
  /** Colour the value by its sign. */
  signed?: boolean;
}

function finalEquity(evaluation: EvaluationRecord): number | null {
  const equity = evaluation.equity_curve?.equity ?? [];
  return equity.length ? equity[equity.length - 1] : null;
}

/** The figures of docs/METRICS.md, TC2's own first, in the order the tables list them. */
export const EVALUATION_METRICS: readonly MetricDefinition[] = [
  {
    label: 'Net profit',
    hint: 'Sum over all symbol-days, after fees',
    read: (e) => e.tc2_metrics.net_profit,
    format: signedDollars,
    better: 'higher',
    signed: true,
  },
  {
    label: 'Total return',
    hint: 'Final over initial equity, minus 1',
    read: (e) => e.performance?.total_return ?? null,
    format: percent,
    better: 'higher',
    signed: true,
  },
  {
    label: 'Initial equity',
    hint: 'Starting cash per symbol run, summed (one shared account: its starting cash)',
    read: (e) => e.initial_equity,
    format: dollars,
    better: null,
  },
  {
    label: 'Final equity',
    hint: 'Equity at the end of the last day',
    read: finalEquity,
    format: dollars,
    better: 'higher',
  },
  {
    label: 'CAGR',
    hint: 'Compound annual growth rate',
    read: (e) => e.performance?.cagr ?? null,
    format: percent,
    better: 'higher',
    signed: true,
  },
  {
    label: 'Sharpe ratio',
    hint: 'Annualised, of daily returns above the risk-free rate / 252',
    read: (e) => e.performance?.sharpe ?? null,
    format: ratio,
    better: 'higher',
  },
  {
    label: 'Sortino ratio',
    hint: 'Annualised, downside deviation only, above the risk-free rate / 252',
    read: (e) => e.performance?.sortino ?? null,
    format: ratio,
    better: 'higher',
  },
  {
    label: 'Risk-free rate',
    hint: 'Annual, as the Sharpe and Sortino ratios used it',
    read: (e) => e.risk_free_rate ?? 0,
    format: percent,
    better: null,
  },
  {
    label: 'Max drawdown',
    hint: 'Deepest fall below a running peak',
    read: (e) => e.performance?.max_drawdown ?? null,
    format: percent,
    better: 'lower',
  },
  {
    label: 'Max drawdown duration',
    hint: 'Longest run of days below a previous peak',
    read: (e) => e.performance?.max_drawdown_duration ?? null,
    format: (v) => (v === null ? NONE : `${whole(v)} ${v === 1 ? 'day' : 'days'}`),
    better: 'lower',
  },
  {
    label: 'Profit factor',
    hint: 'Gross profit over gross loss of the trades',
    read: (e) => e.performance?.profit_factor ?? null,
    format: ratio,
    better: 'higher',
  },
  {
    label: 'Expectancy',
    hint: 'Mean round-trip P&L',
    read: (e) => e.performance?.expectancy ?? null,
    format: signedDollars,
    better: 'higher',
    signed: true,
  },
  {
    label: 'SQN',
    hint: 'System quality number',
    read: (e) => e.performance?.sqn ?? null,
    format: ratio,
    better: 'higher',
  },
  {
    label: 'Trades',
    hint: 'Round trips',
    read: (e) => e.performance?.trade_count ?? null,
    format: whole,
    better: null,
  },
  {
    label: 'Exposure',
    hint: 'Share of the simulated time with a position',
    read: (e) => e.performance?.exposure ?? null,
    format: percent,
    better: null,
  },
  {
    label: 'Benchmark return',
    hint: 'Buy-and-hold of the benchmark from the first open to the last close',
    read: (e) => e.benchmark?.total_return ?? null,
    format: percent,
    better: null,
    signed: true,
  },
  {
    label: 'Alpha',
    hint: 'Annualised: 252 x the daily-return regression intercept on the benchmark',
    read: (e) => e.benchmark?.alpha ?? null,
    format: percent,
    better: 'higher',
    signed: true,
  },
  {
    label: 'Beta',
    hint: 'Slope of the daily-return regression on the benchmark',
    read: (e) => e.benchmark?.beta ?? null,
    format: ratio,
    better: null,
  },
  {
    label: 'Symbol-days evaluated',
    hint: 'TC2: symbol-days simulated',
    read: (e) => e.tc2_metrics.days_evaluated,
    format: whole,
    better: null,
  },
  {
    label: 'Symbol-days viable',
    hint: 'TC2: days the strategy found a symbol viable',
    read: (e) => e.tc2_metrics.days_viable,
    format: whole,
    better: null,
  },
  {
    label: 'Symbol-days entered',
    hint: 'TC2: days with a fill',
    read: (e) => e.tc2_metrics.days_entered,
    format: whole,
    better: null,
  },
  {
    label: 'Average daily profit',
    hint: 'TC2: mean over entered days',
    read: (e) => e.tc2_metrics.average_profit,
    format: signedDollars,
    better: 'higher',
    signed: true,
  },
  {
    label: 'Median daily profit',
    hint: 'TC2: median over entered days',
    read: (e) => e.tc2_metrics.median_profit,
    format: signedDollars,
    better: 'higher',
    signed: true,
  },
  {
    label: 'Entry ratio',
    hint: 'TC2: round trips over entry attempts',
    read: (e) => e.tc2_metrics.entry_ratio,
    format: percent,
    better: 'higher',
  },
  {
    label: 'Win ratio',
    hint: 'TC2: profitable entered days over entered days',
    read: (e) => e.tc2_metrics.win_ratio,
    format: percent,
    better: 'higher',
  },
  {
    label: 'Skipped symbol-days',
    hint: 'Sessions that could not be simulated',
    read: (e) => e.skipped,
    format: whole,
    better: 'lower',
  },
  {
    label: 'Failed symbol-days',
    hint: 'Days the strategy failed or its worker died (each says why)',
    read: (e) => e.failed ?? 0,
    format: whole,
    better: 'lower',
  },
];

/** The evaluation's figures as metrics-table rows. */
export function evaluationMetrics(evaluation: EvaluationRecord): MetricRow[] {
  return [
    ...EVALUATION_METRICS.map((metric) => {
      const value = metric.read(evaluation);
      return {
        label: metric.label,
        value: metric.format(value),
        tone: metric.signed ? toneOf(value) : null,
        hint: metric.hint,
      };
    }),
    { label: 'Short selling', value: shortSelling(evaluation), tone: null },
    {
      label: 'Positions at the end',
      value: endOfRun(evaluation),
      tone: null,
      hint: 'close_at_end: closed at the last close with fees, else marked to market',
    },
    {
      label: 'Bars',
      value: evaluation.resolution ?? NONE,
      tone: null,
      hint: 'What the strategy was fed: 1d is one bar per session, seen at its close',
    },
  ];
}

/** What an evaluation's accounts were, in words. */
export function accountsLabel(evaluation: EvaluationRecord): string {
  return evaluation.accounts === 'shared' ? 'one shared account' : 'an account per symbol';
}

/** Equity and the benchmark held from the same initial equity (top), drawdown in percent below
 * it (bottom pane), one point per day. */
export function equityChart(evaluation: EvaluationRecord): ChartSpec {
  const curve = evaluation.equity_curve ?? { days: [], equity: [], drawdown: [] };
  const benchmark = evaluation.benchmark;
  return {
    lines: [
      {
        title: `Equity (${accountsLabel(evaluation)})`,
        color: EQUITY_COLOR,
        data: curve.days.map((day, i) => ({ time: day, value: curve.equity[i] })),
      },
      ...(benchmark?.equity.length
        ? [
            {
              title: `${benchmark.symbol} buy-and-hold`,
              color: BENCHMARK_COLOR,
              data: benchmark.days.map((day, i) => ({ time: day, value: benchmark.equity[i] })),
            },
          ]
        : []),
    ],
    histograms: [
      {
        title: 'Drawdown %',
        color: SELL_COLOR,
        pane: 1,
        data: curve.days.map((day, i) => ({ time: day, value: -100 * curve.drawdown[i] })),
      },
    ],
  };
}

export interface DayRow {
  day: string;
  symbols: string;
  viable: string;
  entered: string;
  entryAttempts: number;
  roundTrips: number;
  fills: number;
  profit: string;
  tone: Tone;
  fees: string;
  exposure: string;
  outcome: string;
  skipped: boolean;
}

/** The reasons in one line, worded as the engine's ``describe_not_viable``. */
export function describeNotViable(reasons: readonly NotViableReason[]): string {
  return reasons
    .map(({ symbol, model, reason }) =>
      reason.startsWith(`${model} `) ? `${symbol} ${reason}` : `${symbol} ${model}: ${reason}`,
    )
    .join('; ');
}

/** Each symbol-day of the evaluation (skipped ones and days that were not viable say why). */
export function dayRows(evaluation: EvaluationRecord): DayRow[] {
  return evaluation.days.map((day: EvaluatedDay) => ({
    day: day.day,
    symbols: day.symbols.join(', '),
    viable: day.skipped ? NONE : day.viable ? 'yes' : 'no',
    entered: day.skipped ? NONE : day.entered ? 'yes' : 'no',
    entryAttempts: day.entry_attempts,
    roundTrips: day.round_trips,
    fills: day.fills,
    profit: day.skipped ? NONE : signedDollars(day.profit),
    tone: day.skipped ? null : toneOf(day.profit),
    fees: day.skipped ? NONE : dollars(day.fees),
    exposure:
      day.skipped || !day.session_seconds
        ? NONE
        : percent(day.exposure_seconds / day.session_seconds),
    outcome: day.skipped
      ? `skipped: ${day.skipped}`
      : day.error
        ? `failed: ${day.error.type}: ${day.error.message}${day.error.where ? ` (at ${day.error.where})` : ''}`
        : day.not_viable?.length
          ? `not viable: ${describeNotViable(day.not_viable)}`
          : day.stop_reason,
    skipped: !!day.skipped,
  }));
}

export interface ComparisonRow {
  label: string;
  hint: string;
  first: string;
  second: string;
  /** Which of the two is better by this figure, when that has a direction and they differ. */
  better: 'first' | 'second' | null;
}

/** Two evaluations' figures side by side, the better one marked where a figure has a direction. */
export function comparisonRows(first: EvaluationRecord, second: EvaluationRecord): ComparisonRow[] {
  return EVALUATION_METRICS.map((metric) => {
    const a = metric.read(first);
    const b = metric.read(second);
    let better: ComparisonRow['better'] = null;
    if (metric.better && a !== null && b !== null && a !== b) {
      better = a > b === (metric.better === 'higher') ? 'first' : 'second';
    }
    return {
      label: metric.label,
      hint: metric.hint,
      first: metric.format(a),
      second: metric.format(b),
      better,
    };
  });
}

/** Both equity curves as returns in percent (their initial equity may differ), drawdowns below. */
export function comparisonChart(
  first: EvaluationRecord,
  second: EvaluationRecord,
  names: readonly [string, string] = ['First', 'Second'],
): ChartSpec {
  const returns = (evaluation: EvaluationRecord) => {
    const curve = evaluation.equity_curve ?? { days: [], equity: [], drawdown: [] };
    return curve.days.map((day, i) => ({
      time: day,
      value: 100 * (curve.equity[i] / evaluation.initial_equity - 1),
    }));
  };
  const drawdowns = (evaluation: EvaluationRecord) => {
    const curve = evaluation.equity_curve ?? { days: [], equity: [], drawdown: [] };
    return curve.days.map((day, i) => ({ time: day, value: -100 * curve.drawdown[i] }));
  };
  return {
    lines: [
      { title: `${names[0]} return %`, color: EQUITY_COLOR, data: returns(first) },
      { title: `${names[1]} return %`, color: OTHER_COLOR, data: returns(second) },
      { title: `${names[0]} drawdown %`, color: EQUITY_COLOR, data: drawdowns(first), pane: 1 },
      { title: `${names[1]} drawdown %`, color: OTHER_COLOR, data: drawdowns(second), pane: 1 },
    ],
  };
}

export interface SetupRow {
  label: string;
  first: string;
  second: string;
  differs: boolean;
}

/** What the two evaluations were asked: strategy, symbols, range, fill model and parameters. */
export function setupRows(first: EvaluationRecord, second: EvaluationRecord): SetupRow[] {
  const row = (label: string, a: string, b: string): SetupRow => ({
    label,
    first: a,
    second: b,
    differs: a !== b,
  });
  const names = [...new Set([...Object.keys(first.params), ...Object.keys(second.params)])];
  const param = (evaluation: EvaluationRecord, name: string) =>
    name in evaluation.params ? String(evaluation.params[name]) : NONE;
  return [
    row('Strategy', first.strategy, second.strategy),
    row('Symbols', first.symbols.join(', '), second.symbols.join(', ')),
    row('Range', `${first.start} to ${first.end}`, `${second.start} to ${second.end}`),
    row('Fill model', first.fill_model, second.fill_model),
    row('Short selling', shortSelling(first), shortSelling(second)),
    row('Positions at the end', endOfRun(first), endOfRun(second)),
    row('Risk-free rate', percent(first.risk_free_rate ?? 0), percent(second.risk_free_rate ?? 0)),
    row('Bars', first.resolution ?? NONE, second.resolution ?? NONE),
    row('Prices', adjustmentLabel(first.adjustment), adjustmentLabel(second.adjustment)),
    ...names.map((name) => row(name, param(first, name), param(second, name))),
  ];
}
