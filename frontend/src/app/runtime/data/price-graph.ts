import { CandlestickData, HistogramData, Time } from 'lightweight-charts';

import { BUY_COLOR, ChartSpec, SELL_COLOR } from '../../shared/chart';

/** One session of the PRICE_GRAPH visual's coverage (tc2/program/visuals.py price_graph). */
export interface CoveragePoint {
  time: string;
  /** Percent of the session's minutes that have a bar. */
  value: number;
  minutes: number;
  session_minutes: number;
  missing: boolean;
}

/** The PRICE_GRAPH visual: daily candles and each session's minute coverage. */
export interface PriceGraph {
  symbol: string;
  candles: { time: string; open: number; high: number; low: number; close: number; volume?: number }[];
  coverage: CoveragePoint[];
  missing_days: string[];
}

export const PARTIAL_COLOR = '#f0b429';

/** The visual's JSON, checked: null when it is not a PRICE_GRAPH this page can draw. */
export function asPriceGraph(visual: Record<string, unknown>): PriceGraph | null {
  const { candles, coverage, missing_days: missing, symbol } = visual;
  if (!Array.isArray(candles) || !Array.isArray(coverage)) {
    return null;
  }
  return {
    symbol: typeof symbol === 'string' ? symbol : '',
    candles: candles as PriceGraph['candles'],
    coverage: coverage as CoveragePoint[],
    missing_days: Array.isArray(missing) ? (missing as string[]) : [],
  };
}

/**
 * Candles on top; below, one bar per session: green when every minute has a bar, amber when some
 * are missing (its height is the percentage), red at full height when the session has no data at all.
 */
export function priceGraphChart(graph: PriceGraph): ChartSpec {
  const candles: CandlestickData<Time>[] = graph.candles.map((c) => ({
    time: c.time as Time,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
  }));
  const coverage: HistogramData<Time>[] = graph.coverage.map((point) => ({
    time: point.time as Time,
    value: point.missing ? 100 : point.value,
    color: point.missing ? SELL_COLOR : point.value >= 100 ? BUY_COLOR : PARTIAL_COLOR,
  }));
  return { candles, histograms: [{ title: 'Coverage %', data: coverage, pane: 1 }] };
}

/** Sessions with some, but not all, minutes on file, worst first. */
export function partialSessions(graph: PriceGraph): CoveragePoint[] {
  return graph.coverage.filter((point) => !point.missing && point.value < 100).sort((a, b) => a.value - b.value);
}
