/**
 * Every form's rules and field messages, one module for the whole panel. The rules are the
 * server's (a ticker as tc2/env/trading_settings.py SYMBOL_PATTERN, a day, a New York wall time,
 * a whole number in a range, a strategy run id), checked in the browser so a bad field is named
 * next to its input before anything is sent; the server checks again and has the last word.
 *
 * Three ways to use them: ``*Problem`` functions return what is wrong with a value ('' when
 * nothing), ``checkedBy`` turns one into a reactive-forms validator, and the ``check*`` functions
 * collect messages in ``FieldErrors`` under the API's field name and return the value to send.
 * The helpers at the end put those messages and a 422's ``details.fields`` next to the inputs.
 */
import { Injector, afterNextRender } from '@angular/core';
import { AbstractControl, ValidationErrors, ValidatorFn } from '@angular/forms';

import { ApiError } from '../core/api';

/** Field name → messages, as the API's error contract gives them (``details.fields``). */
export type FieldErrors = Record<string, string[]>;

/** A value as a message names it: ``empty``, a typed text in quotes, a number as it is. */
export function shown(value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return 'empty';
  }
  return typeof value === 'string' ? `'${value}'` : String(value);
}

// --- Tickers ----------------------------------------------------------------------------------

export const TICKER_PATTERN = /^[A-Z]{1,5}(\.[A-Z])?$/;
export const TICKER_RULE = '1-5 letters, optionally a class suffix like .B (e.g. SPY, BRK.B)';

/** What is wrong with a typed symbol as a ticker, any case ('' when nothing). */
export function tickerProblem(typed: string): string {
  const raw = typed.trim();
  return TICKER_PATTERN.test(raw.toUpperCase()) ? '' : `"${raw}" is not a ticker: ${TICKER_RULE}.`;
}

export interface ParsedTickers {
  symbols: string[];
  problems: string[];
}

/**
 * Symbols typed by a person: separated by commas (or semicolons), any case, spaces around them
 * ignored. Returns them upper-cased, each once, and a sentence for every one that is not a ticker.
 * Spaces do not separate: "NOT A TICKER" is one bad symbol, not three good ones.
 */
export function parseTickers(text: string): ParsedTickers {
  const symbols: string[] = [];
  const problems: string[] = [];
  for (const raw of text.split(/[,;]/).map((part) => part.trim()).filter((part) => part !== '')) {
    const symbol = raw.toUpperCase();
    const problem = tickerProblem(raw);
    if (problem) {
      problems.push(problem);
    } else if (!symbols.includes(symbol)) {
      symbols.push(symbol);
    }
  }
  return { symbols, problems };
}

// --- Days, times, numbers, ids ------------------------------------------------------------------

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const WALL_TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function asDate(text: string): Date | null {
  const match = DAY_PATTERN.exec(text);
  if (!match) {
    return null;
  }
  const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
  return date.getUTCMonth() === +match[2] - 1 && date.getUTCDate() === +match[3] ? date : null;
}

/** A day of the calendar as the API writes it, YYYY-MM-DD. */
export function isDay(text: string): boolean {
  return asDate(text) !== null;
}

/** A Saturday or Sunday (no trading session). */
export function isWeekend(day: string): boolean {
  const weekday = asDate(day)?.getUTCDay();
  return weekday === 0 || weekday === 6;
}

export function dayProblem(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : value;
  if (text === null || text === undefined || text === '') {
    return 'enter a day';
  }
  return typeof text === 'string' && isDay(text) ? '' : `must be a day as YYYY-MM-DD, was ${shown(text)}`;
}

/** HH:MM New York time; nothing is fine (the server's default). */
export function wallTimeProblem(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : value;
  if (text === null || text === undefined || text === '') {
    return '';
  }
  return typeof text === 'string' && WALL_TIME_PATTERN.test(text) ? '' : `must be HH:MM New York time, was ${shown(text)}`;
}

/** A whole number from ``low`` to ``high``: a number, or digits as typed. */
export function wholeNumberProblem(value: unknown, low: number, high: number): string {
  const number = typeof value === 'string' ? (/^\d+$/.test(value) ? Number(value) : NaN) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= low && number <= high
    ? ''
    : `must be a whole number from ${low} to ${high}, was ${shown(value)}`;
}

/** A problem function for a value that must be there, with ``message`` when it is not. */
export function requiredProblem(message: string): (value: unknown) => string {
  return (value) => (value === null || value === undefined || value === '' ? message : '');
}

// --- Reactive forms -----------------------------------------------------------------------------

/** A ``*Problem`` function as a validator: ``{ problem: message }`` when the value is bad. */
export function checkedBy(problem: (value: unknown) => string): ValidatorFn {
  return (control: AbstractControl): ValidationErrors | null => {
    const message = problem(control.value);
    return message ? { problem: message } : null;
  };
}

