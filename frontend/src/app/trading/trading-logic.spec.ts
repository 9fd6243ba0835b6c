import { newYorkTime } from '../shared/chart';
import {
  calendarMonths,
  fillsChart,
  fillsCsv,
  lossLimitUse,
  sessionDay,
  strategyRows,
  toCsv,
} from './trading-logic';
import { T0, bars, fill, pnlRow, risk } from './testing/trading-fixtures';

describe('toCsv', () => {
  it('quotes only the cells that need it and ends every line with CRLF', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', 'say "hi"'],
          [1, null],
        ],
      ),
    ).toBe('a,b\r\n"x,y","say ""hi"""\r\n1,\r\n');
  });
});

describe('fillsCsv', () => {
  it('writes the fills shown with their New York time and every figure', () => {
    const lines = fillsCsv([
      fill(),
      fill({ fill_id: 'f-2', side: 'sell', price: 503.5, t: '2026-05-28T15:02:00Z' }),
    ]).split('\r\n');

    expect(lines[0]).toBe(
      'time_et,mode,strategy,run_id,symbol,side,operation,qty,price,fee,client_order_id,fill_id',
    );
    expect(lines[1]).toBe(
      '2026-05-28 10:31:12,REPLAY,SmaCross,1,SPY,buy,buy,50,500,0,tc2-1234567890abcdef-000003,f-1',
    );
    expect(lines[2]).toContain('2026-05-28 11:02:00,REPLAY');
    expect(lines[2]).toContain(',503.5,');
    expect(lines).toHaveLength(4); // header, two fills, the final CRLF
  });
});

describe('calendarMonths', () => {
  it('lays each month out in weekdays, sums the modes of a day and colours it by sign', () => {
    const months = calendarMonths([
      pnlRow({ day: '2026-05-28', gain_value: 120.5, round_trips: 2 }),
      pnlRow({ day: '2026-05-28', gain_value: -20.5, round_trips: 1, mode: 'BACKTEST' }),
      pnlRow({ day: '2026-05-29', gain_value: -80 }),
      pnlRow({ day: '2026-04-01', gain_value: 0 }),
    ]);

    expect(months.map((m) => m.month)).toEqual(['2026-05', '2026-04']);
    const may = months[0];
    expect(may.total).toBeCloseTo(20);
    // May 2026 starts on a Friday: the first week is Mon-Thu padding, then the 1st.
    expect(may.weeks[0].map((cell) => cell?.day ?? null)).toEqual([
      null,
      null,
      null,
      null,
      '2026-05-01',
    ]);
    const cells = may.weeks.flat().filter((cell) => cell !== null);
    expect(cells).toHaveLength(21); // May 2026 has 21 weekdays
    const thursday = cells.find((cell) => cell!.day === '2026-05-28')!;
    expect([thursday.value, thursday.roundTrips, thursday.tone]).toEqual([100, 3, 'gain']);
    expect(cells.find((cell) => cell!.day === '2026-05-29')!.tone).toBe('loss');
    expect(cells.find((cell) => cell!.day === '2026-05-27')!.tone).toBe('none');
    expect(months[1].weeks.flat().find((cell) => cell?.day === '2026-04-01')!.tone).toBe('flat');
  });

  it('has no month without rows', () => {
    expect(calendarMonths([])).toEqual([]);
  });
});

describe('strategyRows', () => {
  it('puts the best strategy first', () => {
    const rows = strategyRows([
      pnlRow({ strategy: 'a', gain_value: -5 }),
      pnlRow({ strategy: 'b', gain_value: 9 }),
    ]);
    expect(rows.map((row) => row.strategy)).toEqual(['b', 'a']);
  });
});

describe('lossLimitUse', () => {
  it('is the share of the daily loss limit used, 0 for a gain, null when unknown', () => {
    expect(lossLimitUse(risk())).toBeCloseTo(750 / 5050);
    expect(lossLimitUse(risk({ day_loss: -10 }))).toBe(0);
    expect(lossLimitUse(risk({ day_loss: null }))).toBeNull();
    expect(lossLimitUse(risk({ day_loss_limit: null }))).toBeNull();
  });
});

describe('sessionDay', () => {
  it('is the New York day of the trader clock', () => {
    expect(sessionDay(T0)).toBe('2026-05-28');
    expect(sessionDay(Date.parse('2026-05-29T02:00:00Z') / 1000)).toBe('2026-05-28'); // 22:00 ET
    expect(sessionDay(null)).toBeNull();
  });
});

describe('fillsChart', () => {
  it('draws the minute candles and puts each fill on its minute, buys below and sells above', () => {
    const spec = fillsChart(bars(), [
      fill(),
      fill({ fill_id: 'f-2', side: 'sell', qty: 50, price: 502.75, t: '2026-05-28T14:32:59Z' }),
    ]);

    expect(spec.candles).toHaveLength(3);
    expect(spec.candles![0]).toEqual({
      time: newYorkTime('2026-05-28T14:30:00Z'),
      open: 500,
      high: 501,
      low: 499,
      close: 501,
    });
    expect(spec.markers!.map((m) => [m.time, m.position, m.text])).toEqual([
      [newYorkTime('2026-05-28T14:31:00Z'), 'belowBar', 'B 50 @ 500.00'],
      [newYorkTime('2026-05-28T14:32:00Z'), 'aboveBar', 'S 50 @ 502.75'],
    ]);
  });

  it('sums the partial fills of a minute and side into one marker at their average price', () => {
    const spec = fillsChart(bars(), [
      fill({ fill_id: 'a', qty: 30, price: 500, t: '2026-05-28T14:31:01Z' }),
      fill({ fill_id: 'b', qty: 10, price: 504, t: '2026-05-28T14:31:40Z' }),
      fill({ fill_id: 'c', side: 'sell', qty: 40, price: 503, t: '2026-05-28T14:31:50Z' }),
    ]);

    expect(spec.markers!.map((m) => m.text)).toEqual(['B 40 @ 501.00', 'S 40 @ 503.00']);
  });

  it("stops at the trader's clock: a minute shows once it is complete", () => {
    const start = Date.parse('2026-05-28T14:30:00Z') / 1000;
    expect(fillsChart(bars(), [], start + 119).candles).toHaveLength(1);
    expect(fillsChart(bars(), [], start + 120).candles).toHaveLength(2);
    expect(fillsChart(bars(), [], null).candles).toHaveLength(3);
  });

  it('draws nothing without bars', () => {
    expect(fillsChart(null, []).candles).toEqual([]);
  });
});
