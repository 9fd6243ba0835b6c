/**
 * A finished simulation as the page shows it: minute candles with a marker per fill, the metrics,
 * the orders with their fills and the strategy's decision timeline. Pure functions of the run
 * record (and the day's bars), so each is tested on its own.
 */
import { CandlestickData, HistogramData, SeriesMarker, Time } from 'lightweight-charts';

import { ChartSpec, newYorkTime, tradeMarker } from '../../shared/chart';
import { FillRecord, OrderRecord, RunRecord, endOfRun, shortSelling } from '../run-records';
import {
  MetricRow,
  NONE,
  describeData,
  dollars,
  newYorkClock,
  percent,
  price,
  signedDollars,
  toneOf,
  whole,
} from '../run-figures';
import { Bars, adjustmentLabel } from '../strategy-api';

const MINUTE = 60;
const VOLUME_UP = 'rgba(38, 166, 154, 0.5)';
const VOLUME_DOWN = 'rgba(239, 83, 80, 0.5)';

export interface OrderRow {
  id: string;
  submitted: string;
  symbol: string;
  side: string;
  type: string;
  qty: number;
  limit: string;
  stop: string;
  status: string;
  filledQty: number;
  averagePrice: string;
  reason: string;
  fills: string[];
}

export interface TimelineRow {
  time: string;
  symbol: string;
  message: string;
  details: string;
}

interface Candle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** Bars as minute candles (UTC epoch seconds); 1-second bars are resampled to minutes. */
function minuteBars(bars: Bars): Candle[] {
  const out: Candle[] = [];
  for (let i = 0; i < bars.t.length; i++) {
    const t = bars.t[i] - (bars.t[i] % MINUTE);
    const last = out[out.length - 1];
    if (last && last.t === t) {
      last.h = Math.max(last.h, bars.h[i]);
      last.l = Math.min(last.l, bars.l[i]);
      last.c = bars.c[i];
      last.v += bars.v[i];
    } else {
      out.push({ t, o: bars.o[i], h: bars.h[i], l: bars.l[i], c: bars.c[i], v: bars.v[i] });
    }
  }
  return out;
}

/** The sessions' minute candles in New York chart time (1-second bars become minutes). */
export function minuteCandles(days: readonly Bars[]): CandlestickData<Time>[] {
  return days.flatMap(minuteBars).map((bar) => ({
    time: newYorkTime(bar.t),
    open: bar.o,
    high: bar.h,
    low: bar.l,
    close: bar.c,
  }));
}

function volumes(days: readonly Bars[]): HistogramData<Time>[] {
  return days.flatMap(minuteBars).map((bar) => ({
    time: newYorkTime(bar.t),
    value: bar.v,
    color: bar.c >= bar.o ? VOLUME_UP : VOLUME_DOWN,
  }));
}

/**
 * A buy or sell marker per fill of ``symbol``, on the minute candle the fill happened in, with
 * what was traded: ``buy 10 @ 603.73``.
 */
export function fillMarkers(fills: readonly FillRecord[], symbol: string): SeriesMarker<Time>[] {
  return fills
    .filter((fill) => fill.symbol === symbol)
    .map((fill) =>
      tradeMarker(
        newYorkTime(fill.t - (fill.t % MINUTE)),
        fill.side,
        `${fill.side} ${fill.qty} @ ${price(fill.price)}`,
      ),
    );
}

/** Move each marker onto the last candle at or before it, so none points where no bar is. */
function onCandles(
  markers: SeriesMarker<Time>[],
  candles: CandlestickData<Time>[],
): SeriesMarker<Time>[] {
  const times = candles.map((candle) => candle.time as number);
  if (!times.length) {
    return [];
  }
  return markers.map((marker) => {
    const t = marker.time as number;
    let low = 0;
    let high = times.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (times[middle] <= t) {
        low = middle;
      } else {
        high = middle - 1;
      }
    }
    return { ...marker, time: times[low] as Time };
  });
}

/** The price chart of one symbol: minute candles, buy/sell markers and volume below. */
export function simulationChart(
  days: readonly Bars[],
  record: RunRecord,
  symbol: string,
): ChartSpec {
  const candles = minuteCandles(days);
  return {
    candles,
    markers: onCandles(fillMarkers(record.fills, symbol), candles),
    histograms: [{ title: 'Volume', data: volumes(days), pane: 1, volume: true }],
  };
}