/** The message of a control's ``checkedBy`` validator, or null. */
export function controlProblem(control: AbstractControl | null | undefined): string | null {
  const problem = control?.errors?.['problem'];
  return problem ? String(problem) : null;
}

// --- Collecting messages by API field name ------------------------------------------------------

function add(errors: FieldErrors, field: string, message: string): void {
  if (message) {
    (errors[field] ??= []).push(message);
  }
}

/** A ticker, upper-cased; '' when empty and optional. */
export function checkSymbol(value: string, field: string, errors: FieldErrors, required: boolean, needs = ''): string {
  const symbol = value.trim().toUpperCase();
  if (!symbol) {
    if (required) {
      add(errors, field, needs || 'enter a symbol');
    }
    return '';
  }
  add(errors, field, tickerProblem(value));
  return symbol;
}

/** A day as YYYY-MM-DD; with ``session`` also not a Saturday or Sunday. */
export function checkDay(
  value: string,
  field: string,
  errors: FieldErrors,
  options: { required: boolean; session?: boolean; needs?: string },
): string {
  const day = value.trim();
  if (!day) {
    if (options.required) {
      add(errors, field, options.needs || dayProblem(day));
    }
    return '';
  }
  const problem = dayProblem(day);
  add(errors, field, problem);
  if (!problem && options.session && isWeekend(day)) {
    add(errors, field, `${day} is a weekend, not a trading session`);
  }
  return day;
}

/** A whole number from 1 to ``most``; undefined when empty (the server's default). */
export function checkCount(value: string, field: string, errors: FieldErrors, most: number): number | undefined {
  const text = value.trim();
  if (!text) {
    return undefined;
  }
  const problem = wholeNumberProblem(text, 1, most);
  add(errors, field, problem);
  return problem ? undefined : Number(text);
}

/** HH:MM New York time; '' when empty (the server's default). */
export function checkWallTime(value: string, field: string, errors: FieldErrors): string {
  const text = value.trim();
  add(errors, field, wallTimeProblem(text));
  return text;
}

/** One of ``choices``. */
export function checkChoice(
  value: string,
  field: string,
  errors: FieldErrors,
  choices: readonly string[],
  needs: string,
): string {
  const text = value.trim();
  if (!text) {
    add(errors, field, needs);
  } else if (!choices.includes(text)) {
    add(errors, field, `must be one of ${choices.join(', ')}, was ${shown(text)}`);
  }
  return text;
}

/** A strategy run's id (a UUID). */
export function checkRunId(value: string, field: string, errors: FieldErrors, needs: string): string {
  const text = value.trim();
  if (!text) {
    add(errors, field, needs);
  } else if (!UUID_PATTERN.test(text)) {
    add(errors, field, `must be a strategy run id (a UUID), was ${shown(text)}`);
  }
  return text;
}

// --- Messages next to the inputs ----------------------------------------------------------------

/**
 * The API names bad fields by path: ``symbols``, ``symbols.3``, ``strategy_limits.breakout1.max_purchase_pct``.
 * These pick the fields of one form out of an error, so the form shows them next to its inputs and
 * ``<tc2-error-box [shownFields]>`` lists only the rest.
 */
export function fieldNamesUnder(error: ApiError | null, prefix: string): string[] {
  if (!error) {
    return [];
  }
  return Object.keys(error.fields).filter((name) => name === prefix || name.startsWith(`${prefix}.`));
}

/** Every message of the fields at or under ``prefix``, in the order the server gave them. */
export function fieldMessagesUnder(error: ApiError | null, prefix: string): string[] {
  return fieldNamesUnder(error, prefix).flatMap((name) => error?.field(name) ?? []);
}

/** The messages beside one input: what the form found before sending, then the server's for ``field``. */
export function messagesFor(field: string, client: FieldErrors, error: ApiError | null): string[] {
  return [...(client[field] ?? []), ...(error?.field(field) ?? [])];
}

/** An input's ``aria-describedby``: its hint (when it has one) and its messages (when there are any). */
export function describedBy(id: string, messages: readonly string[], hint = true): string | null {
  const ids = [hint ? `${id}-hint` : '', messages.length ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : null;
}

/** Once the page has rendered the messages, put the keyboard focus on the first invalid input in ``container``. */
export function focusFirstInvalid(container: () => HTMLElement | null | undefined, injector: Injector): void {
  afterNextRender(
    () =>
      container()
        ?.querySelector<HTMLElement>('input[aria-invalid="true"], select[aria-invalid="true"], textarea[aria-invalid="true"]')
        ?.focus(),
    { injector },
  );
}
