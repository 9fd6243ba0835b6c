import { DOCUMENT } from '@angular/common';
import {
  ChangeDetectionStrategy,
  Component,
  effect,
  inject,
  input,
  output,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import {
  EMPTY,
  catchError,
  debounceTime,
  exhaustMap,
  forkJoin,
  map,
  startWith,
  switchMap,
} from 'rxjs';

import { ApiError, apiErrorFrom } from '../core/api';
import { ErrorBox } from '../shared/error-box';
import { fmt } from '../shared/format';
import { whileVisible } from './poll';
import { MODES, fillsCsv, roundTripsCsv } from './trading-logic';
import { Fill, Mode, RecordFilters, RoundTrip, TradingApi } from './trading-api';

/** Save ``text`` as a file the browser downloads. */
export function downloadText(document: Document, filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}

/** Fills and round trips, filtered by New York day, strategy, symbol and mode, with a CSV export of what is shown. */
@Component({
  selector: 'tc2-trade-records',
  imports: [ErrorBox, ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-label="Fills and round trips">
      <h2 id="records-heading">Fills and round trips</h2>
      <form
        class="filters"
        [formGroup]="filters"
        aria-label="Record filters"
        (submit)="$event.preventDefault()"
      >
        <label>Day (New York) <input type="date" formControlName="day" name="day" /></label>
        <label
          >Strategy <input formControlName="strategy" name="strategy" placeholder="any"
        /></label>
        <label>Symbol <input formControlName="symbol" name="symbol" placeholder="any" /></label>
        <label
          >Mode
          <select formControlName="mode" name="mode">
            <option value="">any</option>
            @for (m of modes; track m) {
              <option [value]="m">{{ m }}</option>
            }
          </select>
        </label>
        <button type="button" class="secondary" (click)="clear()">Clear filters</button>
      </form>
      <tc2-error-box [error]="error()" />

      <div class="head">
        <h3>
          Fills <span class="muted">({{ shownOf(fills().length, fillCount()) }})</span>
        </h3>
        <button
          type="button"
          class="secondary"
          [disabled]="!fills().length"
          (click)="exportFills()"
        >
          Export fills CSV
        </button>
      </div>
      <div class="table-wrap">
        <table aria-label="Fills">
          <thead>
            <tr>
              <th scope="col">Time (ET)</th>
              <th scope="col">Mode</th>
              <th scope="col">Strategy</th>
              <th scope="col">Symbol</th>
              <th scope="col">Side</th>
              <th scope="col">Operation</th>
              <th scope="col" class="num">Qty</th>
              <th scope="col" class="num">Price</th>
              <th scope="col" class="num">Fee</th>
              <th scope="col">Order id</th>
            </tr>
          </thead>
          <tbody>
            @for (f of fills(); track f.fill_id) {
              <tr>
                <td>{{ fmt.marketDateTime(f.t) }}</td>
                <td>{{ f.mode }}</td>
                <td>{{ f.strategy }}</td>
                <th scope="row">{{ f.symbol }}</th>
                <td [class.positive]="f.side === 'buy'" [class.negative]="f.side === 'sell'">
                  {{ f.side }}
                </td>
                <td>{{ f.operation }}</td>
                <td class="num">{{ fmt.decimal(f.qty) }}</td>
                <td class="num">{{ fmt.price(f.price) }}</td>
                <td class="num">{{ fmt.money(f.fee) }}</td>
                <td class="mono small">{{ f.client_order_id }}</td>
              </tr>
            } @empty {
              <tr>
                <td colspan="10" class="muted">No fills match.</td>
              </tr>
            }
          </tbody>
        </table>
      </div>

      <div class="head">
        <h3>
          Round trips <span class="muted">({{ shownOf(trips().length, tripCount()) }})</span>
        </h3>
        <button
          type="button"
          class="secondary"
          [disabled]="!trips().length"
          (click)="exportTrips()"
        >
          Export round trips CSV
        </button>
      </div>
      <div class="table-wrap">
        <table aria-label="Round trips">
          <thead>
            <tr>
              <th scope="col">Closed (ET)</th>
              <th scope="col">Mode</th>
              <th scope="col">Strategy</th>
              <th scope="col">Symbol</th>
              <th scope="col">Direction</th>
              <th scope="col" class="num">Qty</th>
              <th scope="col" class="num">Entry</th>
              <th scope="col" class="num">Exit</th>
              <th scope="col" class="num">Fees</th>
              <th scope="col" class="num">P&amp;L</th>
              <th scope="col" class="num">P&amp;L %</th>
              <th scope="col" class="num">R</th>
            </tr>
          </thead>
          <tbody>
            @for (r of trips(); track r.run_id + r.symbol + r.start) {
              <tr>
                <td>{{ fmt.marketDateTime(r.end) }}</td>
                <td>{{ r.mode }}</td>
                <td>{{ r.strategy }}</td>
                <th scope="row">{{ r.symbol }}</th>
                <td>{{ r.direction }}</td>
                <td class="num">{{ fmt.decimal(r.qty) }}</td>
                <td class="num">{{ fmt.price(r.entry_price) }}</td>
                <td class="num">{{ fmt.price(r.exit_price) }}</td>
                <td class="num">{{ fmt.money(r.fees) }}</td>
                <td
                  class="num"
                  [class.positive]="r.gain_value > 0"
                  [class.negative]="r.gain_value < 0"
                >
                  {{ fmt.signedMoney(r.gain_value) }}
                </td>
                <td class="num">{{ fmt.percentPoints(r.gain_percentage) }}</td>
                <td class="num">{{ fmt.ratio(r.r_units) }}</td>
              </tr>
            } @empty {
              <tr>
                <td colspan="12" class="muted">
                  No round trips match (they are consolidated at the end of each session).
                </td>
              </tr>
            }
          </tbody>
        </table>
      </div>
    </section>
  `,
  styles: `
    .filters {
      display: flex;
      gap: 0.75rem;
      align-items: end;
      flex-wrap: wrap;
      margin-bottom: 0.75rem;
    }
    .head {
      display: flex;
      gap: 0.75rem;
      align-items: center;
      justify-content: space-between;
    }
    .table-wrap {
      overflow-x: auto;
      max-height: 28rem;
      overflow-y: auto;
    }
  `,
})
export class TradeRecords {
  protected readonly fmt = fmt;
  protected readonly modes = MODES;
  private readonly api = inject(TradingApi);
  private readonly document = inject(DOCUMENT);
  /** The mode to filter on until the user picks one (the traders' mode). */
  readonly defaultMode = input<Mode | null>(null);

  protected readonly filters = new FormGroup({
    day: new FormControl('', { nonNullable: true }),
    strategy: new FormControl('', { nonNullable: true }),
    symbol: new FormControl('', { nonNullable: true }),
    mode: new FormControl<Mode | ''>('', { nonNullable: true }),
  });
  readonly fills = signal<Fill[]>([]);
  readonly trips = signal<RoundTrip[]>([]);
  protected readonly fillCount = signal(0);
  protected readonly tripCount = signal(0);
  protected readonly error = signal<ApiError | null>(null);
  private modeTouched = false;
  /** The symbols of the fills shown, newest first, at every read (the chart offers them). */
  readonly traded = output<string[]>();

  constructor() {
    effect(() => {
      const mode = this.defaultMode();
      if (mode && !this.modeTouched && this.filters.controls.mode.value === '') {
        this.filters.controls.mode.setValue(mode); // once: then the user's choice stands
      }
    });
    const filters = this.filters.valueChanges.pipe(
      debounceTime(300),
      startWith(null),
      map(() => this.current()),
    );
    // A filter change drops the read in flight and reads at once; the ticks never pile up reads.
    const ticks = whileVisible();
    filters
      .pipe(
        switchMap((wanted) =>
          ticks.pipe(
            exhaustMap(() =>
              forkJoin([this.api.fills(wanted), this.api.roundTrips(wanted)]).pipe(
                catchError((failure: unknown) => {
                  this.error.set(apiErrorFrom(failure));
                  return EMPTY;
                }),
              ),
            ),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe(([fills, trips]) => {
        this.fills.set(fills.results);
        this.traded.emit([...new Set(fills.results.map((f) => f.symbol))]);
        this.fillCount.set(fills.count);
        this.trips.set(trips.results);
        this.tripCount.set(trips.count);
        this.error.set(null);
      });
    this.filters.controls.mode.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe(() => (this.modeTouched = true));
  }

  protected shownOf(shown: number, count: number): string {
    return shown < count ? `latest ${shown} of ${count}` : `${count}`;
  }

  protected clear(): void {
    this.filters.setValue({ day: '', strategy: '', symbol: '', mode: '' });
  }

  protected exportFills(): void {
    downloadText(this.document, `tc2-fills${this.suffix()}.csv`, fillsCsv(this.fills()));
  }

  protected exportTrips(): void {
    downloadText(this.document, `tc2-round-trips${this.suffix()}.csv`, roundTripsCsv(this.trips()));
  }

  private current(): RecordFilters {
    const value = this.filters.getRawValue();
    return { ...value, strategy: value.strategy.trim(), symbol: value.symbol.trim().toUpperCase() };
  }

  private suffix(): string {
    const parts = Object.values(this.current()).filter((value) => value !== '');
    return parts.length ? `-${parts.join('-').replace(/[^A-Za-z0-9.-]/g, '_')}` : '';
  }
}
