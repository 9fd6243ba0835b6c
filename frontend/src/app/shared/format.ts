/**
 * How the panel writes every figure, in one place, so every page reads alike:
 *
 * - time: New York market time, labelled ``ET`` (``2026-12-07 14:03:22 ET``), ISO-like dates
 *   (``2026-12-07``); the browser's own time only where a page asks for it (``localDateTime``);
 * - money: dollars with 2 decimals (``$30,000.00``), prices with 2 decimals;
 * - percentages: a stored fraction (``0.0016``) reads ``0.16 %``; a figure already in percent
 *   (``mean_pct``) reads ``1.25 %``. Names alone cannot tell them apart: settings and strategy
 *   parameters keep ``*_pct`` as fractions (``setting``), what checks and visuals measured keeps
 *   ``*_pct`` in percent (``figure``);
 * - volumes and counts: whole numbers with thousands separators;
 * - names: internal names (``days_over_1_4_pct``, ``PRICE_GRAPH``, ``strategy_simulate``) become
 *   labels for a person (``Days over 1.4 %``, ``Price graph``, ``Simulation``);
 * - structured values: ``Key value · Key value``, never JSON.
 */

import type { Schemas } from '../core/api';

export const NONE = '—';
export const MARKET_ZONE = 'America/New_York';
/** The label every New York time carries. */
export const MARKET_ZONE_LABEL = 'ET';

const MONEY = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const TWO_DECIMALS = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const WHOLE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const FIGURE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
const PERCENT_INPUT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6, useGrouping: false });

/** Every part of a wall-clock instant, 24-hour, numeric. */
const CLOCK_PARTS: Intl.DateTimeFormatOptions = {
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
};
const NEW_YORK_PARTS = new Intl.DateTimeFormat('en-US', { ...CLOCK_PARTS, timeZone: MARKET_ZONE });
const LOCAL_PARTS = new Intl.DateTimeFormat('en-US', CLOCK_PARTS);

/** An instant: an ISO string, a Date, or epoch seconds. */
export type Instant = string | number | Date;

function missing(value: number | null | undefined): value is null | undefined {
  return value === null || value === undefined || !Number.isFinite(value);
}

function toDate(instant: Instant | null | undefined): Date | null {
  if (instant === null || instant === undefined || instant === '') {
    return null;
  }
  const date = typeof instant === 'number' ? new Date(instant * 1000) : new Date(instant);
  return Number.isNaN(date.getTime()) ? null : date;
}

function parts(format: Intl.DateTimeFormat, date: Date): Record<string, string> {
  return Object.fromEntries(format.formatToParts(date).map((part) => [part.type, part.value]));
}

/** The New York wall-clock parts (year … second, numeric strings) of ``date``. */
export function newYorkParts(date: Date): Record<string, string> {
  return parts(NEW_YORK_PARTS, date);
}

// --- time ------------------------------------------------------------------------------------

/** New York date and time, labelled: ``2026-12-07 14:03:22 ET``. */
export function marketDateTime(instant: Instant | null | undefined): string {
  const date = toDate(instant);
  if (!date) {
    return NONE;
  }
  const p = parts(NEW_YORK_PARTS, date);
  return `${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']}:${p['second']} ${MARKET_ZONE_LABEL}`;
}

/** The New York date of an instant: ``2026-12-07``. */
export function marketDate(instant: Instant | null | undefined): string {
  const date = toDate(instant);
  if (!date) {
    return NONE;
  }
  const p = parts(NEW_YORK_PARTS, date);
  return `${p['year']}-${p['month']}-${p['day']}`;
}

/** New York wall-clock time: ``14:03:22`` (the page's heading says ET). */
export function marketClock(instant: Instant | null | undefined): string {
  const date = toDate(instant);
  if (!date) {
    return NONE;
  }
  const p = parts(NEW_YORK_PARTS, date);
  return `${p['hour']}:${p['minute']}:${p['second']}`;
}

/** The browser's own date and time, labelled as such: ``2026-12-07 20:03:22 local``. */
export function localDateTime(instant: Instant | null | undefined): string {
  const date = toDate(instant);
  if (!date) {
    return NONE;
  }
  const p = parts(LOCAL_PARTS, date);
  return `${p['year']}-${p['month']}-${p['day']} ${p['hour']}:${p['minute']}:${p['second']} local`;
}

/** A duration in seconds for a person: ``45 s``, ``3 min 20 s``, ``2 h 5 min``, ``3 d 4 h``. */
export function duration(seconds: number | null | undefined): string {
  if (missing(seconds)) {
    return NONE;
  }
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) {
    return `${s} s`;
  }
  if (s < 3600) {
    return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  }
  if (s < 86400) {
    const minutes = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
  }
  const hours = Math.floor((s % 86400) / 3600);
  return `${Math.floor(s / 86400)} d${hours ? ` ${hours} h` : ''}`;
}

