import {
  describe as describeValue,
  duration,
  figure,
  fractionToPercentInput,
  label,
  localDateTime,
  marketClock,
  marketDate,
  marketDateTime,
  money,
  percent,
  percentInputToFraction,
  percentPoints,
  price,
  setting,
  signedMoney,
  whole,
} from './format';

// 2026-12-07 14:30:05 UTC = 09:30:05 in New York (EST); 2026-07-01 13:30:00 UTC = 09:30 EDT.
const WINTER_OPEN = Date.UTC(2026, 11, 7, 14, 30, 5) / 1000;
const SUMMER_OPEN = Date.UTC(2026, 6, 1, 13, 30, 0) / 1000;

describe('format: time', () => {
  it('writes every instant in New York time with the ET label, daylight saving or not', () => {
    expect(marketDateTime(WINTER_OPEN)).toBe('2026-12-07 09:30:05 ET');
    expect(marketDateTime(SUMMER_OPEN)).toBe('2026-07-01 09:30:00 ET');
    expect(marketDateTime('2026-12-07T14:30:05Z')).toBe('2026-12-07 09:30:05 ET');
    expect(marketDateTime(new Date(WINTER_OPEN * 1000))).toBe('2026-12-07 09:30:05 ET');
  });

  it('gives ISO-like dates and clock times of the New York day', () => {
    // 02:00 UTC on Dec 8 is still Dec 7 in New York.
    expect(marketDate(Date.UTC(2026, 11, 8, 2, 0, 0) / 1000)).toBe('2026-12-07');
    expect(marketClock(WINTER_OPEN)).toBe('09:30:05');
  });

  it('says when a time is the browser’s own', () => {
    expect(localDateTime(WINTER_OPEN)).toMatch(/^2026-12-0[67] \d\d:\d\d:05 local$/);
  });

  it('shows a dash for what is missing or not a time', () => {
    expect(marketDateTime(null)).toBe('—');
    expect(marketDateTime('not a date')).toBe('—');
    expect(marketDate(undefined)).toBe('—');
  });

  it('writes durations in units a person reads', () => {
    expect(duration(45)).toBe('45 s');
    expect(duration(200)).toBe('3 min 20 s');
    expect(duration(7500)).toBe('2 h 5 min');
    expect(duration(3 * 86400 + 4 * 3600)).toBe('3 d 4 h');
  });
});

describe('format: numbers', () => {
  it('writes money with two decimals', () => {
    expect(money(30000)).toBe('$30,000.00');
    expect(money(-12.805)).toBe('-$12.81');
    expect(signedMoney(10.65)).toBe('+$10.65');
    expect(price(608.5512)).toBe('608.55');
    expect(money(Number.NaN)).toBe('—');
  });

  it('writes fractions and percent figures as percentages', () => {
    expect(percent(0.0016)).toBe('0.16 %');
    expect(percent(0.2)).toBe('20.00 %');
    expect(percentPoints(1.25)).toBe('1.25 %');
  });

  it('writes volumes as whole numbers', () => {
    expect(whole(1234567.4)).toBe('1,234,567');
  });

  it('turns a stored fraction into a percent field and back unchanged', () => {
    expect(fractionToPercentInput(0.0016)).toBe('0.16');
    expect(fractionToPercentInput(0.2)).toBe('20');
    expect(percentInputToFraction('0.16')).toBe(0.0016);
    expect(percentInputToFraction('20 %')).toBe(0.2);
    expect(percentInputToFraction(fractionToPercentInput(0.123456))).toBe(0.123456);
    expect(percentInputToFraction('')).toBeNull();
    expect(percentInputToFraction('abc')).toBeNaN();
  });
});

describe('format: settings', () => {
  it('shows settings and strategy parameters stored as fractions in percent', () => {
    expect(setting(0.0016, 'min_reward_pct')).toBe('0.16 %');
    expect(setting(0.2, 'max_purchase_pct')).toBe('20.00 %');
    expect(setting({ max_stop_pct: 0.006, max_buy_seconds: 120 })).toBe('Max stop 0.60 % · Max buy seconds 120');
    expect(setting(6000, 'max_purchase_usd')).toBe('$6,000.00');
  });
});

describe('format: labels and figures', () => {
  it('turns internal names into labels', () => {
    expect(label('days_over_1_4_pct')).toBe('Days over 1.4 %');
    expect(label('PRICE_GRAPH')).toBe('Price graph');
    expect(label('BREAKOUT1_SETUP')).toBe('Breakout1 setup');
    expect(label('BRK.B')).toBe('BRK.B');
    expect(label('strategy_simulate')).toBe('Simulation');
    expect(label('open_t')).toBe('Open time');
    expect(label('average_load_ms')).toBe('Average load (ms)');
    expect(label('max_purchase_usd')).toBe('Max purchase ($)');
  });

  it('never shows epoch seconds or JSON', () => {
    expect(figure(WINTER_OPEN, 'open_t')).toBe('2026-12-07 09:30:05 ET');
    expect(figure(WINTER_OPEN)).toBe('2026-12-07 09:30:05 ET');
    expect(figure({ price: 608.5512, qty: 9, at: WINTER_OPEN })).toBe(
      'Price 608.55 · Quantity 9 · At 2026-12-07 09:30:05 ET',
    );
    expect(figure([1, 2.5])).toBe('1, 2.5');
    expect(describeValue({ reason: 'gap', detail: { low: 1.5 } })).toBe('Reason gap · Detail (Low 1.50)');
  });

  it('picks the unit from the figure’s name', () => {
    expect(figure(1.4, 'median_dip_pct')).toBe('1.40 %');
    expect(figure(3, 'days_over_1_4_pct')).toBe('3');
    expect(figure(-12.8, 'total_profit')).toBe('-$12.80');
    expect(figure(1234567, 'volume')).toBe('1,234,567');
    expect(figure(0.123456, 'score')).toBe('0.1235');
    expect(figure(true)).toBe('yes');
    expect(figure(null)).toBe('—');
  });
});
