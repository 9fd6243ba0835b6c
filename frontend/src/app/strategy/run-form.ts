/**
 * What the simulation and evaluation forms check before sending: the same rules the server
 * applies (tc2/strategy/parameters.py, tc2/program/strategy_jobs.py), so a bad value is named
 * next to its input at once. Each rule is a ``*Problem`` function returning '' when the value is
 * fine, a validator through ``checkedBy``; the general rules are the panel's (shared/form-rules).
 */
import { AbstractControl, FormControl, FormRecord } from '@angular/forms';

import { ApiError } from '../core/api';
import {
  checkedBy,
  controlProblem,
  messagesFor,
  requiredProblem,
  shown,
  wallTimeProblem,
  wholeNumberProblem,
} from '../shared/form-rules';
import { isFractionSetting, percent } from '../shared/format';
import { Adjustment, BarResolution, FillModel, StrategyParameter } from './strategy-api';

/** tc2/program/strategy_jobs.py MAX_WARMUP_DAYS. */
export const MAX_WARMUP_DAYS = 10;
/** tc2/simulation/simulator.py DEFAULT_WARMUP_DAYS. */
export const DEFAULT_WARMUP_DAYS = 1;
/** tc2/execution/virtual_account.py DEFAULT_STARTING_CASH. */
export const DEFAULT_STARTING_CASH = 30_000;
/** tc2/program/strategy_jobs.py MAX_STARTING_CASH (the schema's maximum of starting_cash). */
export const MAX_STARTING_CASH = 1_000_000_000;
/** tc2/program/strategy_jobs.py MAX_RISK_FREE_RATE (a fraction; the form takes percent). */
export const MAX_RISK_FREE_RATE = 0.2;
/** Regular trading hours, New York. */
export const SESSION_OPEN = '09:30';
export const SESSION_CLOSE = '16:00';

export type ParameterValue = number | boolean | null;
export type ParametersForm = FormRecord<FormControl<ParameterValue>>;

/** What is wrong with ``value`` for ``parameter`` ('' when nothing): type, whole number, bounds. */
export function parameterProblem(parameter: StrategyParameter, value: unknown): string {
  if (parameter.type === 'bool') {
    return typeof value === 'boolean' ? '' : `must be true or false, was ${shown(value)}`;
  }
  if (typeof value !== 'number' || Number.isNaN(value)) {
    return parameter.type === 'int' ? 'enter a whole number' : 'enter a number';
  }
  if (!Number.isFinite(value)) {
    return `must be finite, was ${value}`;
  }
  if (parameter.type === 'int' && !Number.isInteger(value)) {
    return `must be a whole number, was ${value}`;
  }
  const { low, high } = parameter;
  const outside = (low !== null && value < low) || (high !== null && value > high);
  if (outside) {
    // A fraction is typed in percent; its bounds are named in percent too.
    const shown = (x: number) =>
      parameter.type === 'float' && isFractionSetting(parameter.name) ? percent(x) : String(x);
    if (low !== null && high !== null) {
      return `must be from ${shown(low)} to ${shown(high)}, was ${shown(value)}`;
    }
    return low !== null
      ? `must be at least ${shown(low)}, was ${shown(value)}`
      : `must be at most ${shown(high!)}, was ${shown(value)}`;
  }
  return '';
}

/** A control per parameter, holding its default and checking its type and bounds. */
export function parametersForm(parameters: readonly StrategyParameter[]): ParametersForm {
  const form: ParametersForm = new FormRecord<FormControl<ParameterValue>>({});
  for (const parameter of parameters) {
    form.addControl(
      parameter.name,
      new FormControl<ParameterValue>(parameter.default as ParameterValue, {
        validators: checkedBy((value) => parameterProblem(parameter, value)),
      }),
    );
  }
  return form;
}

/** Every parameter's value by name, as the API takes them. */
export function parameterValues(form: ParametersForm): Record<string, number | boolean> {
  return Object.fromEntries(
    Object.entries(form.getRawValue()).filter(([, value]) => value !== null) as [
      string,
      number | boolean,
    ][],
  );
}

export function warmupProblem(value: unknown): string {
  return wholeNumberProblem(value, 0, MAX_WARMUP_DAYS);
}

/** The API's rule and message for starting_cash, so the form and a 422 say the same. */
export function cashProblem(value: unknown): string {
  return typeof value === 'number' &&
    Number.isFinite(value) &&
    value > 0 &&
    value <= MAX_STARTING_CASH
    ? ''
    : `must be a number of dollars > 0 and at most ${MAX_STARTING_CASH.toLocaleString('en-US')}, was ${shown(value)}`;
}

/** The annual risk-free rate, typed in percent: 0 to 20 (the API's 0 to 0.2). */
export function riskFreeRateProblem(value: unknown): string {
  return typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= 0 &&
    value <= MAX_RISK_FREE_RATE * 100
    ? ''
    : `must be an annual rate from 0 to ${MAX_RISK_FREE_RATE * 100} %, was ${shown(value)}`;
}

/** Percent typed in the form as the fraction the API takes (4 -> 0.04, without float noise). */
export function fractionOf(percentValue: number): number {
  return Number((percentValue / 100).toFixed(10));
}

/** An optional New York start time within regular hours (blank: the strategy's own windows). */
export function startTimeProblem(value: unknown): string {
  const problem = wallTimeProblem(value);
  if (problem || value === null || value === undefined || value === '') {
    return problem;
  }
  return String(value) >= SESSION_OPEN && String(value) < SESSION_CLOSE
    ? ''
    : `must be within regular hours, ${SESSION_OPEN} to ${SESSION_CLOSE}, was ${String(value)}`;
}

/** The controls every run form has (each page adds its own), with their defaults and checks. */
export function runControls() {
  return {
    strategy: new FormControl('', {
      nonNullable: true,
      validators: checkedBy(requiredProblem('choose a strategy')),
    }),
    warmupDays: new FormControl<number | null>(DEFAULT_WARMUP_DAYS, {
      validators: checkedBy(warmupProblem),
    }),
    fillModel: new FormControl<FillModel>('realistic', { nonNullable: true }),
    adjustment: new FormControl<Adjustment>('split', { nonNullable: true }),
    startingCash: new FormControl<number | null>(DEFAULT_STARTING_CASH, {
      validators: checkedBy(cashProblem),
    }),
    modelFilters: new FormControl(true, { nonNullable: true }),
    allowShort: new FormControl(false, { nonNullable: true }),
    closeAtEnd: new FormControl(false, { nonNullable: true }),
    /** The bars the run gets: one of the chosen strategy's ``resolutions`` (its own first). */
    resolution: new FormControl<BarResolution>('1s', { nonNullable: true }),
  };
}
export type RunControls = ReturnType<typeof runControls>;

/** The API fields the common controls send (and a 422 names). */
export const RUN_API_FIELDS = {
  strategy: 'strategy',
  warmupDays: 'warmup_days',
  fillModel: 'fill_model',
  adjustment: 'adjustment',
  startingCash: 'starting_cash',
  modelFilters: 'model_filters',
  allowShort: 'allow_short',
  closeAtEnd: 'close_at_end',
  resolution: 'resolution',
} as const;

/**
 * The messages to show beside one input: the form's own (once the user has touched it or tried
 * to send) and the server's for the same field (``field`` as the API names it).
 */
export function fieldMessages(
  control: AbstractControl | null | undefined,
  field: string,
  error: ApiError | null,
  submitted: boolean,
): string[] {
  const problem = controlProblem(control);
  const mine = problem && (submitted || control?.touched || control?.dirty) ? [problem] : [];
  return messagesFor(field, { [field]: mine }, error);
}
