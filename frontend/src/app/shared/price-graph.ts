/**
 * The PRICE_GRAPH visual (tc2/program/visuals.py price_graph) as every page draws it: its JSON,
 * checked; the chart spec for ``<tc2-chart>`` (daily candles over each session's coverage); the
 * figures about the coverage; and the legend that goes under the chart.
 */
import { ChangeDetectionStrategy, Component } from '@angular/core';
import { Time } from 'lightweight-charts';

import { BUY_COLOR, ChartSpec, SELL_COLOR } from './chart';

export interface DailyCandle {
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume?: number;
}

/** One session's coverage. */
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
  candles: DailyCandle[];
  coverage: CoveragePoint[];
  missing_days: string[];
}

export const FULL_COVERAGE_COLOR = BUY_COLOR;
export const PARTIAL_COVERAGE_COLOR = '#f0b429';
export const MISSING_COLOR = SELL_COLOR;

/** A visual's JSON, checked: null when it is not a PRICE_GRAPH that can be drawn. */
export function asPriceGraph(visual: Record<string, unknown>): PriceGraph | null {
  const { candles, coverage, missing_days: missing, symbol } = visual;
  if (!Array.isArray(candles) || !Array.isArray(coverage)) {
    return null;
  }
  return {
    symbol: typeof symbol === 'string' ? symbol : '',
    candles: candles as DailyCandle[],
    coverage: coverage as CoveragePoint[],
    missing_days: Array.isArray(missing) ? (missing as string[]) : [],
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/**
 * Daily candles above, each session's coverage (% of its minutes with a bar) below: full
 * sessions green, partial ones amber, sessions without data as a full-height red "missing" bar.
 */
export function priceGraphChart(graph: PriceGraph): ChartSpec {
  const present = graph.coverage.filter((point) => !point.missing);
  const missing = graph.coverage.filter((point) => point.missing);
  const spec: ChartSpec = {
    candles: graph.candles.map((c) => ({ time: c.time as Time, open: c.open, high: c.high, low: c.low, close: c.close })),
    histograms: [
      {
        title: 'coverage %',
        pane: 1,
        data: present.map((point) => ({
          time: point.time as Time,
          value: point.value,
          color: point.value >= 100 ? FULL_COVERAGE_COLOR : PARTIAL_COVERAGE_COLOR,
        })),
      },
    ],
  };
  if (missing.length) {
    spec.histograms!.push({
      title: 'missing',
      pane: 1,
      color: MISSING_COLOR,
      data: missing.map((point) => ({ time: point.time as Time, value: 100 })),
    });
  }
  return spec;
}

export interface CoverageSummary {
  sessions: number;
  withData: number;
  fullyCovered: number;
  /** Mean coverage of the sessions with data, in percent; null when none has any. */
  meanCoverage: number | null;
  missingDays: string[];
}

export function coverageSummary(graph: PriceGraph): CoverageSummary {
  const present = graph.coverage.filter((point) => !point.missing);
  return {
    sessions: graph.coverage.length,
    withData: present.length,
    fullyCovered: present.filter((point) => point.value >= 100).length,
    meanCoverage: present.length ? round(present.reduce((sum, p) => sum + p.value, 0) / present.length, 2) : null,
    missingDays: [...graph.missing_days],
  };
}

/** Sessions with some, but not all, minutes on file, worst first. */
export function partialSessions(graph: PriceGraph): CoveragePoint[] {
  return graph.coverage.filter((point) => !point.missing && point.value < 100).sort((a, b) => a.value - b.value);
}

/** What the coverage bars' colours mean. */
@Component({
  selector: 'tc2-coverage-legend',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <p class="legend small">
      <span class="swatch" [style.background]="colors.full"></span> every minute on file
      <span class="swatch" [style.background]="colors.partial"></span> some minutes missing (height: % on file)
      <span class="swatch" [style.background]="colors.missing"></span> no data for the session
    </p>
  `,
  styles: `
    .legend { display: flex; gap: 0.4rem 0.75rem; align-items: center; flex-wrap: wrap; color: var(--muted); }
    .swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 2px; }
  `,
})
export class CoverageLegend {
  protected readonly colors = { full: FULL_COVERAGE_COLOR, partial: PARTIAL_COVERAGE_COLOR, missing: MISSING_COLOR };
}
