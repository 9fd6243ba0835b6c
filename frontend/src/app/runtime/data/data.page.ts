import { ChangeDetectionStrategy, Component, computed, inject, linkedSignal, signal, viewChild } from '@angular/core';
import { Subscription } from 'rxjs';

import { ApiClient, ApiError, apiErrorFrom } from '../../core/api';
import { CurrentUser } from '../../core/current-user';
import { ErrorBox } from '../../shared/error-box';
import { fmt } from '../../shared/format';
import { DataActions } from './data-actions';
import { SymbolCoverage, coverageFigures } from './coverage';
import { PriceCoverageChart, Resolution } from './price-coverage-chart';

const RESOLUTIONS: readonly { value: Resolution; label: string }[] = [
  { value: '1m', label: '1 minute' },
  { value: '1s', label: '1 second' },
  { value: '1d', label: '1 day' },
];

/**
 * Market data on file: coverage per symbol (sessions on file, first to last, those missing between
 * them; of the last 40, which are valid, and why the others are not), a price and coverage chart of
 * one symbol over every session on file, and the data jobs (heal, patch, recollect, import) with
 * their progress. The table and the chart give the same figures (one server source, read by
 * ``coverageFigures``), at the same bar size, and are read together: on load, on Refresh, on a
 * change of bar size and when a data job finishes.
 */