/** The symbol a run's chart opens on: the first that traded, so a multi-symbol run shows fills. */
export function firstChartSymbol(record: RunRecord): string {
  const traded = record.symbols.find((symbol) =>
    record.fills.some((fill) => fill.symbol === symbol),
  );
  return traded ?? record.symbols[0] ?? '';
}

/** What the run did, as metrics-table rows. */
export function simulationMetrics(record: RunRecord): MetricRow[] {
  const wins = record.trade_pnls.filter((pnl) => pnl > 0).length;
  const exposure =
    record.session_seconds > 0 ? record.exposure_seconds / record.session_seconds : null;
  return [
    {
      label: 'Profit',
      value: signedDollars(record.profit),
      tone: toneOf(record.profit),
      hint: 'Net dollars after fees',
    },
    {
      label: 'Return',
      value: percent(record.starting_cash ? record.profit / record.starting_cash : null),
      tone: toneOf(record.profit),
    },
    { label: 'Starting cash', value: dollars(record.starting_cash), tone: null },
    { label: 'Ending equity', value: dollars(record.ending_equity), tone: null },
    { label: 'Fees', value: dollars(record.fees), tone: null },
    { label: 'Fills', value: whole(record.fills.length), tone: null },
    { label: 'Entry attempts', value: whole(record.entry_attempts), tone: null },
    {
      label: 'Round trips',
      value: whole(record.round_trips),
      tone: null,
      hint: 'Positions from flat back to flat',
    },
    {
      label: 'Winning round trips',
      value: record.round_trips ? `${wins} of ${record.round_trips}` : NONE,
      tone: null,
    },
    {
      label: 'Round-trip P&L',
      value: record.trade_pnls.length ? record.trade_pnls.map(signedDollars).join(', ') : NONE,
      tone: null,
    },
    {
      label: 'Exposure',
      value: percent(exposure),
      tone: null,
      hint: 'Share of the session with a position',
    },
    {
      label: 'Viable',
      value: record.viable ? `yes, from ${newYorkClock(record.became_viable_t)}` : 'no',
      tone: null,
    },
    { label: 'Started', value: newYorkClock(record.started_t), tone: null },
    { label: 'Ended', value: newYorkClock(record.ended_t), tone: null },
    { label: 'Stop reason', value: record.stop_reason || NONE, tone: null },
    { label: 'Strategy events', value: whole(record.events), tone: null },
    { label: 'Fill model', value: record.fill_model, tone: null },
    { label: 'Short selling', value: shortSelling(record), tone: null },
    {
      label: 'Positions at the end',
      value: endOfRun(record),
      tone: null,
      hint: 'close_at_end: closed at the last close with fees, else marked to market',
    },
    { label: 'Prices', value: adjustmentLabel(record.adjustment), tone: null },
    { label: 'Bars', value: record.resolution, tone: null },
    { label: 'Fingerprint', value: record.fingerprint, tone: null, hint: 'sha256 of the fills' },
  ];
}

/** The orders in the order they were sent, each with its fills. */
export function orderRows(record: RunRecord): OrderRow[] {
  const fillsByOrder = new Map<string, FillRecord[]>();
  for (const fill of record.fills) {
    fillsByOrder.set(fill.client_order_id, [
      ...(fillsByOrder.get(fill.client_order_id) ?? []),
      fill,
    ]);
  }
  return [...record.orders]
    .sort(
      (a, b) => a.submitted_t - b.submitted_t || a.client_order_id.localeCompare(b.client_order_id),
    )
    .map((order: OrderRecord) => ({
      id: order.client_order_id,
      submitted: newYorkClock(order.submitted_t),
      symbol: order.symbol,
      side: order.side,
      type: order.notional ? `${order.type}, ${dollars(order.notional)} notional` : order.type,
      qty: order.qty,
      limit: price(order.limit_price),
      stop: price(order.stop_price),
      status: order.status,
      filledQty: order.filled_qty,
      averagePrice: price(order.average_fill_price),
      reason: order.reason,
      fills: (order.fills ?? fillsByOrder.get(order.client_order_id) ?? []).map(
        (fill) =>
          `${fill.qty} @ ${price(fill.price)} at ${newYorkClock(fill.t)}${fill.fee ? `, fee ${dollars(fill.fee)}` : ''}`,
      ),
    }));
}

/** The strategy's decisions in time order. */
export function timelineRows(record: RunRecord): TimelineRow[] {
  return record.timeline.map((entry) => ({
    time: newYorkClock(entry.t),
    symbol: entry.symbol ?? 'all',
    message: entry.message,
    details: describeData(entry.data),
  }));
}
