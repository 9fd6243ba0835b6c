import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  signal,
} from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import {
  EMPTY,
  catchError,
  combineLatest,
  debounceTime,
  exhaustMap,
  forkJoin,
  map,
  of,
  switchMap,
} from 'rxjs';

import { ApiError, apiErrorFrom } from '../core/api';
import { Chart } from '../shared/chart';
import { ErrorBox } from '../shared/error-box';
import { fmt } from '../shared/format';
import { whileVisible } from './poll';
import { fillsChart } from './trading-logic';
import { Bars, Fill, Mode, RECORDS_PAGE_SIZE, TradingApi } from './trading-api';

/** Whether two answers hold the same bars (the last bar's time and close decide: bars only grow). */
export function sameBars(a: Bars | null, b: Bars | null): boolean {
  if (a === null || b === null) {
    return a === b;
  }
  const last = a.count - 1;
  return a.count === b.count && (last < 0 || (a.t[last] === b.t[last] && a.c[last] === b.c[last]));
}

function sameFills(a: readonly Fill[], b: readonly Fill[]): boolean {
  return a.length === b.length && a.every((fill, i) => fill.fill_id === b[i].fill_id);
}

const SYMBOL = /^[A-Z]{1,5}(\.[A-Z])?$/;

/** A traded symbol's minute bars for the trading session, its fills as buy/sell markers, kept current. */
@Component({
  selector: 'tc2-symbol-chart',
  imports: [Chart, ErrorBox, ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-label="Chart">
      <div class="head">
        <h2 id="chart-heading">Chart</h2>
        <label
          >Chart symbol
          <input [formControl]="symbol" name="chart-symbol" list="held-symbols" placeholder="SPY"
        /></label>
        <datalist id="held-symbols">
          @for (s of symbols(); track s) {
            <option [value]="s"></option>
          }
        </datalist>
        <span class="muted small"
          >session {{ day() ?? '—' }} (New York) · {{ fills().length }} fills
          @if (mode()) {
            · {{ mode() }}
          }
        </span>
      </div>
      <tc2-error-box [error]="error()" />
      @if (!wanted()) {
        <p class="muted">
          Type a symbol (1-5 capital letters) to chart it; the symbols held and traded are
          suggested.
        </p>
      } @else if (!day()) {
        <p class="muted">No trader is running, so there is no session to chart.</p>
      } @else if (loaded() && !bars()) {
        <p class="muted">No bars of {{ wanted() }} on file for {{ day() }} yet.</p>
      }
      @if (wanted() && bars()) {
        <tc2-chart
          [spec]="spec()"
          [label]="wanted() + ' minute bars on ' + day() + ' (New York time) with its fills'"
          [height]="380"
        />
      }
    </section>
  `,
  styles: `
    .head {
      display: flex;
      gap: 0.75rem;
      align-items: center;
      flex-wrap: wrap;
    }
  `,
})
export class SymbolChart {
  private readonly api = inject(TradingApi);
  /** The symbols held, then traded (suggested; the first is charted until the user picks one). */
  readonly symbols = input<string[]>([]);
  /** The session (New York day) to chart: the traders' clock's. */
  readonly day = input<string | null>(null);
  readonly mode = input<Mode | null>(null);
  /** The traders' clock (epoch s): bars after it are not shown (the replay's are on file already). */
  readonly until = input<number | null>(null);

  protected readonly symbol = new FormControl('', { nonNullable: true });
  private readonly typed = signal('');
  protected readonly wanted = computed(() => (SYMBOL.test(this.typed()) ? this.typed() : null));
  readonly bars = signal<Bars | null>(null);
  readonly fills = signal<Fill[]>([]);
  protected readonly loaded = signal(false);
  protected readonly error = signal<ApiError | null>(null);
  /** The trader's clock to the minute: the spec (and the drawing) changes once a minute at most. */
  private readonly minute = computed(() => {
    const until = this.until();
    return until === null ? null : Math.floor(until / 60) * 60;
  });
  protected readonly spec = computed(() => fillsChart(this.bars(), this.fills(), this.minute()));
  protected readonly fmt = fmt;

  constructor() {
    this.symbol.valueChanges
      .pipe(debounceTime(300), takeUntilDestroyed())
      .subscribe((value) => this.typed.set(value.trim().toUpperCase()));
    effect(() => {
      const first = this.symbols()[0];
      if (first && this.symbol.value === '') {
        this.symbol.setValue(first, { emitEvent: false });
        this.typed.set(first);
      }
    });
    const ticks = whileVisible();
    combineLatest([toObservable(this.wanted), toObservable(this.day), toObservable(this.mode)])
      .pipe(
        switchMap(([symbol, day, mode]) => {
          this.loaded.set(false);
          this.bars.set(null);
          this.fills.set([]);
          if (!symbol || !day) {
            return EMPTY;
          }
          return ticks.pipe(
            exhaustMap(() =>
              forkJoin([
                this.api.bars(symbol, day),
                this.api
                  .fills({ day, symbol, strategy: '', mode: mode ?? '' })
                  .pipe(map((page) => page.results)),
              ]).pipe(
                catchError((failure: unknown) => {
                  this.error.set(apiErrorFrom(failure));
                  return of(null);
                }),
              ),
            ),
          );
        }),
        takeUntilDestroyed(),
      )
      .subscribe((answer) => {
        if (answer === null) {
          return;
        }
        const [bars, fills] = answer;
        // The chart is drawn again (zoom reset) whenever its spec changes: only on news.
        if (!sameBars(this.bars(), bars)) {
          this.bars.set(bars);
        }
        if (!sameFills(this.fills(), fills)) {
          this.fills.set(fills.slice(0, RECORDS_PAGE_SIZE));
        }
        this.loaded.set(true);
        this.error.set(null);
      });
  }
}
