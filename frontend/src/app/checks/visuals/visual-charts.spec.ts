/**
 * Each visual's JSON as a chart spec (PRICE_GRAPH's: shared/price-graph.spec.ts). The inputs are
 * the shapes tc2/program/visuals.py's unit tests (tests/unit/program/test_visuals.py) pin down.
 */
import { BUY_COLOR, SELL_COLOR, newYorkTime } from '../../shared/chart';
import {
  RESISTANCE_COLOR,
  SUPPORT_COLOR,
  breakoutSetupChart,
  daySpreadBars,
  equityCurveChart,
  runHistoryChart,
  runHistoryRows,
  singleRunCharts,
  stepFigures,
} from './visual-charts';
import { marketClock } from '../../shared/format';
import {
  Breakout1SetupVisual,
  DaySpreadVisual,
  EquityCurveVisual,
  RunHistoryVisual,
  SingleRunVisual,
} from './visual-json';

const MON_10_00 = 1709564400; // 2024-03-04 10:00 New York, epoch seconds
const MON_10_05 = 1709564700;
const MON_09_30 = 1709562600;

describe('daySpreadBars', () => {
  it('lists every bucket from the lowest to the highest, the empty ones at zero', () => {
    const visual: DaySpreadVisual = {
      visual_type: 'DAY_SPREAD',
      symbol: 'XYZ',
      days: 3,
      bucket_pct: 0.25,
      histogram: [
        { from_pct: 0.25, to_pct: 0.5, count: 1 },
        { from_pct: 1.0, to_pct: 1.25, count: 2 },
      ],
      mean_pct: 0.8333,
      median_pct: 1.0,
    };

    expect(daySpreadBars(visual)).toEqual([
      { label: '0.25–0.50 %', count: 1, length: 50 },
      { label: '0.50–0.75 %', count: 0, length: 0 },
      { label: '0.75–1.00 %', count: 0, length: 0 },
      { label: '1.00–1.25 %', count: 2, length: 100 },
    ]);
  });

  it('has no bars without sessions', () => {
    const visual: DaySpreadVisual = {
      visual_type: 'DAY_SPREAD',
      symbol: 'XYZ',
      days: 0,
      bucket_pct: 0.25,
      histogram: [],
      mean_pct: null,
      median_pct: null,
    };

    expect(daySpreadBars(visual)).toEqual([]);
  });
});

describe('singleRunCharts', () => {
  const visual: SingleRunVisual = {
    visual_type: 'SINGLE_RUN',
    strategy: 'Probe',
    day: '2024-03-04',
    profit: 1.5,
    fingerprint: 'abc',
    charts: {
      XYZ: {
        candles: [
          { time: MON_10_00, open: 100.0, high: 101.0, low: 100.0, close: 100.0 },
          { time: MON_10_05, open: 100.0, high: 101.0, low: 100.0, close: 100.0 },
        ],
        markers: [
          { time: MON_10_00, position: 'belowBar', color: '#26a69a', shape: 'arrowUp', text: 'buy 10 @ 100.00 (10:00:05)' },
          { time: MON_10_05 + 300, position: 'aboveBar', color: '#ef5350', shape: 'arrowDown', text: 'sell 10 @ 100.15 (10:10:05)' },
        ],
      },
    },
    orders: [],
    timeline: [{ t: MON_10_00 + 5, symbol: null, message: 'start', data: null }],
  };

  it('puts the symbols that traded first', () => {
    const untraded = { candles: visual.charts['XYZ'].candles, markers: [] };
    const charts = singleRunCharts({ ...visual, charts: { AAA: untraded, XYZ: visual.charts['XYZ'] } });

    expect(charts.map((chart) => chart.symbol)).toEqual(['XYZ', 'AAA']);
  });

  it('puts candles and fill markers on New York time', () => {
    const [chart] = singleRunCharts(visual);

    expect(chart.symbol).toBe('XYZ');
    // 10:00 New York reads as 10:00 on the axis: the wall time's seconds as if it were UTC.
    expect(chart.spec.candles![0].time).toBe(Date.UTC(2024, 2, 4, 10, 0) / 1000);
    expect(chart.spec.markers).toEqual([
      { time: newYorkTime(MON_10_00), position: 'belowBar', color: BUY_COLOR, shape: 'arrowUp', text: 'buy 10 @ 100.00 (10:00:05)' },
      {
        time: newYorkTime(MON_10_05 + 300),
        position: 'aboveBar',
        color: SELL_COLOR,
        shape: 'arrowDown',
        text: 'sell 10 @ 100.15 (10:10:05)',
      },
    ]);
  });

  it('reads order and timeline times as New York wall-clock time', () => {
    expect(marketClock(MON_10_00 + 5)).toBe('10:00:05');
  });
});

