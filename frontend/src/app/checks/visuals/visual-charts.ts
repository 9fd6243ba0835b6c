/**
 * Pure transforms from a visual's JSON to what the page draws: chart specs for ``<tc2-chart>``
 * (intraday times through ``newYorkTime`` so the axis reads New York time), and the rows of the
 * tables beside them. PRICE_GRAPH's are shared with the Data page (shared/price-graph).
 */
import { Time } from 'lightweight-charts';

import { BUY_COLOR, ChartLine, ChartSpec, SELL_COLOR, newYorkTime, tradeMarker } from '../../shared/chart';
import {
  Breakout1SetupVisual,
  DaySpreadVisual,
  EquityCurveVisual,
  IntradayCandle,
  RunHistoryVisual,
  SingleRunVisual,
} from './visual-json';

export const RESISTANCE_COLOR = '#ef5350';
export const SUPPORT_COLOR = '#26a69a';
/** One colour per strategy in RUN_HISTORY, in turn. */
export const STRATEGY_COLORS = ['#4c8dff', '#f0b429', '#ab47bc', '#26c6da', '#ff7043', '#9ccc65', '#ec407a', '#8d6e63'];

function intraday(candles: readonly IntradayCandle[]) {
  return candles.map((c) => ({ time: newYorkTime(c.time), open: c.open, high: c.high, low: c.low, close: c.close }));
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

// --- RUN_HISTORY ---------------------------------------------------------------------------

/**
 * One line per strategy: its profit per day (runs of one strategy on one day added up, as a
 * chart series takes one value per time).
 */
export function runHistoryChart(visual: RunHistoryVisual): ChartSpec {
  const lines: ChartLine[] = visual.series.map((series, index) => {
    const byDay = new Map<string, number>();
    for (const point of series.points) {
      byDay.set(point.time, (byDay.get(point.time) ?? 0) + point.value);
    }
    return {
      title: series.strategy,
      color: STRATEGY_COLORS[index % STRATEGY_COLORS.length],
      // Runs are separate events: a point each, no line suggesting values between them.
      points: true,
      data: [...byDay.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([day, profit]) => ({ time: day as Time, value: round(profit, 2) })),
    };
  });
  return { lines };
}

export interface RunRow {
  runId: string;
  strategy: string;
  day: string;
  profit: number;
}

/** Every run of the history, newest first, to list with a link to its SINGLE_RUN. */
export function runHistoryRows(visual: RunHistoryVisual): RunRow[] {
  const rows = visual.series.flatMap((series) =>
    series.points.map((point) => ({ runId: point.run_id, strategy: series.strategy, day: point.time, profit: point.value })),
  );
  return rows.sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : a.strategy.localeCompare(b.strategy)));
}

// --- DAY_SPREAD ----------------------------------------------------------------------------

export interface SpreadBar {
  label: string;
  count: number;
  /** The bar's length: its count as a percentage of the largest count. */
  length: number;
}

/**
 * The spread histogram's buckets as bars (the chart library draws only time axes), lowest
 * first, with the empty buckets between the lowest and the highest filled in at zero.
 */
export function daySpreadBars(visual: DaySpreadVisual): SpreadBar[] {
  const width = visual.bucket_pct;
  const counts = new Map(visual.histogram.map((bucket) => [Math.round(bucket.from_pct / width), bucket.count]));
  if (!counts.size || !(width > 0)) {
    return [];
  }
  const most = Math.max(...counts.values());
  const bars: SpreadBar[] = [];
  for (let index = Math.min(...counts.keys()); index <= Math.max(...counts.keys()); index++) {
    const count = counts.get(index) ?? 0;
    bars.push({
      label: `${(index * width).toFixed(2)}–${((index + 1) * width).toFixed(2)} %`,
      count,
      length: most ? round((100 * count) / most, 2) : 0,
    });
  }
  return bars;
}

// --- SINGLE_RUN ----------------------------------------------------------------------------

/** Each symbol's minute candles with a buy or sell marker per fill; the traded symbols first. */
export function singleRunCharts(visual: SingleRunVisual): { symbol: string; spec: ChartSpec }[] {
  const charts = Object.entries(visual.charts).sort(
    ([, a], [, b]) => Number(b.markers.length > 0) - Number(a.markers.length > 0),
  );
  return charts.map(([symbol, chart]) => ({
    symbol,
    spec: {
      candles: intraday(chart.candles),
      markers: chart.markers.map((marker) =>
        tradeMarker(newYorkTime(marker.time), marker.position === 'belowBar' ? 'buy' : 'sell', marker.text),
      ),
    },
  }));
}

// --- BREAKOUT1_SETUP -----------------------------------------------------------------------

/** The day's minute candles up to the moment, with the model's resistance and support lines. */
export function breakoutSetupChart(visual: Breakout1SetupVisual): ChartSpec {
  const lines: ChartLine[] = [];
  for (const [name, color] of [
    ['resistance', RESISTANCE_COLOR],
    ['support', SUPPORT_COLOR],
  ] as const) {
    const points = visual.lines[name];
    if (points?.length) {
      lines.push({ title: name, color, data: points.map((p) => ({ time: newYorkTime(p.time), value: p.value })) });
    }
  }
  return { candles: intraday(visual.candles), lines };
}

/** A model step's figures (everything but its name and verdict), as "name value" texts. */
export function stepFigures(step: Record<string, unknown>): { name: string; value: unknown }[] {
  return Object.entries(step)
    .filter(([name]) => name !== 'step' && name !== 'passed')
    .map(([name, value]) => ({ name, value }));
}

// --- EQUITY_CURVE --------------------------------------------------------------------------

/** Equity as a line above; drawdown below the running peak as red bars, in negative percent. */
export function equityCurveChart(visual: EquityCurveVisual): ChartSpec {
  return {
    lines: [{ title: 'equity', color: BUY_COLOR, data: visual.equity.map((p) => ({ time: p.time as Time, value: p.value })) }],
    histograms: [
      {
        title: 'drawdown %',
        pane: 1,
        color: SELL_COLOR,
        data: visual.drawdown.map((p) => ({ time: p.time as Time, value: p.value ? -round(100 * p.value, 4) : 0 })),
      },
    ],
  };
}
