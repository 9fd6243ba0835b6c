/**
 * The shapes of a finished run's ``result``: the engine's ``RunRecord.to_dict()`` for a
 * simulation and ``Evaluation.to_dict()`` for an evaluation (tc2/simulation/records.py and
 * evaluator.py). The API types them as plain objects; these say what the pages read of them.
 */

export type Side = 'buy' | 'sell';

export interface FillRecord {
  client_order_id: string;
  symbol: string;
  side: Side;
  qty: number;
  price: number;
  /** UTC epoch seconds. */
  t: number;
  fee: number;
}

export interface OrderRecord {
  client_order_id: string;
  symbol: string;
  side: Side;
  qty: number;
  /** Dollars, for an order sized at its fill price; absent or null for one in shares. */
  notional?: number | null;
  type: string;
  limit_price: number | null;
  stop_price: number | null;
  time_in_force?: string;
  submitted_t: number;
  status: string;
  reason: string;
  filled_qty: number;
  average_fill_price: number | null;
  fills?: FillRecord[];
}

/** One decision the strategy logged: when, about which symbol, what, and its figures. */
export interface TimelineEntry {
  t: number;
  symbol: string | null;
  message: string;
  data: unknown;
}

/**
 * Why a symbol was not viable on a day: the model that failed it (``is_viable`` when the
 * strategy's own check said no) and the model's reason.
 */
export interface NotViableReason {
  symbol: string;
  model: string;
  reason: string;
}

export interface RunRecord {
  strategy: string;
  params: Record<string, unknown>;
  symbols: string[];
  day: string;
  end_day: string;
  kind: string;
  resolution: string;
  fill_model: string;
  /** Absent in runs recorded before the option existed (short selling was refused). */
  allow_short?: boolean;
  /** What became of the positions open at the end (``END_OF_RUN``); absent in older runs. */
  end_of_run?: string;
  /** raw, split or all; absent in runs from before the option (they ran on raw prices). */
  adjustment?: string;
  starting_cash: number;
  ending_equity: number;
  profit: number;
  fees: number;
  viable: boolean;
  became_viable_t: number | null;
  started_t: number | null;
  ended_t: number;
  stop_reason: string;
  /** Why a run that never started was not viable; absent in runs recorded before it was kept. */
  not_viable?: NotViableReason[];
  entry_attempts: number;
  round_trips: number;
  trade_pnls: number[];
  exposure_seconds: number;
  session_seconds: number;
  events: number;
  fingerprint: string;
  orders: OrderRecord[];
  fills: FillRecord[];
  timeline: TimelineEntry[];
  timeline_dropped: number;
}

export interface Tc2Metrics {
  days_evaluated: number;
  days_viable: number;
  days_entered: number;
  average_profit: number | null;
  median_profit: number | null;
  net_profit: number;
  entry_ratio: number | null;
  win_ratio: number | null;
}

export interface PerformanceMetrics {
  total_return: number;
  cagr: number | null;
  sharpe: number | null;
  sortino: number | null;
  max_drawdown: number;
  max_drawdown_duration: number;
  profit_factor: number | null;
  expectancy: number | null;
  sqn: number | null;
  exposure: number;
  trade_count: number;
}

export interface EvaluatedDay {
  day: string;
  symbols: string[];
  viable: boolean;
  entered: boolean;
  entry_attempts: number;
  round_trips: number;
  profit: number;
  fees: number;
  fills: number;
  trade_pnls: number[];
  exposure_seconds: number;
  session_seconds: number;
  stop_reason: string;
  /** Why a day that was not viable was not; absent in runs recorded before it was kept. */
  not_viable?: NotViableReason[];
  fingerprint: string;
  /** Why the day was not simulated; null when it was. */
  skipped: string | null;
  /** Why the day failed (its strategy's error, a dead or stopped worker); null when it did not. */
  error?: DayError | null;
}

export interface DayError {
  type: string;
  message: string;
  /** ``file:line in function`` where it was raised, or empty. */
  where: string;
}

/** Buy-and-hold of the benchmark over the evaluation's sessions (tc2/simulation/benchmark.py). */
export interface BenchmarkRecord {
  symbol: string;
  days: string[];
  equity: number[];
  total_return: number | null;
  /** Annualised intercept of the daily-return regression on the benchmark. */
  alpha: number | null;
  beta: number | null;
  warning: string | null;
}

export interface EvaluationRecord {
  strategy: string;
  kind: string;
  params: Record<string, unknown>;
  symbols: string[];
  start: string;
  end: string;
  fill_model: string;
  allow_short?: boolean;
  end_of_run?: string;
  /** Annual, as Sharpe and Sortino used it; absent in older runs (0). */
  risk_free_rate?: number;
  /** The bars it ran on; evaluations recorded before daily bars lack it. */
  resolution?: string;
  adjustment?: string;
  /** ``per_symbol`` or ``shared``; absent in evaluations recorded before portfolio mode. */
  accounts?: string;
  initial_equity: number;
  tc2_metrics: Tc2Metrics;
  performance: PerformanceMetrics | null;
  equity_curve: { days: string[]; equity: number[]; drawdown: number[] } | null;
  /** Absent in evaluations recorded before the benchmark line. */
  benchmark?: BenchmarkRecord | null;
  days: EvaluatedDay[];
  skipped: number;
  failed?: number;
  fingerprint: string;
  elapsed_seconds: number;
}

/** A result's ``end_of_run`` in words (tc2/simulation/simulator.py EndOfRun). */
export const END_OF_RUN: Record<string, string> = {
  flattened_at_close: 'Flattened at the close (day strategy)',
  closed_at_last_close: "Closed at the last bar's close, with fees",
  marked_to_market: 'Still open, marked to market at the last close',
};

/** What became of the positions open at the end of a run, in words. */
export function endOfRun(record: { end_of_run?: string; kind: string }): string {
  const code =
    record.end_of_run ?? (record.kind === 'day' ? 'flattened_at_close' : 'marked_to_market');
  return END_OF_RUN[code] ?? code;
}

/** Whether the run allowed short selling, in words. */
export function shortSelling(record: { allow_short?: boolean }): string {
  return record.allow_short ? 'Allowed' : 'Refused';
}

/** A simulation's result as a run record, or null when it is not one (not finished, other kind). */
export function asRunRecord(result: unknown): RunRecord | null {
  const record = result as Partial<RunRecord> | null;
  return record &&
    typeof record === 'object' &&
    Array.isArray(record.fills) &&
    Array.isArray(record.orders)
    ? (record as RunRecord)
    : null;
}

/** An evaluation's result, or null when it is not one. */
export function asEvaluation(result: unknown): EvaluationRecord | null {
  const record = result as Partial<EvaluationRecord> | null;
  return record && typeof record === 'object' && Array.isArray(record.days) && !!record.tc2_metrics
    ? (record as EvaluationRecord)
    : null;
}
