/** Answers of the trading API as the page specs use them (a fixed instant: no test depends on the day). */
import {
  Bars,
  Fill,
  OpenOrder,
  PnlRow,
  Position,
  Risk,
  TraderCommand,
  TradingAccount,
} from '../trading-api';

/** 2026-05-28 14:30:00 New York (18:30 UTC), a Thursday. */
export const T0 = 1_779_993_000;
export const ORDER_ID = 'tc2-1234567890abcdef-000003';

export function account(overrides: Partial<TradingAccount> = {}): TradingAccount {
  return {
    mode: 'REPLAY',
    account: { cash: 75_000, equity: 100_250.5, buying_power: 150_000, day_trades_left: 2 },
    traders: [
      {
        trader: 'day',
        state: 'running',
        mode: 'REPLAY',
        batch_id: 'batch-7',
        message: 'trading 3 symbols',
        streams: [{ name: 'bars', last_message_t: T0, stale: false, stale_after_s: 60 }],
        market_t: T0,
        updated_at: T0,
        age_s: 0.4,
      },
      {
        trader: 'swing',
        state: 'not_running',
        mode: null,
        batch_id: null,
        message: 'the swing trader process is not running (no snapshot)',
        streams: [],
        market_t: null,
        updated_at: null,
        age_s: null,
      },
    ],
    ...overrides,
  };
}

export function position(overrides: Partial<Position> = {}): Position {
  return {
    trader: 'day',
    mode: 'REPLAY',
    symbol: 'SPY',
    qty: 50,
    avg_price: 500,
    mark: 505.25,
    market_value: 25_262.5,
    unrealized_pl: 262.5,
    strategy: 'SmaCross',
    run_id: 1,
    ...overrides,
  };
}

export function order(overrides: Partial<OpenOrder> = {}): OpenOrder {
  return {
    trader: 'day',
    mode: 'REPLAY',
    client_order_id: ORDER_ID,
    symbol: 'SPY',
    side: 'sell',
    type: 'limit',
    qty: 50,
    notional: null,
    filled_qty: 0,
    limit_price: 510,
    stop_price: null,
    status: 'new',
    submitted_t: T0,
    strategy: 'SmaCross',
    run_id: 1,
    ...overrides,
  };
}

export function command(overrides: Partial<TraderCommand> = {}): TraderCommand {
  return {
    id: 'c0ffee',
    trader: 'day',
    kind: 'force_exit',
    args: { symbol: 'SPY' },
    by: 'admin',
    issued_at: T0,
    status: 'done',
    message: 'sold 50 SPY at market',
    result: {},
    finished_at: T0 + 1,
    ...overrides,
  };
}

export function fill(overrides: Partial<Fill> = {}): Fill {
  return {
    fill_id: 'f-1',
    client_order_id: ORDER_ID,
    run_id: 1,
    strategy: 'SmaCross',
    mode: 'REPLAY',
    symbol: 'SPY',
    side: 'buy',
    operation: 'buy',
    qty: 50,
    price: 500,
    fee: 0,
    t: '2026-05-28T14:31:12Z', // 10:31:12 New York
    stop_price: 495,
    target_price: null,
    indicators: {},
    ...overrides,
  } as Fill;
}

export function pnlRow(overrides: Partial<PnlRow> = {}): PnlRow {
  return {
    mode: 'REPLAY',
    gain_value: 0,
    fees: 0,
    round_trips: 1,
    wins: 0,
    losses: 0,
    ...overrides,
  };
}

export function risk(overrides: Partial<Risk> = {}): Risk {
  return {
    switch: { state: 'ACTIVE', who: '', why: '', at: null, seq: 0, flatten: 0 },
    history: [],
    refusals: [],
    limits: {
      daily_loss_limit_usd: null,
      daily_loss_limit_pct: 0.05,
      max_symbol_exposure_usd: null,
      max_total_exposure_usd: 50_000,
      max_open_positions: 10,
      max_orders_per_minute: 60,
    },
    day: '2026-05-28',
    market_t: T0,
    mode: 'REPLAY',
    day_start_equity: 101_000,
    equity: 100_250,
    day_loss: 750,
    day_loss_pct: 750 / 101_000,
    day_loss_limit: 5050,
    orders_last_minute: 3,
    exposures: [{ symbol: 'SPY', exposure: 25_262.5 }],
    total_exposure: 25_262.5,
    open_positions: 1,
    ...overrides,
  };
}

/** Three minute bars from 10:30 New York. */
export function bars(): Bars {
  const t = [0, 1, 2].map((i) => Date.parse('2026-05-28T14:30:00Z') / 1000 + 60 * i);
  return {
    symbol: 'SPY',
    day: '2026-05-28',
    resolution: '1m',
    rth: false,
    count: 3,
    t,
    o: [500, 501, 502],
    h: [501, 502, 503],
    l: [499, 500, 501],
    c: [501, 502, 503],
    v: [10, 20, 30],
  };
}
