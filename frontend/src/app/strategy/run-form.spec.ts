import { StrategyParameter } from './strategy-api';
import {
  cashProblem,
  fractionOf,
  parameterProblem,
  parameterValues,
  parametersForm,
  riskFreeRateProblem,
  startTimeProblem,
  warmupProblem,
} from './run-form';

const QTY: StrategyParameter = {
  name: 'qty',
  type: 'int',
  default: 100,
  low: 1,
  high: 1000000,
  description: 'shares',
};
const BAND: StrategyParameter = {
  name: 'band',
  type: 'float',
  default: 0.0001,
  low: 0,
  high: 0.01,
  description: '',
};
const FLAG: StrategyParameter = {
  name: 'flag',
  type: 'bool',
  default: true,
  low: null,
  high: null,
  description: '',
};

describe('parameterProblem', () => {
  it('accepts values inside the inclusive bounds', () => {
    expect(parameterProblem(QTY, 1)).toBe('');
    expect(parameterProblem(QTY, 1000000)).toBe('');
    expect(parameterProblem(BAND, 0.01)).toBe('');
    expect(parameterProblem(FLAG, false)).toBe('');
  });

  it('names the bounds and the bad value', () => {
    expect(parameterProblem(QTY, 0)).toBe('must be from 1 to 1000000, was 0');
    expect(parameterProblem(BAND, 0.5)).toBe('must be from 0 to 0.01, was 0.5');
    expect(parameterProblem({ ...QTY, high: null }, 0)).toBe('must be at least 1, was 0');
  });

  it('wants whole numbers for int parameters and a number at all', () => {
    expect(parameterProblem(QTY, 2.5)).toBe('must be a whole number, was 2.5');
    expect(parameterProblem(QTY, null)).toBe('enter a whole number');
    expect(parameterProblem(BAND, null)).toBe('enter a number');
  });
});

describe('parametersForm', () => {
  it('starts at the defaults and sends every value by name', () => {
    const form = parametersForm([QTY, BAND, FLAG]);

    expect(form.valid).toBe(true);
    expect(parameterValues(form)).toEqual({ qty: 100, band: 0.0001, flag: true });
  });

  it('marks an out-of-bounds value invalid with its message', () => {
    const form = parametersForm([QTY]);
    form.controls['qty'].setValue(0);

    expect(form.invalid).toBe(true);
    expect(form.controls['qty'].errors).toEqual({ problem: 'must be from 1 to 1000000, was 0' });
  });
});

describe('the other fields', () => {
  it('checks warm-up days, starting cash and the start time', () => {
    expect(warmupProblem(1)).toBe('');
    expect(warmupProblem(11)).toBe('must be a whole number from 0 to 10, was 11');
    expect(cashProblem(0)).toBe('must be a number of dollars > 0 and at most 1,000,000,000, was 0');
    expect(cashProblem(1e308)).toBe(
      'must be a number of dollars > 0 and at most 1,000,000,000, was 1e+308',
    );
    expect(cashProblem(1_000_000_000)).toBe('');
    expect(startTimeProblem('')).toBe('');
    expect(startTimeProblem('10:15')).toBe('');
    expect(startTimeProblem('17:00')).toBe(
      'must be within regular hours, 09:30 to 16:00, was 17:00',
    );
  });

  it('checks the risk-free rate in percent and sends it as the fraction', () => {
    expect(riskFreeRateProblem(0)).toBe('');
    expect(riskFreeRateProblem(20)).toBe('');
    expect(riskFreeRateProblem(-1)).toBe('must be an annual rate from 0 to 20 %, was -1');
    expect(riskFreeRateProblem(20.5)).toContain('was 20.5');
    expect(riskFreeRateProblem(null)).toContain('was ');
    expect(riskFreeRateProblem(Number.NaN)).toContain('from 0 to 20 %');
    expect(fractionOf(4.1)).toBe(0.041);
    expect(fractionOf(4)).toBe(0.04);
  });
});
