import {
  checkCount,
  checkDay,
  dayProblem,
  parseTickers,
  shown,
  tickerProblem,
  wallTimeProblem,
  wholeNumberProblem,
} from './form-rules';

describe('parseTickers', () => {
  it('upper-cases, de-duplicates and refuses what is not a ticker', () => {
    expect(parseTickers(' nvda, AMD ;brk.b, NVDA')).toEqual({ symbols: ['NVDA', 'AMD', 'BRK.B'], problems: [] });
    expect(parseTickers('NOT A TICKER').problems).toEqual([
      '"NOT A TICKER" is not a ticker: 1-5 letters, optionally a class suffix like .B (e.g. SPY, BRK.B).',
    ]);
    expect(parseTickers('$$$').symbols).toEqual([]);
  });
});

describe('the rules every form uses', () => {
  it('takes a ticker in any case and names one that is not', () => {
    expect(tickerProblem(' brk.b ')).toBe('');
    expect(tickerProblem('TOOLONG')).toBe(
      '"TOOLONG" is not a ticker: 1-5 letters, optionally a class suffix like .B (e.g. SPY, BRK.B).',
    );
  });

  it('wants real calendar days, and sessions not on a weekend', () => {
    expect(dayProblem('2024-02-29')).toBe('');
    expect(dayProblem('2023-02-29')).toBe("must be a day as YYYY-MM-DD, was '2023-02-29'");
    expect(dayProblem('')).toBe('enter a day');
    const errors = {};
    expect(checkDay('2024-03-09', 'day', errors, { required: true, session: true })).toBe('2024-03-09');
    expect(errors).toEqual({ day: ['2024-03-09 is a weekend, not a trading session'] });
  });

  it('checks wall times and whole numbers, typed or not', () => {
    expect(wallTimeProblem('')).toBe('');
    expect(wallTimeProblem('23:59')).toBe('');
    expect(wallTimeProblem('24:00')).toBe("must be HH:MM New York time, was '24:00'");
    expect(wholeNumberProblem(10, 0, 10)).toBe('');
    expect(wholeNumberProblem(null, 0, 10)).toBe('must be a whole number from 0 to 10, was empty');
    expect(wholeNumberProblem('2.5', 1, 5)).toBe("must be a whole number from 1 to 5, was '2.5'");
    const errors = {};
    expect(checkCount(' 7 ', 'days', errors, 1000)).toBe(7);
    expect(errors).toEqual({});
    expect(shown(0)).toBe('0');
  });
});
