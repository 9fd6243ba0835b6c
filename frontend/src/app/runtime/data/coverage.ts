/**
 * The Data page's figures and chart, from one source: the server counts a symbol's coverage once
 * (tc2/data/coverage.py) and gives the same row to the table (GET /api/data/status) and to the
 * chart (GET /api/data/coverage/<symbol>, which adds each session of the window). Both are read
 * here by the same functions, so the table and the caption under the chart cannot count apart.
 *
 * Dates are New York session dates (YYYY-MM-DD). The chart's window is the sessions from the first
 * on file to the last: what was seeded, collected or imported, never a span counted from today.
 */
import { Schemas } from '../../core/api';
import { ChartSpec } from '../../shared/chart';
import { NONE } from '../../shared/format';
import { CoveragePoint, PriceGraph, priceGraphChart } from '../../shared/price-graph';

export type SymbolCoverage = Schemas['SymbolCoverage'];
export type DataCoverage = Schemas['DataCoverageOutput'];

/** Coverage bars of a day the rule judged invalid (of the last 40 on file checked). */
export const INVALID_COLOR = '#b07cff';

/** What the table's row and the chart's caption say about one symbol at one bar size. */
export interface CoverageFigures {
  sessionsOnFile: number;
  /** ``2026-10-05 to 2026-11-30``, or ``—`` when nothing is on file. */
  span: string;
  missingDays: string[];
  checked: number;
  valid: number;
  invalidDays: string[];
}

export function coverageFigures(row: SymbolCoverage): CoverageFigures {
  return {
    sessionsOnFile: row.sessions_on_file,
    span: sessionSpan(row.first_day, row.last_day),
    missingDays: [...row.missing_days],
    checked: row.checked,
    valid: row.valid,
    invalidDays: row.invalid.map((day) => day.day),
  };
}

/** From one New York session date to another, as the page labels windows. */
export function sessionSpan(first: string | null | undefined, last: string | null | undefined): string {
  if (!first || !last) {
    return NONE;
  }
  return first === last ? first : `${first} to ${last}`;
}

/** The chart's window in words: its sessions, and how many of those on file it shows. */
export function windowLabel(coverage: DataCoverage): string {
  const sessions = coverage.sessions.length;
  if (!sessions) {
    return 'No sessions on file';
  }
  const span = sessionSpan(coverage.window_start, coverage.window_end);
  const shown = coverage.sessions.filter((session) => session.on_file).length;
  const all = shown === coverage.sessions_on_file ? 'every session on file' : `the latest ${shown} of ${coverage.sessions_on_file} sessions on file`;
  return `${span} (New York session dates): ${sessions} ${sessions === 1 ? 'session' : 'sessions'}, ${all}`;
}

/** The window as the shared PRICE_GRAPH shape, so it is drawn and summed as every price graph is. */
export function coverageGraph(coverage: DataCoverage): PriceGraph {
  const candles = coverage.sessions
    .filter((session) => session.candle !== null)
    .map((session) => ({ time: session.day, ...session.candle! }));
  const points: CoveragePoint[] = coverage.sessions.map((session) => ({
    time: session.day,
    value: session.coverage_pct,
    minutes: session.covered_minutes,
    session_minutes: session.session_minutes,
    missing: !session.on_file,
  }));
  return {
    symbol: coverage.symbol,
    candles,
    coverage: points,
    missing_days: points.filter((point) => point.missing).map((point) => point.time),
  };
}

/** Candles over coverage (full green, partial amber, missing red), invalid days in their colour. */
export function coverageChart(coverage: DataCoverage): ChartSpec {
  const spec = priceGraphChart(coverageGraph(coverage));
  const invalid = new Set(coverage.sessions.filter((session) => session.valid === false).map((session) => session.day));
  const bars = spec.histograms?.[0];
  if (bars && invalid.size) {
    bars.data = bars.data.map((bar) => (invalid.has(bar.time as string) ? { ...bar, color: INVALID_COLOR } : bar));
  }
  return spec;
}
