/**
 * The checks' form rules, applied before a request is sent: the same rules (and messages in the
 * same style) the server applies, so a form names a bad field without a round trip. Each rule
 * adds its messages to ``errors`` under the API's field name and returns the value to send.
 */

/** Field name → messages, as the API's error contract gives them (``details.fields``). */
export type FieldErrors = Record<string, string[]>;

/** TC2's ticker rule (tc2.env.trading_settings.SYMBOL_PATTERN). */
export const SYMBOL_PATTERN = /^[A-Z]{1,5}(\.[A-Z])?$/;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const WALL_TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function add(errors: FieldErrors, field: string, message: string): void {
  (errors[field] ??= []).push(message);
}

/** A ticker, upper-cased; '' when empty and optional. */
export function checkSymbol(value: string, field: string, errors: FieldErrors, required: boolean, needs = ''): string {
  const symbol = value.trim().toUpperCase();
  if (!symbol) {
    if (required) {
      add(errors, field, needs || `enter a symbol`);
    }
    return '';
  }
  if (!SYMBOL_PATTERN.test(symbol)) {
    add(errors, field, `not a ticker: '${value.trim()}' (1-5 letters, e.g. SPY or BRK.B)`);
  }
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
      add(errors, field, options.needs || 'enter a day');
    }
    return '';
  }
  const match = DAY_PATTERN.exec(day);
  const date = match ? new Date(Date.UTC(+match[1], +match[2] - 1, +match[3])) : null;
  if (!match || !date || date.getUTCMonth() !== +match[2] - 1 || date.getUTCDate() !== +match[3]) {
    add(errors, field, `must be a day as YYYY-MM-DD, was '${day}'`);
    return day;
  }
  if (options.session && (date.getUTCDay() === 0 || date.getUTCDay() === 6)) {
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
  const count = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(count >= 1 && count <= most)) {
    add(errors, field, `must be a whole number from 1 to ${most}, was '${text}'`);
    return undefined;
  }
  return count;
}

/** HH:MM New York time; '' when empty (the server's default). */
export function checkWallTime(value: string, field: string, errors: FieldErrors): string {
  const text = value.trim();
  if (text && !WALL_TIME_PATTERN.test(text)) {
    add(errors, field, `must be HH:MM New York time, was '${text}'`);
  }
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
    add(errors, field, `must be one of ${choices.join(', ')}, was '${text}'`);
  }
  return text;
}

/** A strategy run's id (a UUID). */
export function checkRunId(value: string, field: string, errors: FieldErrors, needs: string): string {
  const text = value.trim();
  if (!text) {
    add(errors, field, needs);
  } else if (!UUID_PATTERN.test(text)) {
    add(errors, field, `must be a strategy run id (a UUID), was '${text}'`);
  }
  return text;
}

/** The client's messages for a field, else the server's (the last request's 422). */
export function messagesFor(field: string, client: FieldErrors, server: FieldErrors): string[] {
  return client[field]?.length ? client[field] : (server[field] ?? []);
}