// --- numbers ---------------------------------------------------------------------------------

/** Dollars with two decimals: ``$30,000.00``, ``-$12.81``. */
export function money(value: number | null | undefined): string {
  return missing(value) ? NONE : MONEY.format(value);
}

/** Signed dollars: ``+$10.65``, ``-$12.81``. */
export function signedMoney(value: number | null | undefined): string {
  return missing(value) ? NONE : (value > 0 ? '+' : '') + MONEY.format(value);
}

/** A share price: two decimals, ``608.55``. */
export function price(value: number | null | undefined): string {
  return missing(value) ? NONE : TWO_DECIMALS.format(value);
}

/** A fraction as a percentage: ``0.0016`` → ``0.16 %``. */
export function percent(fraction: number | null | undefined): string {
  return missing(fraction) ? NONE : `${TWO_DECIMALS.format(fraction * 100)} %`;
}

/** A figure already in percent: ``1.25`` → ``1.25 %``. */
export function percentPoints(value: number | null | undefined): string {
  return missing(value) ? NONE : `${TWO_DECIMALS.format(value)} %`;
}

/** A plain ratio with two decimals (Sharpe, profit factor). */
export function ratio(value: number | null | undefined): string {
  return missing(value) ? NONE : TWO_DECIMALS.format(value);
}

/** A volume or a count: whole, with thousands separators. */
export function whole(value: number | null | undefined): string {
  return missing(value) ? NONE : WHOLE.format(value);
}

/** Any other measured number: up to 4 decimals. */
export function decimal(value: number | null | undefined): string {
  return missing(value) ? NONE : FIGURE.format(value);
}

/** A stored fraction as a form shows it, in percent without the sign: ``0.0016`` → ``0.16``. */
export function fractionToPercentInput(fraction: number | null | undefined): string {
  return missing(fraction) ? '' : PERCENT_INPUT.format(fraction * 100);
}

/** What a person typed in a percent field, as the stored fraction: ``0.16`` → ``0.0016``. */
export function percentInputToFraction(text: string): number | null {
  const cleaned = text.replace('%', '').trim();
  if (cleaned === '') {
    return null;
  }
  const value = Number(cleaned);
  // Rounded to remove binary noise (0.16 / 100 = 0.0016000000000000001).
  return Number.isFinite(value) ? Number((value / 100).toPrecision(12)) : Number.NaN;
}

// --- names -----------------------------------------------------------------------------------

/** Every job type's label (the type checker names a new type missing here). */
export const JOB_TYPE_LABELS: Record<Schemas['JobListInputTypeEnum'], string> = {
  worker_check: 'Worker check',
  data_recollect: 'Recollect data',
  data_patch: 'Patch data',
  data_heal: 'Heal data',
  data_import: 'Import bars',
  data_catch_up: 'Collect new symbols',
  strategy_simulate: 'Simulation',
  strategy_evaluate: 'Evaluation',
  health_check: 'Health check',
  visual_generate: 'Visual',
  trading_reconcile: 'Reconciliation',
};

/** Internal names whose label is not just their words. */
const LABELS: Record<string, string> = {
  ...JOB_TYPE_LABELS,
  // visual types
  PRICE_GRAPH: 'Price graph',
  SINGLE_RUN: 'Single run',
  RUN_HISTORY: 'Run history',
  BREAKOUT1_SETUP: 'Breakout1 setup',
  EQUITY_CURVE: 'Equity curve',
  // parameters and figures
  day_date: 'day',
  start_date: 'from',
  end_date: 'to',
  rth: 'regular hours only',
  pnl: 'P&L',
  vwap: 'VWAP',
  rsi: 'RSI',
  sma: 'SMA',
  ema: 'EMA',
  atr: 'ATR',
  id: 'ID',
  usd: 'USD',
  qty: 'quantity',
  t: 'time',
};
const UNIT_WORDS: Record<string, string> = { pct: '%', ms: '(ms)', s: '(s)', usd: '($)' };

/**
 * A label for a person from an internal name: ``days_over_1_4_pct`` → ``Days over 1.4 %``,
 * ``PRICE_GRAPH`` → ``Price graph``, ``open_t`` → ``Open time``, ``strategy_simulate`` →
 * ``Simulation``.
 */
