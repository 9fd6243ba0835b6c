import { Schemas } from '../../core/api';
import { FULL_COVERAGE_COLOR, MISSING_COLOR, PARTIAL_COVERAGE_COLOR } from '../../shared/price-graph';
import { DataCoverage, INVALID_COLOR, coverageChart, coverageFigures, coverageGraph, sessionSpan, windowLabel } from './coverage';

function session(day: string, covered: number, valid: boolean | null, minutes = 390): Schemas['SessionCoverage'] {
  return {
    day,
    on_file: covered > 0,
    session_minutes: minutes,
    covered_minutes: covered,
    coverage_pct: Math.round((10_000 * covered) / minutes) / 100,
    valid,
    candle: covered > 0 ? { open: 10, high: 12, low: 9, close: 11, volume: 500 } : null,
  };
}

const ROW: Schemas['SymbolCoverage'] = {
  symbol: 'SPY',
  sessions_on_file: 3,
  first_day: '2026-11-24',
  last_day: '2026-11-30',
  missing_days: ['2026-11-25'],
  checked: 3,
  valid: 2,
  invalid: [{ day: '2026-11-30', reasons: ['100 regular-hours bars, fewer than 380 for a 390-minute session'] }],
};

// Thanksgiving week: the 27th closes at 13:00 (210 minutes), fully on file.
const COVERAGE: DataCoverage = {
  ...ROW,
  resolution: '1m',
  window_start: '2026-11-24',
  window_end: '2026-11-30',
  sessions: [
    session('2026-11-24', 390, true),
    session('2026-11-25', 0, null),
    session('2026-11-27', 210, true, 210),
    session('2026-11-30', 100, false),
  ],
};

describe('coverageFigures', () => {
  it('reads the table row and the chart alike, since the chart carries the same row', () => {
    expect(coverageFigures(COVERAGE)).toEqual(coverageFigures(ROW));
    expect(coverageFigures(ROW)).toEqual({
      sessionsOnFile: 3,
      span: '2026-11-24 to 2026-11-30',
      missingDays: ['2026-11-25'],
      checked: 3,
      valid: 2,
      invalidDays: ['2026-11-30'],
    });
  });

  it('has no span when nothing is on file', () => {
    expect(coverageFigures({ ...ROW, sessions_on_file: 0, first_day: null, last_day: null }).span).toBe('—');
  });
});

describe('sessionSpan', () => {
  it('writes one New York session date once, two with "to"', () => {
    expect(sessionSpan('2026-11-24', '2026-11-24')).toBe('2026-11-24');
    expect(sessionSpan('2026-11-24', '2026-11-30')).toBe('2026-11-24 to 2026-11-30');
    expect(sessionSpan(null, '2026-11-30')).toBe('—');
  });
});

describe('windowLabel', () => {
  it('names the window and says it holds every session on file', () => {
    expect(windowLabel(COVERAGE)).toBe('2026-11-24 to 2026-11-30 (New York session dates): 4 sessions, every session on file');
  });

  it('says when only the latest sessions on file are shown', () => {
    expect(windowLabel({ ...COVERAGE, sessions_on_file: 1500 })).toContain('the latest 3 of 1500 sessions on file');
  });

  it('says when nothing is on file', () => {
    expect(windowLabel({ ...COVERAGE, sessions: [], window_start: null, window_end: null })).toBe('No sessions on file');
  });
});

describe('coverageGraph', () => {
  it('gives a candle per session with bars and marks the sessions without data missing', () => {
    const graph = coverageGraph(COVERAGE);

    expect(graph.candles.map((candle) => candle.time)).toEqual(['2026-11-24', '2026-11-27', '2026-11-30']);
    expect(graph.missing_days).toEqual(COVERAGE.missing_days);
    expect(graph.coverage.map((point) => point.value)).toEqual([100, 0, 100, 25.64]);
  });
});

describe('coverageChart', () => {
  it('colours full, partial, missing and invalid sessions; a full early close is full', () => {
    const spec = coverageChart(COVERAGE);

    const [bars, missing] = spec.histograms!;
    expect(bars.data.map((bar) => [bar.time, bar.color])).toEqual([
      ['2026-11-24', FULL_COVERAGE_COLOR],
      ['2026-11-27', FULL_COVERAGE_COLOR],
      ['2026-11-30', INVALID_COLOR],
    ]);
    expect(missing.color).toBe(MISSING_COLOR);
    expect(missing.data.map((bar) => bar.time)).toEqual(['2026-11-25']);
    expect(spec.candles).toHaveLength(3);
  });

  it('leaves a partial but valid session amber', () => {
    const spec = coverageChart({ ...COVERAGE, sessions: [session('2026-11-24', 385, true)] });

    expect(spec.histograms![0].data[0].color).toBe(PARTIAL_COVERAGE_COLOR);
  });
});
