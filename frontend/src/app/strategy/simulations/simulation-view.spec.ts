import { BUY_COLOR, SELL_COLOR } from '../../shared/chart';
import { OPEN_T, minuteBars, runRecord } from '../testing/run-fixtures';
import {
  fillMarkers,
  firstChartSymbol,
  minuteCandles,
  orderRows,
  simulationChart,
  simulationMetrics,
  timelineRows,
} from './simulation-view';

/** 2026-03-06 hh:mm as the chart's New York wall-clock seconds. */
function wall(hours: number, minutes: number): number {
  return Date.UTC(2026, 2, 6, hours, minutes) / 1000;
}

describe('simulation view', () => {
  it('turns the day bars into New York minute candles', () => {
    const candles = minuteCandles([minuteBars(3)]);

    expect(candles.map((c) => c.time)).toEqual([wall(9, 30), wall(9, 31), wall(9, 32)]);
    expect(candles[0]).toMatchObject({ open: 600, high: 601, low: 599, close: 600.5 });
  });

  it('resamples 1-second bars into minutes', () => {
    const seconds = {
      ...minuteBars(4),
      resolution: '1s',
      t: [OPEN_T, OPEN_T + 1, OPEN_T + 59, OPEN_T + 60],
    };
    seconds.h = [601, 603, 602, 610];
    seconds.l = [599, 598, 600, 605];

    const candles = minuteCandles([seconds]);

    expect(candles.length).toBe(2);
    expect(candles[0]).toMatchObject({
      time: wall(9, 30),
      open: 600,
      high: 603,
      low: 598,
      close: 602.5,
    });
  });

  it('marks each fill as a buy or sell on the minute candle it happened in', () => {
    const markers = fillMarkers(runRecord().fills, 'SPY');

    expect(markers).toEqual([
      {
        time: wall(9, 31),
        position: 'belowBar',
        color: BUY_COLOR,
        shape: 'arrowUp',
        text: 'buy 10 @ 601.20',
      },
      {
        time: wall(9, 33),
        position: 'aboveBar',
        color: SELL_COLOR,
        shape: 'arrowDown',
        text: 'sell 10 @ 602.25',
      },
    ]);
    expect(fillMarkers(runRecord().fills, 'QQQ')).toEqual([]);
  });

  it('builds the chart: candles, markers on existing candles, volume below', () => {
    // Only three candles: the sell at 09:33 lands on the last one, 09:32.
    const spec = simulationChart([minuteBars(3)], runRecord(), 'SPY');

    expect(spec.candles?.length).toBe(3);
    expect(spec.markers?.map((m) => [m.time, m.shape])).toEqual([
      [wall(9, 31), 'arrowUp'],
      [wall(9, 32), 'arrowDown'],
    ]);
    expect(spec.histograms?.[0]).toMatchObject({ title: 'Volume', pane: 1 });
  });

  it('opens the chart of a multi-symbol run on a symbol that traded', () => {
    expect(firstChartSymbol({ ...runRecord(), symbols: ['QQQ', 'SPY'] })).toBe('SPY');
    expect(firstChartSymbol({ ...runRecord(), symbols: ['QQQ'], fills: [] })).toBe('QQQ');
  });

  it('lists the metrics with the profit coloured by its sign', () => {
    const rows = simulationMetrics(runRecord());
    const row = (label: string) => rows.find((r) => r.label === label);

    expect(row('Profit')).toMatchObject({ value: '+$10.50', tone: 'positive' });
    expect(row('Fills')?.value).toBe('2');
    expect(row('Round trips')?.value).toBe('1');
    expect(row('Winning round trips')?.value).toBe('1 of 1');
    expect(row('Exposure')?.value).toBe('10.00 %');
    expect(row('Started')?.value).toBe('09:30:00');
    expect(row('Fingerprint')?.value).toBe('abc123');
    expect(row('Prices')?.value).toBe('split-adjusted');
    // A run from before the option ran on raw prices and says so.
    const before = simulationMetrics({ ...runRecord(), adjustment: undefined });
    expect(before.find((r) => r.label === 'Prices')?.value).toBe('raw (as traded)');
  });

  it('says whether short selling was allowed and what became of the positions at the end', () => {
    const rows = (record: ReturnType<typeof runRecord>) => simulationMetrics(record);
    const value = (record: ReturnType<typeof runRecord>, label: string) =>
      rows(record).find((r) => r.label === label)?.value;
    const swing = {
      ...runRecord(),
      kind: 'swing',
      allow_short: true,
      end_of_run: 'closed_at_last_close',
    };

    expect(value(swing, 'Short selling')).toBe('Allowed');
    expect(value(swing, 'Positions at the end')).toBe("Closed at the last bar's close, with fees");
    // A run recorded before these fields: refused, and a swing run's positions were marked.
    const older = { ...runRecord(), kind: 'swing' };
    expect(value(older, 'Short selling')).toBe('Refused');
    expect(value(older, 'Positions at the end')).toBe(
      'Still open, marked to market at the last close',
    );
  });

  it('names a notional order by its dollars', () => {
    const record = runRecord();
    const notional = { ...record.orders[0], type: 'market', notional: 2500, limit_price: null };

    expect(orderRows({ ...record, orders: [notional] })[0].type).toBe('market, $2,500.00 notional');
  });

  it('sorts the orders by when they were sent, each with its fills', () => {
    const rows = orderRows(runRecord());

    expect(rows.map((r) => r.id)).toEqual(['sim-000001', 'sim-000002']);
    expect(rows[0]).toMatchObject({
      submitted: '09:30:30',
      side: 'buy',
      limit: '601.20',
      stop: '—',
    });
    expect(rows[1].fills).toEqual(['10 @ 602.25 at 09:33:00, fee $0.18']);
  });

  it('writes the decisions in New York time with their figures', () => {
    expect(timelineRows(runRecord())).toEqual([
      { time: '09:30:00', symbol: 'all', message: 'viable', details: 'Scores (SPY 1)' },
      { time: '09:30:30', symbol: 'SPY', message: 'bid', details: 'Price 601.20 · Quantity 10' },
    ]);
  });
});
