/**
 * PRICE_GRAPH's JSON as the Data page and the Visuals page draw it. The input is the shape
 * tc2/program/visuals.py's unit tests (tests/unit/program/test_visuals.py) pin down: XYZ on
 * 2024-03-04..07, Wednesday missing.
 */
import {
  FULL_COVERAGE_COLOR,
  MISSING_COLOR,
  PARTIAL_COVERAGE_COLOR,
  PriceGraph,
  asPriceGraph,
  coverageSummary,
  partialSessions,
  priceGraphChart,
} from './price-graph';

const PRICE_GRAPH: PriceGraph = {
  symbol: 'XYZ',
  candles: [
    { time: '2024-03-04', open: 100.0, high: 101.0, low: 100.0, close: 100.0, volume: 390000.0 },
    { time: '2024-03-05', open: 50.0, high: 50.1, low: 50.0, close: 50.0, volume: 300000.0 },
    { time: '2024-03-07', open: 100.0, high: 101.1, low: 100.0, close: 100.0, volume: 390000.0 },
  ],
  coverage: [
    { time: '2024-03-04', value: 100.0, minutes: 390, session_minutes: 390, missing: false },
    { time: '2024-03-05', value: 76.92, minutes: 300, session_minutes: 390, missing: false },
    { time: '2024-03-06', value: 0.0, minutes: 0, session_minutes: 390, missing: true },
    { time: '2024-03-07', value: 100.0, minutes: 390, session_minutes: 390, missing: false },
  ],
  missing_days: ['2024-03-06'],
};

describe('priceGraphChart', () => {
  it('draws daily candles and each session coverage below them, missing sessions in red', () => {
    const spec = priceGraphChart(PRICE_GRAPH);

    expect(spec.candles).toEqual([
      { time: '2024-03-04', open: 100.0, high: 101.0, low: 100.0, close: 100.0 },
      { time: '2024-03-05', open: 50.0, high: 50.1, low: 50.0, close: 50.0 },
      { time: '2024-03-07', open: 100.0, high: 101.1, low: 100.0, close: 100.0 },
    ]);
    const [coverage, missing] = spec.histograms!;
    expect(coverage.pane).toBe(1);
    expect(coverage.data).toEqual([
      { time: '2024-03-04', value: 100.0, color: FULL_COVERAGE_COLOR },
      { time: '2024-03-05', value: 76.92, color: PARTIAL_COVERAGE_COLOR },
      { time: '2024-03-07', value: 100.0, color: FULL_COVERAGE_COLOR },
    ]);
    expect(missing).toEqual({ title: 'missing', pane: 1, color: MISSING_COLOR, data: [{ time: '2024-03-06', value: 100 }] });
  });

  it('adds no missing series when every session has data', () => {
    const complete = { ...PRICE_GRAPH, coverage: PRICE_GRAPH.coverage.filter((p) => !p.missing), missing_days: [] };

    expect(priceGraphChart(complete).histograms!.map((h) => h.title)).toEqual(['coverage %']);
  });

  it('sums the coverage up', () => {
    expect(coverageSummary(PRICE_GRAPH)).toEqual({
      sessions: 4,
      withData: 3,
      fullyCovered: 2,
      meanCoverage: 92.31,
      missingDays: ['2024-03-06'],
    });
  });
});

describe('asPriceGraph', () => {
  it('reads a stored visual, missing sessions at full height in red', () => {
    const graph = asPriceGraph({ visual_type: 'PRICE_GRAPH', ...PRICE_GRAPH })!;

    expect(graph.symbol).toBe('XYZ');
    expect(priceGraphChart(graph).histograms?.[1].data).toEqual([{ time: '2024-03-06', value: 100 }]);
    expect(partialSessions(graph).map((point) => point.time)).toEqual(['2024-03-05']);
  });

  it('refuses JSON of another shape', () => {
    expect(asPriceGraph({ histogram: [] })).toBeNull();
  });
});
