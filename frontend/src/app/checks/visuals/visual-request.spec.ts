import { emptyVisualForm, visualKeyQuery, visualQueryParams, visualRequest } from './visual-request';

describe('visualRequest', () => {
  it('sends only the fields of the chosen type, the symbol upper-cased', () => {
    const form = { ...emptyVisualForm(), symbol: ' spy ', days: '30', mode: 'paper', run_id: 'left over' };

    expect(visualRequest('PRICE_GRAPH', form)).toEqual({
      query: { visual_type: 'PRICE_GRAPH', symbol: 'SPY', days: 30 },
      errors: {},
    });
  });

  it('names every bad field before anything is sent', () => {
    const form = { ...emptyVisualForm(), symbol: 'not a ticker', day: '2024-03-09', time: '25:00' };

    const { errors } = visualRequest('BREAKOUT1_SETUP', form);

    expect(errors).toEqual({
      symbol: ['"not a ticker" is not a ticker: 1-5 letters, optionally a class suffix like .B (e.g. SPY, BRK.B).'],
      day: ['2024-03-09 is a weekend, not a trading session'],
      time: ["must be HH:MM New York time, was '25:00'"],
    });
  });

  it('says what a type needs', () => {
    expect(visualRequest('BREAKOUT1_SETUP', emptyVisualForm()).errors).toEqual({
      symbol: ['BREAKOUT1_SETUP needs symbol'],
      day: ['BREAKOUT1_SETUP needs day'],
    });
    expect(visualRequest('RUN_HISTORY', emptyVisualForm()).errors).toEqual({ mode: ['RUN_HISTORY needs mode'] });
    expect(visualRequest('SINGLE_RUN', { ...emptyVisualForm(), run_id: 'r1' }).errors).toEqual({
      run_id: ["must be a strategy run id (a UUID), was 'r1'"],
    });
  });

  it('keeps counts to whole numbers from 1 to 1000', () => {
    for (const days of ['0', '1001', '2.5', 'ten']) {
      expect(visualRequest('DAY_SPREAD', { ...emptyVisualForm(), symbol: 'SPY', days }).errors['days']).toEqual([
        `must be a whole number from 1 to 1000, was '${days}'`,
      ]);
    }
  });

  it('names the stored visual by its key fields only', () => {
    const { query } = visualRequest('BREAKOUT1_SETUP', {
      ...emptyVisualForm(),
      symbol: 'SPY',
      day: '2024-03-04',
      time: '11:30',
    });

    expect(visualKeyQuery(query, ['symbol', 'day', 'time'])).toEqual({
      visual_type: 'BREAKOUT1_SETUP',
      symbol: 'SPY',
      day: '2024-03-04',
      time: '11:30',
    });
    expect(visualKeyQuery({ visual_type: 'PRICE_GRAPH', symbol: 'SPY', days: 30 }, ['symbol'])).toEqual({
      visual_type: 'PRICE_GRAPH',
      symbol: 'SPY',
    });
  });

  it('keeps the request in the URL, dropping the fields it has not', () => {
    expect(visualQueryParams({ visual_type: 'RUN_HISTORY', mode: 'simulated', limit: 10 })).toEqual({
      visual_type: 'RUN_HISTORY',
      symbol: null,
      day: null,
      days: null,
      time: null,
      mode: 'simulated',
      limit: '10',
      run_id: null,
    });
  });
});
