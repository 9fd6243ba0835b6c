/**
 * The Strategy Control pages' HTTP: strategies and the strategy files staff add, runs,
 * submitting simulations and evaluations, and the bars and sessions on file the forms and the
 * price chart need. Nothing else.
 */
import { Injectable, inject } from '@angular/core';
import { Observable, catchError, forkJoin, map, of, throwError } from 'rxjs';

import { ApiClient, Schemas, apiErrorFrom } from '../core/api';

export type StrategyDescription = Schemas['StrategyDescription'];
export type StrategyParameter = Schemas['StrategyParameter'];
export type StrategyRun = Schemas['StrategyRun'];
export type StrategyFile = Schemas['StrategyFile'];
export type StrategyFileDetail = Schemas['StrategyFileDetailOutput'];
export type StrategyRunDetail = Schemas['StrategyRunDetailOutput'];
export type RunKind = Schemas['StrategyRunKindEnum'];
export type SimulateRequest = Schemas['StrategySimulateDayInputRequest'];
export type EvaluateRequest = Schemas['StrategyEvaluateInputRequest'];
export type FillModel = Schemas['FillModelEnum'];
export type Adjustment = Schemas['AdjustmentEnum'];
export type Bars = Schemas['DataBarsOutput'];
export type BarResolution = '1s' | '1m' | '1d';

/** The fill models the API takes, the engine's default first. */
export const FILL_MODELS: readonly FillModel[] = [
  'realistic',
  'backtrader',
  'pyalgotrade',
  'backtesting',
  'tc2',
];
/** The price adjustments the API takes, the engine's default (split) first. */
export const ADJUSTMENTS: readonly Adjustment[] = ['split', 'raw', 'all'];
/** What each adjustment means, as the form and a run's facts say it. */
export const ADJUSTMENT_LABELS: Readonly<Record<Adjustment, string>> = {
  split: 'split-adjusted',
  raw: 'raw (as traded)',
  all: 'split- and dividend-adjusted',
};
/** A result's ``adjustment`` in words; a result without one is from before the option: raw. */
export function adjustmentLabel(value: unknown): string {
  const adjustment = (value ?? 'raw') as Adjustment;
  return ADJUSTMENT_LABELS[adjustment] ?? String(value);
}
/** Bars back-adjusted as a run saw them: its adjustment, to its last session. */
export interface AdjustedTo {
  adjustment: Adjustment;
  reference: string;
}
export const RUN_LIST_LIMIT = 50;

@Injectable({ providedIn: 'root' })
export class StrategyApi {
  private readonly api = inject(ApiClient);

  strategies(): Observable<StrategyDescription[]> {
    return this.api.get('/api/strategy/list').pipe(map((body) => body.strategies));
  }

  /** The strategy files staff added, by name. */
  files(): Observable<StrategyFile[]> {
    return this.api.get('/api/strategy/files').pipe(map((body) => body.files));
  }

  /** One strategy file with its source. */
  file(name: string): Observable<StrategyFileDetail> {
    return this.api.get('/api/strategy/files/{name}', { path: { name } });
  }

  /** Add a strategy file (staff); the server reads it, it runs only in simulations. */
  uploadFile(file: File): Observable<StrategyFile> {
    const form = new FormData();
    form.append('file', file, file.name);
    return this.api.post('/api/strategy/files', form);
  }

  /** Remove a strategy file (staff); its strategies are no longer registered. */
  removeFile(name: string): Observable<null> {
    return this.api.delete('/api/strategy/files/{name}', { path: { name } });
  }

  runs(kind: RunKind, limit = RUN_LIST_LIMIT): Observable<StrategyRun[]> {
    return this.api
      .get('/api/strategy/runs', { query: { kind, limit } })
      .pipe(map((body) => body.runs));
  }

  run(runId: string): Observable<StrategyRunDetail> {
    return this.api.get('/api/strategy/runs/{run_id}', { path: { run_id: runId } });
  }

  simulate(request: SimulateRequest): Observable<StrategyRun> {
    return this.api.post('/api/strategy/simulate_day', request);
  }

  evaluate(request: EvaluateRequest): Observable<StrategyRun> {
    return this.api.post('/api/strategy/evaluate', request);
  }

  /** Tickers with bars on file, then the rest of the trading universe, each list sorted. */
  symbols(): Observable<string[]> {
    return this.api.get('/api/data/symbols').pipe(
      map((body) => {
        const onFile = [...body.on_file].sort();
        return [...onFile, ...body.universe.filter((s) => !onFile.includes(s)).sort()];
      }),
    );
  }

  /** Sessions of ``symbol`` with bars of ``resolution`` on file, oldest first. */
  dates(
    symbol: string,
    resolution: BarResolution,
    start?: string,
    end?: string,
  ): Observable<string[]> {
    return this.api
      .get('/api/data/dates/{symbol}', { path: { symbol }, query: { resolution, start, end } })
      .pipe(map((body) => body.dates));
  }

  /**
   * A session's regular-hours minute bars; when only 1-second bars are on file, those (the
   * caller resamples them). Null when neither is on file.
   */
  dayBars(symbol: string, day: string, adjusted?: AdjustedTo): Observable<Bars | null> {
    const load = (resolution: BarResolution) =>
      this.api.get('/api/data/bars/{symbol}', {
        path: { symbol },
        query: { day, resolution, rth: 1, ...adjusted },
      });
    const notFound = (error: unknown): boolean => apiErrorFrom(error).status === 404;
    return load('1m').pipe(
      catchError((error: unknown) => (notFound(error) ? load('1s') : throwError(() => error))),
      catchError((error: unknown) => (notFound(error) ? of(null) : throwError(() => error))),
    );
  }

  /** ``dayBars`` of several sessions, in the order given (sessions without bars left out). */
  daysBars(symbol: string, days: readonly string[], adjusted?: AdjustedTo): Observable<Bars[]> {
    if (!days.length) {
      return of([]);
    }
    return forkJoin(days.map((day) => this.dayBars(symbol, day, adjusted))).pipe(
      map((all) => all.filter((bars): bars is Bars => bars !== null)),
    );
  }
}
