import { ChangeDetectionStrategy, Component, computed, inject, linkedSignal, signal, viewChild } from '@angular/core';
import { Subscription } from 'rxjs';

import { ApiClient, ApiError, Job, Schemas, apiErrorFrom } from '../../core/api';
import { CurrentUser } from '../../core/current-user';
import { ErrorBox } from '../../shared/error-box';
import { DataActions } from './data-actions';
import { PriceCoverageChart } from './price-coverage-chart';

type Resolution = '1m' | '1s' | '1d';
type SymbolCoverage = Schemas['SymbolCoverage'];

const RESOLUTIONS: readonly { value: Resolution; label: string }[] = [
  { value: '1m', label: '1 minute' },
  { value: '1s', label: '1 second' },
  { value: '1d', label: '1 day' },
];

/**
 * Market data on file: coverage per symbol (sessions on file; of the last 40, which are valid, and
 * why the others are not), a price and coverage chart per symbol, and the data jobs (heal, patch,
 * recollect, import) with their progress. A finished job refreshes the coverage and the chart.
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
              <th scope="col">Last session</th>
              <th scope="col" class="num">Valid (of the last checked)</th>
              <th scope="col">Invalid days and why</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            @for (row of rows(); track row.symbol) {
              <tr [class.selected]="row.symbol === chartSymbol()">
                <th scope="row" class="mono">
                  {{ row.symbol }}
                  @if (!universe().includes(row.symbol)) {
                    <span class="badge" title="On file but not in the symbol universe">not in universe</span>
                  }
                </th>
                <td class="num">{{ row.sessions_on_file }}</td>
                <td class="mono">{{ row.last_day ?? '—' }}</td>
                <td class="num" [class.negative]="row.invalid.length > 0" [class.positive]="row.checked > 0 && row.invalid.length === 0">
                  {{ row.valid }} / {{ row.checked }}
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
                  } @else if (row.checked) {
                    <span class="muted">none</span>
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
                <tr><td colspan="6" class="muted">No symbols: add some on the Settings page.</td></tr>
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
        <tc2-price-coverage-chart [symbol]="symbol" [regenerate]="chartRefresh()" />
      } @else {
        <p class="muted">No symbol to chart yet.</p>
      }
    </section>

    <tc2-data-actions [universe]="universe()" (dataChanged)="afterDataJob($event)" />
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

  protected readonly resolutions = RESOLUTIONS;
  protected readonly resolution = signal<Resolution>('1m');
  protected readonly rows = signal<SymbolCoverage[]>([]);
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
  protected readonly chartRefresh = signal(0);
  private readonly actions = viewChild.required(DataActions);
  private loadingSubscription: Subscription | null = null;

  constructor() {
    this.load();
  }

  protected load(): void {
    this.loadingSubscription?.unsubscribe();
    this.loading.set(true);
    this.error.set(null);
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

  /** A data job finished: read the coverage again, and redraw the chart if it is of a symbol it touched. */
  protected afterDataJob(job: Job): void {
    this.load();
    const params = job.params as { symbols?: unknown; symbol?: unknown };
    const touched = [
      ...(Array.isArray(params.symbols) ? params.symbols : []),
      ...(typeof params.symbol === 'string' ? [params.symbol] : []),
    ];
    if (this.chartSymbol() !== null && touched.includes(this.chartSymbol())) {
      this.chartRefresh.update((n) => n + 1);
    }
  }
}
