/**
 * How the Strategy Control pages write a run's figures (through the panel's one set of helpers,
 * ``shared/format.ts``), and the row a metrics table shows.
 */

import { describe, figure, marketClock, marketDate, money, signedMoney } from '../shared/format';

export type Tone = 'positive' | 'negative' | null;

/** One line of a metrics table. */
export interface MetricRow {
  label: string;
  value: string;
  tone: Tone;
  /** What the figure means, for the row's title. */
  hint?: string;
}

export { NONE, percent, price, ratio, whole } from '../shared/format';

/** ``-$12.81``, ``$30,000.00``. */
export const dollars = money;

/** A signed dollar amount: ``+$10.65``, ``-$12.81``. */
export const signedDollars = signedMoney;

function missing(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || !Number.isFinite(value);
}

/** Green above zero, red below. */
export function toneOf(value: number | null | undefined): Tone {
  return missing(value) || value === 0 ? null : value > 0 ? 'positive' : 'negative';
}

/** UTC epoch seconds as New York wall-clock time, ``HH:MM:SS`` (the page says ET). */
export function newYorkClock(t: number | null | undefined): string {
  return marketClock(t);
}

/** UTC epoch seconds as the New York date, ``YYYY-MM-DD``. */
export function newYorkDay(t: number): string {
  return marketDate(t);
}

/** A decision's or order's extra figures as ``Key value`` pairs: ``Price 608.55 · Quantity 9``. */
export function describeData(data: unknown): string {
  if (data === null || data === undefined) {
    return '';
  }
  return typeof data === 'object' && !Array.isArray(data) ? describe(data as Record<string, unknown>) : figure(data);
}
