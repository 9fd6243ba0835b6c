/**
 * What the simulation and evaluation forms check before sending: the same rules the server
 * applies (tc2/strategy/parameters.py, tc2/program/strategy_jobs.py), so a bad value is named
 * next to its input at once. Each rule is a ``*Problem`` function returning '' when the value is
 * fine, wrapped as a validator for reactive forms.
 */
import {
  AbstractControl,
  FormControl,
  FormRecord,
  ValidationErrors,
  ValidatorFn,
} from '@angular/forms';

import { ApiError } from '../core/api';
import { StrategyParameter } from './strategy-api';

/** tc2/program/strategy_jobs.py MAX_WARMUP_DAYS. */
export const MAX_WARMUP_DAYS = 10;
/** tc2/simulation/simulator.py DEFAULT_WARMUP_DAYS. */
export const DEFAULT_WARMUP_DAYS = 1;
/** tc2/execution/virtual_account.py DEFAULT_STARTING_CASH. */
export const DEFAULT_STARTING_CASH = 30_000;
/** Regular trading hours, New York. */
export const SESSION_OPEN = '09:30';
export const SESSION_CLOSE = '16:00';

export type ParameterValue = number | boolean | null;
export type ParametersForm = FormRecord<FormControl<ParameterValue>>;

function shown(value: unknown): string {
  return value === null || value === undefined || value === '' ? 'empty' : String(value);
}

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
    if (low !== null && high !== null) {
      return `must be from ${low} to ${high}, was ${value}`;
    }
    return low !== null
      ? `must be at least ${low}, was ${value}`
      : `must be at most ${high}, was ${value}`;
  }
  return '';
}

/** Turn a ``*Problem`` function into a validator: ``{ problem: message }`` when invalid. */
export function checkedBy(problem: (value: unknown) => string): ValidatorFn {
  return (control: AbstractControl): ValidationErrors | null => {
    const message = problem(control.value);
    return message ? { problem: message } : null;
  };
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
  return typeof value === 'number' &&
    Number.isInteger(value) &&
    value >= 0 &&
    value <= MAX_WARMUP_DAYS
    ? ''
    : `must be a whole number from 0 to ${MAX_WARMUP_DAYS}, was ${shown(value)}`;
}

export function cashProblem(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) && value > 0
    ? ''
    : `must be a number of dollars above 0, was ${shown(value)}`;
}

/** An optional New York start time within regular hours (blank: the strategy's own windows). */
export function startTimeProblem(value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '';
  }
  if (typeof value !== 'string' || !/^\d{2}:\d{2}$/.test(value)) {
    return `must be a New York time HH:MM, was ${shown(value)}`;
  }
  return value >= SESSION_OPEN && value < SESSION_CLOSE
    ? ''
    : `must be within regular hours, ${SESSION_OPEN} to ${SESSION_CLOSE}, was ${value}`;
}

export function requiredProblem(what: string): (value: unknown) => string {
  return (value) => (value === null || value === undefined || value === '' ? `choose ${what}` : '');
}

export function dateProblem(value: unknown): string {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? ''
    : `enter a date, was ${shown(value)}`;
}

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
  const local = control?.errors?.['problem'];
  const mine = local && (submitted || control?.touched || control?.dirty) ? [String(local)] : [];
  return [...mine, ...(error?.field(field) ?? [])];
}

/** Put the keyboard focus on the first input the browser marks invalid inside ``form``. */
export function focusFirstInvalid(form: HTMLElement | null | undefined): void {
  const invalid = form?.querySelector<HTMLElement>(
    'input[aria-invalid="true"], select[aria-invalid="true"], textarea[aria-invalid="true"]',
  );
  invalid?.focus();
}
