/**
 * The JSON each visual type carries (tc2/program/visuals.py), as the panel reads it. Intraday
 * times are epoch seconds (UTC); daily times are 'YYYY-MM-DD'.
 */
import { PriceGraph } from '../../shared/price-graph';

export interface IntradayCandle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface PriceGraphVisual extends PriceGraph {
  visual_type: 'PRICE_GRAPH';
}

export interface DaySpreadVisual {
  visual_type: 'DAY_SPREAD';
  symbol: string;
  days: number;
  bucket_pct: number;
  histogram: { from_pct: number; to_pct: number; count: number }[];
  mean_pct: number | null;
  median_pct: number | null;
}

export interface RunMarker {
  time: number;
  position: string;
  color: string;
  shape: string;
  text: string;
}

export interface RunOrder {
  client_order_id: string;
  symbol: string;
  side: string;
  type: string;
  qty: number;
  limit_price: number | null;
  stop_price: number | null;
  submitted_t: number;
  status: string;
  reason: string;
  filled_qty: number;
  average_fill_price: number | null;
}

export interface TimelineEntry {
  t: number;
  symbol?: string | null;
  message: string;
  data?: Record<string, unknown> | null;
}

export interface SingleRunVisual {
  visual_type: 'SINGLE_RUN';
  strategy: string;
  day: string;
  profit: number;
  fingerprint: string;
  charts: Record<string, { candles: IntradayCandle[]; markers: RunMarker[] }>;
  orders: RunOrder[];
  timeline: TimelineEntry[];
}

export interface EquityCurveVisual {
  visual_type: 'EQUITY_CURVE';
  strategy: string;
  start: string;
  end: string;
  equity: { time: string; value: number }[];
  drawdown: { time: string; value: number }[];
  performance: Record<string, unknown> | null;
}

export interface RunHistoryVisual {
  visual_type: 'RUN_HISTORY';
  mode: string;
  runs: number;
  series: { strategy: string; points: { time: string; value: number; run_id: string }[] }[];
  total_profit: number;
}

export interface BreakoutStep {
  step: string;
  passed: boolean;
  [figure: string]: unknown;
}

export interface Breakout1SetupVisual {
  visual_type: 'BREAKOUT1_SETUP';
  symbol: string;
  day: string;
  at: string;
  candles: IntradayCandle[];
  lines: { resistance?: { time: number; value: number }[]; support?: { time: number; value: number }[] };
  grade: string;
  reason: string;
  status: string | null;
  steps: BreakoutStep[];
}

export type Visual =
  | PriceGraphVisual
  | DaySpreadVisual
  | SingleRunVisual
  | EquityCurveVisual
  | RunHistoryVisual
  | Breakout1SetupVisual;
