import { Injectable, inject } from '@angular/core';
import { Observable, catchError, map, of, throwError } from 'rxjs';

import { ApiClient, Schemas, apiErrorFrom } from '../core/api';

export type TradingAccount = Schemas['TradingAccountOutput'];
export type Trader = Schemas['Trader'];
export type Position = Schemas['Position'];
export type OpenOrder = Schemas['OpenOrder'];
export type Fill = Schemas['Fill'];
export type RoundTrip = Schemas['RoundTrip'];
export type PnlRow = Schemas['PnlRow'];
export type Risk = Schemas['RiskOutput'];
export type RiskChange = Schemas['RiskChange'];
export type RiskState = Schemas['RiskSwitch']['state'];
export type TraderCommand = Schemas['Command'];
export type Mode = Schemas['ModeEnum'];
export type Bars = Schemas['DataBarsOutput'];

/** The filters the records take (empty strings: not filtered). */
export interface RecordFilters {
  day: string;
  strategy: string;
  symbol: string;
  mode: Mode | '';
}

/** The most rows one records page shows (and exports). */
export const RECORDS_PAGE_SIZE = 500;

function query(filters: RecordFilters): Record<string, string> {
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== ''));
}

/** The trading API (/api/trading and the risk routes) and the bars of a traded symbol. HTTP only. */
@Injectable({ providedIn: 'root' })
export class TradingApi {
  private readonly api = inject(ApiClient);

  account(): Observable<TradingAccount> {
    return this.api.get('/api/trading/account');
  }

  positions(): Observable<Position[]> {
    return this.api.get('/api/trading/positions').pipe(map((body) => body.positions));
  }

  orders(): Observable<OpenOrder[]> {
    return this.api.get('/api/trading/orders').pipe(map((body) => body.orders));
  }

  fills(filters: RecordFilters): Observable<Schemas['FillPage']> {
    return this.api.get('/api/trading/fills', {
      query: { ...query(filters), page_size: RECORDS_PAGE_SIZE },
    });
  }

  roundTrips(filters: RecordFilters): Observable<Schemas['RoundTripPage']> {
    return this.api.get('/api/trading/round_trips', {
      query: { ...query(filters), page_size: RECORDS_PAGE_SIZE },
    });
  }

  pnl(
    by: 'day' | 'strategy',
    filters: Partial<RecordFilters> & { start?: string; end?: string } = {},
  ): Observable<PnlRow[]> {
    const { day: _day, ...rest } = filters;
    const wanted = Object.fromEntries(
      Object.entries(rest).filter(([, value]) => value !== '' && value !== undefined),
    );
    return this.api
      .get('/api/trading/pnl', { query: { by, ...wanted } })
      .pipe(map((body) => body.rows));
  }

  risk(): Observable<Risk> {
    return this.api.get('/api/trading/risk');
  }

  setRiskState(state: RiskState, why: string, expect: RiskState): Observable<RiskChange> {
    return this.api.post('/api/trading/risk/state', { state, why, expect });
  }

  flatten(why: string): Observable<RiskChange> {
    return this.api.post('/api/trading/risk/flatten', { why });
  }

  cancelOrder(clientOrderId: string): Observable<TraderCommand> {
    return this.api.post('/api/trading/orders/{client_order_id}/cancel', undefined, {
      path: { client_order_id: clientOrderId },
    });
  }

  forceExit(symbol: string): Observable<TraderCommand> {
    return this.api.post('/api/trading/positions/{symbol}/force_exit', undefined, {
      path: { symbol },
    });
  }

  startTrader(trader: Trader['trader']): Observable<TraderCommand> {
    return this.api.post('/api/trading/traders/{trader}/start', undefined, { path: { trader } });
  }

  stopTrader(trader: Trader['trader'], liquidate: boolean): Observable<TraderCommand> {
    return this.api.post('/api/trading/traders/{trader}/stop', { liquidate }, { path: { trader } });
  }

  /** A session's minute bars of ``symbol`` (all hours: trading may start before the open); null when none are on file. */
  bars(symbol: string, day: string): Observable<Bars | null> {
    return this.api
      .get('/api/data/bars/{symbol}', {
        path: { symbol },
        query: { day, resolution: '1m', rth: 0 },
      })
      .pipe(
        catchError((error: unknown) =>
          apiErrorFrom(error).status === 404 ? of(null) : throwError(() => error),
        ),
      );
  }
}
