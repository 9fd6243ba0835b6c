/** What the Trading page computes from the API's answers: pure functions, tested on their own. */
import { CandlestickData, SeriesMarker, Time } from 'lightweight-charts';

import { ChartSpec, newYorkTime, tradeMarker } from '../shared/chart';
import { fmt } from '../shared/format';
import { Bars, Fill, Mode, PnlRow, Risk, RoundTrip } from './trading-api';

/** What each mode's figures are, said next to its badge. */
export const MODE_NOTES: Record<Mode, string> = {
  REPLAY:
    'Replay market: a stored session replayed with a simulated account — not money at a broker',
  PAPER: 'Alpaca paper account: a broker simulation, no real money',
  LIVE: 'Live Alpaca account: real money',
  BACKTEST: 'Simulator runs (backtests and evaluations)',
};

export const MODES: readonly Mode[] = ['REPLAY', 'PAPER', 'LIVE', 'BACKTEST'];

// --- CSV ---------------------------------------------------------------------------------------

function csvCell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 CSV: a header line, then one line per row (CRLF, cells quoted when they must be). */
export function toCsv(
  header: readonly string[],
  rows: readonly (readonly (string | number | null | undefined)[])[],
): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** The fills shown, as CSV (times in New York, labelled in the header). */
export function fillsCsv(fills: readonly Fill[]): string {
  return toCsv(
    [
      'time_et',
      'mode',
      'strategy',
      'run_id',
      'symbol',
      'side',
      'operation',
      'qty',
      'price',
      'fee',
      'client_order_id',
      'fill_id',
    ],
    fills.map((f) => [
      fmt.marketDateTime(f.t).replace(' ET', ''),
      f.mode,
      f.strategy,
      f.run_id,
      f.symbol,
      f.side,
      f.operation,
      f.qty,
      f.price,
      f.fee,
      f.client_order_id,
      f.fill_id,
    ]),
  );
}

/** The round trips shown, as CSV. */
export function roundTripsCsv(trips: readonly RoundTrip[]): string {
  return toCsv(
    [
      'start_et',
      'end_et',
      'mode',
      'strategy',
      'run_id',
      'symbol',
      'direction',
      'qty',
      'entry_price',
      'exit_price',
      'fees',
      'gain_usd',
      'gain_pct',
      'r_units',
    ],
    trips.map((r) => [
      fmt.marketDateTime(r.start).replace(' ET', ''),
      fmt.marketDateTime(r.end).replace(' ET', ''),
      r.mode,
      r.strategy,
      r.run_id,
      r.symbol,
      r.direction,
      r.qty,
      r.entry_price,
      r.exit_price,
      r.fees,
      r.gain_value,
      r.gain_percentage,
      r.r_units,
    ]),
  );
}

// --- P&L calendar ------------------------------------------------------------------------------

export interface CalendarCell {
  day: string;
  /** Net dollars of the day's round trips; null: none closed that day. */
  value: number | null;
  roundTrips: number;
  tone: 'gain' | 'loss' | 'flat' | 'none';
}

export interface CalendarMonth {
  /** ``2026-05`` */
  month: string;
  total: number;
  /** Weeks of five weekdays (Monday first); null pads the days outside the month. */
  weeks: (CalendarCell | null)[][];
}

function toneOf(value: number | null): CalendarCell['tone'] {
  if (value === null) {
    return 'none';
  }
  return value > 0.005 ? 'gain' : value < -0.005 ? 'loss' : 'flat';
}