export function label(name: string): string {
  if (/^[A-Z]{1,5}(\.[A-Z])?$/.test(name)) {
    return name; // a ticker (SPY, BRK.B) stays as it is
  }
  const known = LABELS[name];
  if (known) {
    return known.charAt(0).toUpperCase() + known.slice(1);
  }
  const words = name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/(\d)_(\d)/g, '$1.$2')
    .split(/[_\s]+/)
    .filter(Boolean)
    .map((word, index, all) => {
      const lower = word.toLowerCase();
      if (index === all.length - 1 && index > 0 && UNIT_WORDS[lower]) {
        return UNIT_WORDS[lower];
      }
      return LABELS[lower] ?? lower;
    });
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// --- figures and structured values -----------------------------------------------------------

/** Epoch seconds between 2001 and 2286: a 10-digit instant nobody should read raw. */
function looksLikeEpochSeconds(value: number): boolean {
  return Number.isInteger(value) && value >= 1_000_000_000 && value < 10_000_000_000;
}

function isTimeName(name: string): boolean {
  return /(^|_)(t|time|timestamp|at|start|end|since|until)$/i.test(name);
}

/**
 * One figure as a page shows it, its ``name`` deciding the unit: times in New York time, ``*_pct``
 * in percent, ``*_usd``/profit/equity/cash in dollars, volumes whole; objects as ``key value``
 * pairs, never JSON.
 */
export function figure(value: unknown, name = ''): string {
  if (value === null || value === undefined || value === '') {
    return NONE;
  }
  if (typeof value === 'boolean') {
    return value ? 'yes' : 'no';
  }
  if (typeof value === 'number') {
    return numberFigure(value, name.toLowerCase());
  }
  if (typeof value === 'string') {
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item) => figure(item, name)).join(', ');
  }
  if (typeof value === 'object') {
    return describe(value as Record<string, unknown>);
  }
  return String(value);
}

function numberFigure(value: number, name: string): string {
  if (!Number.isFinite(value)) {
    return NONE;
  }
  if (looksLikeEpochSeconds(value) && (isTimeName(name) || name === '')) {
    return marketDateTime(value);
  }
  if (/^(days|count|bars|sessions|trades|runs)_/.test(name)) {
    return whole(value); // days_over_1_4_pct counts days
  }
  if (/(^|_)(pct|percent)$/.test(name)) {
    return percentPoints(value);
  }
  if (/(^|_)(fraction|rate|ratio_of)$/.test(name)) {
    return percent(value);
  }
  if (/(^|_)(usd|profit|pnl|equity|cash|cost|fees?|dollars)$/.test(name)) {
    return money(value);
  }
  if (/(^|_)(price|open|high|low|close|vwap|limit|stop|resistance|support)$/.test(name)) {
    return price(value);
  }
  if (/(^|_)(volume|shares|qty|quantity|bars|count|sessions|days)$/.test(name)) {
    return whole(value);
  }
  return Number.isInteger(value) ? whole(value) : decimal(value);
}

/** A structured value as ``Key value · Key value`` (nested ones in parentheses). */
export function describe(
  data: Record<string, unknown> | null | undefined,
  show: (value: unknown, name: string) => string = figure,
): string {
  if (!data) {
    return '';
  }
  return Object.entries(data)
    .map(([key, value]) => {
      const shown =
        value !== null && typeof value === 'object' && !Array.isArray(value)
          ? `(${describe(value as Record<string, unknown>, show)})`
          : show(value, key);
      const name = label(key);
      // "Max stop 0.60 %", not "Max stop % 0.60 %".
      return `${name.endsWith(' %') && shown.endsWith(' %') ? name.slice(0, -2) : name} ${shown}`;
    })
    .join(' · ');
}

/** Whether a setting or strategy parameter of this name is stored as a fraction shown in percent. */
export function isFractionSetting(name: string): boolean {
  return /(^|_)pct$/.test(name);
}

/**
 * A setting or strategy parameter: ``*_pct`` fractions as percentages (``max_stop_pct`` 0.006 →
 * ``0.60 %``), structured ones as ``Key value`` pairs, the rest as ``figure`` writes them.
 */
export function setting(value: unknown, name = ''): string {
  if (typeof value === 'number' && isFractionSetting(name)) {
    return percent(value);
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return describe(value as Record<string, unknown>, setting);
  }
  return figure(value, name);
}

/** Every helper, for templates: ``protected readonly fmt = fmt;`` then ``{{ fmt.money(x) }}``. */
export const fmt = {
  marketDateTime,
  marketDate,
  marketClock,
  localDateTime,
  duration,
  money,
  signedMoney,
  price,
  percent,
  percentPoints,
  ratio,
  whole,
  decimal,
  label,
  figure,
  describe,
  setting,
  zone: MARKET_ZONE_LABEL,
} as const;
