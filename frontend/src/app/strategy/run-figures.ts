/**
 * How the Strategy Control pages write a run's figures: dollars, percentages, ratios and New York
 * clock times, and the row a metrics table shows.
 */

export type Tone = 'positive' | 'negative' | null;

/** One line of a metrics table. */
export interface MetricRow {
  label: string;
  value: string;
  tone: Tone;
  /** What the figure means, for the row's title. */
  hint?: string;
}

const DOLLARS = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const PRICE = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 4,
});
const RATIO = new Intl.NumberFormat('en-US', {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const WHOLE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const NEW_YORK_CLOCK = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const NEW_YORK_DAY = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

export const NONE = '—';

function missing(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || !Number.isFinite(value);
}

/** ``-$12.81``, ``$30,000.00``. */
export function dollars(value: number | null | undefined): string {
  return missing(value) ? NONE : DOLLARS.format(value);
}

/** A signed dollar amount: ``+$10.65``, ``-$12.81``. */
export function signedDollars(value: number | null | undefined): string {
  return missing(value) ? NONE : (value > 0 ? '+' : '') + DOLLARS.format(value);
}

/** A price with 2-4 decimals. */
export function price(value: number | null | undefined): string {
  return missing(value) ? NONE : PRICE.format(value);
}

/** A fraction as a percentage: 0.0125 → ``1.25 %``. */
export function percent(fraction: number | null | undefined): string {
  return missing(fraction) ? NONE : `${RATIO.format(fraction * 100)} %`;
}

/** A plain ratio with two decimals (Sharpe, profit factor). */
export function ratio(value: number | null | undefined): string {
  return missing(value) ? NONE : RATIO.format(value);
}

export function whole(value: number | null | undefined): string {
  return missing(value) ? NONE : WHOLE.format(value);
}

/** Green above zero, red below. */
export function toneOf(value: number | null | undefined): Tone {
  return missing(value) || value === 0 ? null : value > 0 ? 'positive' : 'negative';
}

/** UTC epoch seconds as New York wall-clock time, ``HH:MM:SS``. */
export function newYorkClock(t: number | null | undefined): string {
  return missing(t) ? NONE : NEW_YORK_CLOCK.format(new Date(t * 1000));
}

/** UTC epoch seconds as the New York date, ``YYYY-MM-DD``. */
export function newYorkDay(t: number): string {
  return NEW_YORK_DAY.format(new Date(t * 1000));
}

/** A decision's or order's extra figures as ``key value`` pairs: ``price 608.55 · qty 9``. */
export function describeData(data: unknown): string {
  if (data === null || data === undefined) {
    return '';
  }
  if (typeof data !== 'object') {
    return String(data);
  }
  return Object.entries(data as Record<string, unknown>)
    .map(([key, value]) => `${key.replace(/_/g, ' ')} ${describeValue(value)}`)
    .join(' · ');
}

function describeValue(value: unknown): string {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e6) / 1e6);
  }
  if (value !== null && typeof value === 'object') {
    return Array.isArray(value)
      ? `[${value.map(describeValue).join(', ')}]`
      : `(${describeData(value)})`;
  }
  return String(value);
}