/** The months that have P&L rows, newest first, each as weeks of weekdays coloured by the day's sign. */
export function calendarMonths(rows: readonly PnlRow[]): CalendarMonth[] {
  const byDay = new Map<string, { value: number; roundTrips: number }>();
  for (const row of rows) {
    if (!row.day) {
      continue;
    }
    const kept = byDay.get(row.day) ?? { value: 0, roundTrips: 0 };
    byDay.set(row.day, {
      value: kept.value + row.gain_value,
      roundTrips: kept.roundTrips + row.round_trips,
    });
  }
  const months = [...new Set([...byDay.keys()].map((day) => day.slice(0, 7)))].sort().reverse();
  return months.map((month) => {
    const [year, monthIndex] = [Number(month.slice(0, 4)), Number(month.slice(5, 7)) - 1];
    const days = new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
    const weeks: (CalendarCell | null)[][] = [];
    let week: (CalendarCell | null)[] = [null, null, null, null, null];
    let total = 0;
    for (let d = 1; d <= days; d++) {
      const weekday = new Date(Date.UTC(year, monthIndex, d)).getUTCDay(); // 0 Sunday
      if (weekday === 0 || weekday === 6) {
        if (weekday === 6 && week.some((cell) => cell !== null)) {
          weeks.push(week);
          week = [null, null, null, null, null];
        }
        continue;
      }
      const day = `${month}-${String(d).padStart(2, '0')}`;
      const found = byDay.get(day);
      total += found?.value ?? 0;
      week[weekday - 1] = {
        day,
        value: found?.value ?? null,
        roundTrips: found?.roundTrips ?? 0,
        tone: toneOf(found?.value ?? null),
      };
    }
    if (week.some((cell) => cell !== null)) {
      weeks.push(week);
    }
    return { month, total, weeks };
  });
}

/** P&L per strategy, modes apart, best first. */
export function strategyRows(rows: readonly PnlRow[]): PnlRow[] {
  return [...rows].sort((a, b) => b.gain_value - a.gain_value);
}

// --- risk --------------------------------------------------------------------------------------

/** How much of the daily loss limit today's loss uses: 0..1+ (null when either is unknown; 0 for a gain). */
export function lossLimitUse(risk: Risk): number | null {
  if (risk.day_loss === null || risk.day_loss_limit === null || risk.day_loss_limit <= 0) {
    return null;
  }
  return Math.max(0, risk.day_loss / risk.day_loss_limit);
}

// --- chart -------------------------------------------------------------------------------------

/** The New York day of an epoch-seconds clock (the trader's, the replay clock on REPLAY). */
export function sessionDay(epochSeconds: number | null | undefined): string | null {
  const day = fmt.marketDate(epochSeconds ?? null);
  return day === '—' ? null : day;
}

/**
 * The session's minute candles up to ``until`` (the trader's clock: on the replay market the rest
 * of the stored session is on file already and must not show), with each fill as a marker on its
 * minute (one per minute and side). A bar shows once its minute is complete.
 */
export function fillsChart(
  bars: Bars | null,
  fills: readonly Fill[],
  until: number | null = null,
): ChartSpec {
  const t = bars?.t ?? [];
  const candles: CandlestickData<Time>[] = [];
  for (let i = 0; i < t.length; i++) {
    if (until !== null && t[i] + 60 > until) {
      break;
    }
    candles.push({
      time: newYorkTime(t[i]),
      open: bars!.o[i],
      high: bars!.h[i],
      low: bars!.l[i],
      close: bars!.c[i],
    });
  }
  // Partial fills of one order arrive seconds apart: one marker per minute and side, with the
  // shares summed at their average price, instead of a tower of labels.
  const groups = new Map<
    string,
    { minute: number; side: Fill['side']; qty: number; cost: number }
  >();
  for (const fill of fills) {
    const minute = Math.floor(Date.parse(fill.t) / 60_000) * 60;
    const key = `${minute}:${fill.side}`;
    const group = groups.get(key) ?? { minute, side: fill.side, qty: 0, cost: 0 };
    group.qty += fill.qty;
    group.cost += fill.qty * fill.price;
    groups.set(key, group);
  }
  const markers: SeriesMarker<Time>[] = [...groups.values()].map((group) =>
    tradeMarker(
      newYorkTime(group.minute),
      group.side,
      `${group.side === 'buy' ? 'B' : 'S'} ${fmt.decimal(group.qty)} @ ${fmt.price(group.qty ? group.cost / group.qty : 0)}`,
    ),
  );
  return { candles, markers };
}