@Component({
  selector: 'tc2-data-page',
  imports: [ErrorBox, DataActions, PriceCoverageChart],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Data</h1>
    <section class="card" aria-labelledby="coverage-title">
      <div class="head">
        <h2 id="coverage-title">Coverage</h2>
        <div class="inline-field">
          <label for="coverage-resolution">Bar size</label>
          <select id="coverage-resolution" (change)="chooseResolution($any($event.target).value)">
            @for (r of resolutions; track r.value) {
              <option [value]="r.value" [selected]="r.value === resolution()">{{ r.label }}</option>
            }
          </select>
        </div>
        <button type="button" class="secondary" [disabled]="loading()" (click)="load()">Refresh</button>
        @if (loading()) {
          <span class="muted" role="status">Checking the data on file…</span>
        }
      </div>
      <tc2-error-box [error]="error()" />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Symbol</th>
              <th scope="col" class="num">Sessions on file</th>
              <th scope="col">First to last session (New York)</th>
              <th scope="col" class="num">Without data</th>
              <th scope="col" class="num">Valid (of the last checked)</th>
              <th scope="col">Invalid days and why</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            @for (row of rows(); track row.symbol; let i = $index) {
              @let f = figures()[i];
              <tr [class.selected]="row.symbol === chartSymbol()">
                <th scope="row" class="mono">
                  {{ row.symbol }}
                  @if (!universe().includes(row.symbol)) {
                    <span class="badge" title="On file but not in the symbol universe">not in universe</span>
                  }
                </th>
                <td class="num">{{ fmt.whole(f.sessionsOnFile) }}</td>
                <td class="mono">{{ f.span }}</td>
                <td class="num" [class.negative]="f.missingDays.length > 0" [attr.title]="f.missingDays.join(', ') || null">{{ f.missingDays.length }}</td>
                <td class="num" [class.negative]="f.invalidDays.length > 0" [class.positive]="f.checked > 0 && f.invalidDays.length === 0">
                  @if (f.checked) {
                    {{ f.valid }} / {{ f.checked }}
                  } @else {
                    —
                  }
                </td>
                <td>
                  @if (row.invalid.length) {
                    <details>
                      <summary>{{ row.invalid.length }} invalid {{ row.invalid.length === 1 ? 'day' : 'days' }}</summary>
                      <ul class="reasons">
                        @for (day of row.invalid; track day.day) {
                          <li><span class="mono">{{ day.day }}</span>: {{ day.reasons.join('; ') }}</li>
                        }
                      </ul>
                    </details>
                  } @else if (f.checked) {
                    <span class="muted">none</span>
                  } @else if (f.sessionsOnFile) {
                    <span class="muted">not checked: the rules are for intraday bars</span>
                  } @else {
                    <span class="muted">no data on file</span>
                  }
                </td>
                <td class="actions">
                  <button type="button" class="secondary" [attr.aria-label]="'Show the chart of ' + row.symbol"
                          [attr.aria-pressed]="row.symbol === chartSymbol()" (click)="chartSymbol.set(row.symbol)">Chart</button>
                  @if (row.invalid.length && user.isStaff()) {
                    <button type="button" class="secondary" [attr.aria-label]="'Patch the invalid days of ' + row.symbol"
                            (click)="patchInvalid(row)">Patch these days</button>
                  }
                </td>
              </tr>
            } @empty {
              @if (!loading()) {
                <tr><td colspan="7" class="muted">No symbols: add some on the Settings page.</td></tr>
              }
            }
          </tbody>
        </table>
      </div>
    </section>

    <section class="card" aria-labelledby="chart-title">
      <div class="head">
        <h2 id="chart-title">Price and coverage</h2>
        <div class="inline-field">
          <label for="chart-symbol">Symbol</label>
          <select id="chart-symbol" (change)="chartSymbol.set($any($event.target).value)">
            @for (symbol of chartSymbols(); track symbol) {
              <option [value]="symbol" [selected]="symbol === chartSymbol()">{{ symbol }}</option>
            }
          </select>
        </div>
      </div>
      @if (chartSymbol(); as symbol) {
        <tc2-price-coverage-chart [symbol]="symbol" [resolution]="resolution()" [refresh]="reads()" />
      } @else {
        <p class="muted">No symbol to chart yet.</p>
      }
    </section>

    <tc2-data-actions [universe]="universe()" (dataChanged)="afterDataJob()" />
  `,
  styles: `
    .head { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; margin-bottom: 0.75rem; }
    .head h2 { margin: 0 0.5rem 0 0; }
    .inline-field { display: flex; gap: 0.4rem; align-items: center; }
    .inline-field label { margin: 0; }
    .table-wrap { overflow-x: auto; }
    th[scope='row'] { color: var(--text); }
    tr.selected { background: rgba(76, 141, 255, 0.08); }
    .reasons { margin: 0.25rem 0 0; padding-left: 1.2rem; }
    .actions { display: flex; gap: 0.4rem; flex-wrap: wrap; }
    .actions button { padding: 0.25rem 0.6rem; }
  `,
})
export class DataPage {
  private readonly api = inject(ApiClient);
  protected readonly user = inject(CurrentUser);

  protected readonly fmt = fmt;
  protected readonly resolutions = RESOLUTIONS;
  protected readonly resolution = signal<Resolution>('1m');
  protected readonly rows = signal<SymbolCoverage[]>([]);
  /** Each row's figures, as the chart's caption reads its own. */
  protected readonly figures = computed(() => this.rows().map(coverageFigures));
  protected readonly universe = signal<string[]>([]);
  protected readonly loading = signal(false);
  protected readonly error = signal<ApiError | null>(null);
  /** Universe first, then symbols only on file. */
  protected readonly chartSymbols = computed(() => [
    ...new Set([...this.universe(), ...this.rows().map((row) => row.symbol)]),
  ]);
  /** The charted symbol: the first one until the user picks another. */
  protected readonly chartSymbol = linkedSignal<string[], string | null>({
    source: this.chartSymbols,
    computation: (symbols, previous) =>
      previous?.value && symbols.includes(previous.value) ? previous.value : (symbols[0] ?? null),
  });
  /** Counts the reads of the table: the chart reads its coverage again with each. */
  protected readonly reads = signal(0);
  private readonly actions = viewChild.required(DataActions);
  private loadingSubscription: Subscription | null = null;

  constructor() {
    this.load();
  }

  protected load(): void {
    this.loadingSubscription?.unsubscribe();
    this.loading.set(true);
    this.error.set(null);
    this.reads.update((n) => n + 1);
    this.api.get('/api/data/symbols').subscribe({
      next: (symbols) => this.universe.set(symbols.universe),
      error: (failure: unknown) => this.error.set(apiErrorFrom(failure)),
    });
    this.loadingSubscription = this.api.get('/api/data/status', { query: { resolution: this.resolution() } }).subscribe({
      next: (status) => {
        this.rows.set(status.symbols);
        this.loading.set(false);
      },
      error: (failure: unknown) => {
        this.loading.set(false);
        this.error.set(apiErrorFrom(failure));
      },
    });
  }

  protected chooseResolution(value: Resolution): void {
    this.resolution.set(value);
    this.load();
  }

  protected patchInvalid(row: SymbolCoverage): void {
    const days = row.invalid.map((day) => day.day).sort();
    this.actions().preparePatch(row.symbol, days[0], days[days.length - 1]);
  }

  /** A data job finished: read the coverage table and the chart again. */
  protected afterDataJob(): void {
    this.load();
  }
}
