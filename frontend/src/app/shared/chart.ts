/**
 * One chart component over TradingView's lightweight-charts for every chart in the panel:
 * candles with buy/sell markers, lines (support, resistance, equity) and histograms (volume,
 * coverage, drawdown, spreads), each on pane 0 or a pane below.
 *
 * Times are lightweight-charts times: 'YYYY-MM-DD' for daily data, or seconds for intraday data —
 * pass intraday instants through ``newYorkTime`` so the axis reads New York wall-clock time.
 */
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  OnDestroy,
  effect,
  input,
  signal,
  viewChild,
} from '@angular/core';
import {
  CandlestickData,
  CandlestickSeries,
  HistogramData,
  HistogramSeries,
  IChartApi,
  LineData,
  LineSeries,
  SeriesMarker,
  Time,
  createChart,
  createSeriesMarkers,
} from 'lightweight-charts';

import { newYorkParts } from './format';

export interface ChartLine {
  title: string;
  data: LineData<Time>[];
  color?: string;
  pane?: number;
  /** Points only, no line between them (separate events such as runs). */
  points?: boolean;
}

export interface ChartHistogram {
  title: string;
  data: HistogramData<Time>[];
  color?: string;
  pane?: number;
  /** Whole numbers on its scale (share volumes). */
  volume?: boolean;
}

export interface ChartSpec {
  candles?: CandlestickData<Time>[];
  /** Markers on the candles (or on the first line when there are no candles). */
  markers?: SeriesMarker<Time>[];
  lines?: ChartLine[];
  histograms?: ChartHistogram[];
}

/** Share of the pane kept free above and below the data. */
const PRICE_MARGIN = 0.12;
export const BUY_COLOR = '#26a69a';
export const SELL_COLOR = '#ef5350';

/** A buy or sell marker at ``time`` (seconds as ``newYorkTime`` gives them, or a day). */
export function tradeMarker(time: Time, side: 'buy' | 'sell', text: string): SeriesMarker<Time> {
  return side === 'buy'
    ? { time, position: 'belowBar', color: BUY_COLOR, shape: 'arrowUp', text }
    : { time, position: 'aboveBar', color: SELL_COLOR, shape: 'arrowDown', text };
}

/** An instant (ISO string, Date or epoch seconds) as chart seconds that read as New York time. */
export function newYorkTime(instant: string | number | Date): Time {
  const date = typeof instant === 'number' ? new Date(instant * 1000) : new Date(instant);
  const parts = newYorkParts(date);
  const wall = Date.UTC(+parts['year'], +parts['month'] - 1, +parts['day'], +parts['hour'], +parts['minute'], +parts['second']);
  return (wall / 1000) as Time;
}

@Component({
  selector: 'tc2-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div #host class="chart" role="img" [attr.aria-label]="label()" [style.height.px]="height()"></div>
    <!-- The library's licence asks for this notice and link; given here, the logo it would draw
         in the chart's corner (under the first bars and their markers) is left out. -->
    <p class="chart-credit muted small">
      <a href="https://www.tradingview.com/" target="_blank" rel="noopener noreferrer">TradingView Lightweight Charts™</a>
      Copyright © 2025 TradingView, Inc.
    </p>
    @if (failure()) {
      <p class="muted">Chart unavailable: {{ failure() }}</p>
    }
  `,
})
export class Chart implements OnDestroy {
  readonly spec = input.required<ChartSpec>();
  readonly label = input('chart');
  readonly height = input(360);
  protected readonly failure = signal<string | null>(null);
  private readonly host = viewChild.required<ElementRef<HTMLDivElement>>('host');
  private chart: IChartApi | null = null;

  constructor() {
    effect(() => this.draw(this.spec()));
  }

  ngOnDestroy(): void {
    this.chart?.remove();
    this.chart = null;
  }

  private draw(spec: ChartSpec): void {
    this.chart?.remove();
    this.chart = null;
    try {
      const chart = createChart(this.host().nativeElement, {
        autoSize: true,
        layout: {
          background: { color: '#131722' },
          textColor: '#d1d4dc',
          fontFamily: 'inherit',
          attributionLogo: false, // the notice and link are below the chart instead
        },
        grid: { vertLines: { color: '#1f2430' }, horzLines: { color: '#1f2430' } },
        // Room above and below the data, so the highest and lowest prices and the markers beside
        // them stay inside the pane instead of being cut at its edge.
        rightPriceScale: { scaleMargins: { top: PRICE_MARGIN, bottom: PRICE_MARGIN } },
        timeScale: { timeVisible: true, secondsVisible: false },
      });
      this.chart = chart;
      let marked = null;
      if (spec.candles?.length) {
        const candles = chart.addSeries(CandlestickSeries, {
          upColor: BUY_COLOR,
          downColor: SELL_COLOR,
          wickUpColor: BUY_COLOR,
          wickDownColor: SELL_COLOR,
          borderVisible: false,
        });
        candles.setData(spec.candles);
        marked = candles;
      }
      for (const line of spec.lines ?? []) {
        const series = chart.addSeries(
          LineSeries,
          {
            title: line.title,
            color: line.color ?? '#2962ff',
            lineWidth: 2,
            lineVisible: !line.points,
            pointMarkersVisible: line.points ?? false,
            pointMarkersRadius: line.points ? 4 : undefined,
          },
          line.pane ?? 0,
        );
        series.setData(line.data);
        marked ??= series;
      }
      for (const histogram of spec.histograms ?? []) {
        const series = chart.addSeries(
          HistogramSeries,
          {
            title: histogram.title,
            color: histogram.color ?? '#5d606b',
            ...(histogram.volume ? { priceFormat: { type: 'volume' as const } } : {}),
          },
          histogram.pane ?? 0,
        );
        series.setData(histogram.data);
      }
      if (marked && spec.markers?.length) {
        const sorted = [...spec.markers].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
        createSeriesMarkers(marked, sorted);
      }
      chart.timeScale().fitContent();
      this.failure.set(null);
    } catch (error) {
      // jsdom (unit tests) has no canvas; a browser that fails says why instead of a blank box.
      this.failure.set(error instanceof Error ? error.message : String(error));
    }
  }
}