describe('equityCurveChart', () => {
  it('draws equity as a line and drawdown as negative percent bars below', () => {
    const visual: EquityCurveVisual = {
      visual_type: 'EQUITY_CURVE',
      strategy: 'CycleStrategy',
      start: '2024-03-04',
      end: '2024-03-05',
      equity: [
        { time: '2024-03-04', value: 100.0 },
        { time: '2024-03-05', value: 95.0 },
      ],
      drawdown: [
        { time: '2024-03-04', value: 0.0 },
        { time: '2024-03-05', value: 0.05 },
      ],
      performance: { sharpe: 1.0 },
    };

    const spec = equityCurveChart(visual);

    expect(spec.lines![0].data).toEqual([
      { time: '2024-03-04', value: 100.0 },
      { time: '2024-03-05', value: 95.0 },
    ]);
    expect(spec.histograms![0]).toMatchObject({ title: 'drawdown %', pane: 1 });
    expect(spec.histograms![0].data).toEqual([
      { time: '2024-03-04', value: 0 },
      { time: '2024-03-05', value: -5 },
    ]);
  });
});

describe('runHistoryChart', () => {
  const visual: RunHistoryVisual = {
    visual_type: 'RUN_HISTORY',
    mode: 'simulated',
    runs: 3,
    series: [
      { strategy: 'A', points: [{ time: '2024-03-04', value: 3.0, run_id: 'r3' }] },
      {
        strategy: 'B',
        points: [
          { time: '2024-03-03', value: 2.0, run_id: 'r2' },
          { time: '2024-03-05', value: 4.0, run_id: 'r4' },
        ],
      },
    ],
    total_profit: 9.0,
  };

  it('draws one series of points per strategy, no line interpolated between runs', () => {
    const spec = runHistoryChart(visual);

    expect(spec.lines!.map((line) => line.title)).toEqual(['A', 'B']);
    expect(spec.lines!.every((line) => line.points === true)).toBe(true);
    expect(spec.lines![1].data).toEqual([
      { time: '2024-03-03', value: 2.0 },
      { time: '2024-03-05', value: 4.0 },
    ]);
    expect(spec.lines![0].color).not.toBe(spec.lines![1].color);
  });

  it('adds up runs of one strategy on one day (a series takes one value per time)', () => {
    const twice: RunHistoryVisual = {
      ...visual,
      series: [
        {
          strategy: 'A',
          points: [
            { time: '2024-03-04', value: 1.25, run_id: 'r1' },
            { time: '2024-03-04', value: -0.5, run_id: 'r2' },
          ],
        },
      ],
    };

    expect(runHistoryChart(twice).lines![0].data).toEqual([{ time: '2024-03-04', value: 0.75 }]);
  });

  it('lists every run newest first with its strategy run id', () => {
    expect(runHistoryRows(visual)).toEqual([
      { runId: 'r4', strategy: 'B', day: '2024-03-05', profit: 4.0 },
      { runId: 'r3', strategy: 'A', day: '2024-03-04', profit: 3.0 },
      { runId: 'r2', strategy: 'B', day: '2024-03-03', profit: 2.0 },
    ]);
  });
});

describe('breakoutSetupChart', () => {
  const visual: Breakout1SetupVisual = {
    visual_type: 'BREAKOUT1_SETUP',
    symbol: 'XYZ',
    day: '2024-03-04',
    at: '11:00',
    candles: [
      { time: MON_09_30, open: 100.0, high: 100.0, low: 100.0, close: 100.0 },
      { time: MON_10_05, open: 100.0, high: 100.0, low: 100.0, close: 100.0 },
    ],
    lines: {
      resistance: [
        { time: MON_10_05, value: 100.0 },
        { time: MON_10_05 + 3300, value: 100.0 },
      ],
      support: [
        { time: MON_10_05, value: 100.0 },
        { time: MON_10_05 + 3300, value: 100.0 },
      ],
    },
    grade: 'FAIL',
    reason: 'no setup: range wide enough failed',
    status: 'NOT_VIABLE',
    steps: [
      { step: 'window inside the session', passed: true, open_t: MON_09_30 },
      { step: 'lines drawn', passed: true, bars: 55 },
      { step: 'range wide enough', passed: false, reward_pct: 0.0, min_pct: 0.15 },
    ],
  };

  it('draws the candles with the resistance and support lines over the window', () => {
    const spec = breakoutSetupChart(visual);

    expect(spec.candles!.map((c) => c.time)).toEqual([newYorkTime(MON_09_30), newYorkTime(MON_10_05)]);
    expect(spec.lines!.map((line) => [line.title, line.color])).toEqual([
      ['resistance', RESISTANCE_COLOR],
      ['support', SUPPORT_COLOR],
    ]);
    expect(spec.lines![0].data).toEqual([
      { time: newYorkTime(MON_10_05), value: 100.0 },
      { time: newYorkTime(MON_10_05 + 3300), value: 100.0 },
    ]);
  });

  it('draws no lines when the model drew none', () => {
    expect(breakoutSetupChart({ ...visual, lines: {} }).lines).toEqual([]);
  });

  it("lists a step's figures without its name and verdict", () => {
    expect(stepFigures(visual.steps[2])).toEqual([
      { name: 'reward_pct', value: 0.0 },
      { name: 'min_pct', value: 0.15 },
    ]);
  });
});
