import { evaluation } from '../testing/run-fixtures';
import {
  comparisonChart,
  comparisonRows,
  dayRows,
  equityChart,
  evaluationMetrics,
  setupRows,
} from './evaluation-view';

describe('evaluation view', () => {
  it('draws equity on top and the drawdown in percent below', () => {
    const spec = equityChart(evaluation());

    expect(spec.lines?.[0].data).toEqual([
      { time: '2026-03-02', value: 30040 },
      { time: '2026-03-03', value: 29980 },
      { time: '2026-03-04', value: 30030 },
    ]);
    expect(spec.histograms?.[0]).toMatchObject({ title: 'Drawdown %', pane: 1 });
    expect(spec.histograms?.[0].data.map((point) => point.value)).toEqual([-0, -0.2, -0.03]);
  });

  it('draws the benchmark held from the same equity as a second line, and says which accounts', () => {
    const spec = equityChart(
      evaluation({
        accounts: 'shared',
        benchmark: {
          symbol: 'SPY',
          days: ['2026-03-02', '2026-03-03', '2026-03-04'],
          equity: [30100, 29900, 30300],
          total_return: 0.01,
          alpha: 0.12,
          beta: 0.8,
          warning: null,
        },
      }),
    );

    expect(spec.lines?.map((line) => line.title)).toEqual([
      'Equity (one shared account)',
      'SPY buy-and-hold',
    ]);
    expect(spec.lines?.[1].data).toEqual([
      { time: '2026-03-02', value: 30100 },
      { time: '2026-03-03', value: 29900 },
      { time: '2026-03-04', value: 30300 },
    ]);
  });

  it('draws no benchmark line when the benchmark is not on file', () => {
    const spec = equityChart(
      evaluation({
        benchmark: {
          symbol: 'DIA',
          days: [],
          equity: [],
          total_return: null,
          alpha: null,
          beta: null,
          warning: 'no bars of benchmark DIA on file',
        },
      }),
    );

    expect(spec.lines?.map((line) => line.title)).toEqual(['Equity (an account per symbol)']);
  });

  it('lists alpha, beta and the benchmark return', () => {
    const rows = evaluationMetrics(
      evaluation({
        benchmark: {
          symbol: 'SPY',
          days: ['2026-03-02'],
          equity: [30100],
          total_return: 0.01,
          alpha: 0.12,
          beta: 0.8,
          warning: null,
        },
      }),
    );
    const row = (label: string) => rows.find((r) => r.label === label);

    expect(row('Alpha')).toMatchObject({ value: '12.00 %', tone: 'positive' });
    expect(row('Beta')?.value).toBe('0.80');
    expect(row('Benchmark return')?.value).toBe('1.00 %');
  });

  it('shows a failed day with its error and where it was raised', () => {
    const days = evaluation().days;
    const failed = {
      ...days[0],
      error: { type: 'HoldsALock', message: 'strategy X failed in on_bar', where: 'x.py:3 in go' },
    };

    expect(dayRows(evaluation({ days: [failed] }))[0].outcome).toBe(
      'failed: HoldsALock: strategy X failed in on_bar (at x.py:3 in go)',
    );
  });

  it('lists the metrics, signed ones coloured', () => {
    const rows = evaluationMetrics(evaluation());
    const row = (label: string) => rows.find((r) => r.label === label);

    expect(row('Net profit')).toMatchObject({ value: '+$30.00', tone: 'positive' });
    expect(row('Max drawdown')).toMatchObject({ value: '0.20 %', tone: null });
    expect(row('Final equity')?.value).toBe('$30,030.00');
    expect(row('Win ratio')?.value).toBe('50.00 %');
    expect(row('Skipped symbol-days')?.value).toBe('1');
  });

  it('states the risk-free rate, short selling and the end of the run, and compares them', () => {
    const first = evaluation({
      risk_free_rate: 0.04,
      allow_short: true,
      end_of_run: 'closed_at_last_close',
    });
    const rows = evaluationMetrics(first);
    const row = (label: string) => rows.find((r) => r.label === label);

    expect(row('Risk-free rate')?.value).toBe('4.00 %');
    expect(row('Sharpe ratio')?.hint).toContain('above the risk-free rate / 252');
    expect(row('Short selling')?.value).toBe('Allowed');
    expect(row('Positions at the end')?.value).toBe("Closed at the last bar's close, with fees");
    const setup = setupRows(first, evaluation());
    expect(setup.find((r) => r.label === 'Risk-free rate')).toMatchObject({
      first: '4.00 %',
      second: '0.00 %',
      differs: true,
    });
    expect(setup.find((r) => r.label === 'Positions at the end')?.second).toBe(
      'Still open, marked to market at the last close',
    );
  });

  it('states the bars the strategy was fed', () => {
    const row = (e: ReturnType<typeof evaluation>) =>
      evaluationMetrics(e).find((r) => r.label === 'Bars');

    expect(row(evaluation({ resolution: '1d' }))?.value).toBe('1d');
    expect(row(evaluation({ resolution: '1m' }))?.value).toBe('1m');
  });

  it('keeps the metrics readable when no day could be simulated', () => {
    const rows = evaluationMetrics(evaluation({ performance: null, equity_curve: null }));

    expect(rows.find((r) => r.label === 'Sharpe ratio')?.value).toBe('—');
    expect(equityChart(evaluation({ equity_curve: null })).lines?.[0].data).toEqual([]);
  });

  it('shows a skipped day with its reason', () => {
    const rows = dayRows(evaluation());

    expect(rows[1]).toMatchObject({ profit: '-$60.00', tone: 'negative', exposure: '20.00 %' });
    expect(rows[2]).toMatchObject({
      skipped: true,
      profit: '—',
      outcome: 'skipped: no 1m bars on file',
    });
  });

  it('names the model and its reason on a day that was not viable', () => {
    const days = evaluation().days;
    const notViable = {
      ...days[0],
      viable: false,
      entered: false,
      fills: 0,
      stop_reason: 'never became viable in its active windows',
      not_viable: [
        { symbol: 'SPY', model: 'VOLATILITY', reason: 'average day spread 0.500% < 0.8%' },
        {
          symbol: 'SPY',
          model: 'PROFITABILITY',
          reason: 'PROFITABILITY needs 100 sessions of SPY before 2026-03-02, found 48',
        },
      ],
    };

    const rows = dayRows(evaluation({ days: [notViable, ...days.slice(1)] }));

    expect(rows[0]).toMatchObject({
      viable: 'no',
      outcome:
        'not viable: SPY VOLATILITY: average day spread 0.500% < 0.8%; ' +
        'SPY PROFITABILITY needs 100 sessions of SPY before 2026-03-02, found 48',
    });
    expect(rows[1].outcome).toBe('the session ended');
  });

  it('compares two evaluations and marks the better one per figure', () => {
    const better = evaluation({
      params: { fast: 12, qty: 10 },
      tc2_metrics: { ...evaluation().tc2_metrics, net_profit: 90 },
      performance: { ...evaluation().performance!, max_drawdown: 0.001 },
    });

    const rows = comparisonRows(evaluation(), better);
    const row = (label: string) => rows.find((r) => r.label === label)!;

    expect(row('Net profit')).toMatchObject({
      first: '+$30.00',
      second: '+$90.00',
      better: 'second',
    });
    expect(row('Max drawdown')).toMatchObject({ better: 'second' });
    expect(row('Sharpe ratio').better).toBeNull();
    expect(row('Trades').better).toBeNull();
    expect(
      setupRows(evaluation(), better)
        .filter((r) => r.differs)
        .map((r) => r.label),
    ).toEqual(['fast']);
    const unadjusted = { ...better, adjustment: 'raw' };
    expect(setupRows(evaluation(), unadjusted).find((r) => r.label === 'Prices')).toMatchObject({
      first: 'split-adjusted',
      second: 'raw (as traded)',
      differs: true,
    });
    expect(comparisonChart(evaluation(), better).lines?.map((l) => l.title)).toEqual([
      'First return %',
      'Second return %',
      'First drawdown %',
      'Second drawdown %',
    ]);
  });
});
