import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { Subscription } from 'rxjs';

import { ApiClient, ApiError, apiErrorFrom } from '../../core/api';
import { Chart } from '../../shared/chart';
import { ErrorBox } from '../../shared/error-box';
import { fmt } from '../../shared/format';
import { CoverageLegend, partialSessions } from '../../shared/price-graph';
import { DataCoverage, INVALID_COLOR, coverageChart, coverageFigures, coverageGraph, windowLabel } from './coverage';

export type Resolution = '1m' | '1s' | '1d';

export const RESOLUTION_LABELS: Record<Resolution, string> = {
  '1m': '1-minute bars',
  '1s': '1-second bars',
  '1d': 'daily bars',
};

/** At most this many dates are listed inline; more go in a disclosure. */
const INLINE_DAYS = 6;

/**
 * One symbol's daily candles over its per-session coverage at the page's bar size, from the first
 * session on file to the last (GET /api/data/coverage/<symbol>). The caption's figures are the
 * coverage table's row, counted by the same server function and read by the same ``coverageFigures``;
 * it is read again whenever the table is (``refresh``).
 */
@Component({
  selector: 'tc2-price-coverage-chart',
  imports: [Chart, CoverageLegend, ErrorBox],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="chart-head">
      <h3>{{ symbol() }}: daily prices and coverage ({{ labels[resolution()] }})</h3>
      @if (loading()) {
        <span class="muted small" role="status">Reading the data on file…</span>
      }
    </div>
    <tc2-error-box [error]="error()" />
    @if (coverage(); as c) {
      <p class="window"><strong>Window: </strong>{{ window() }}</p>
      @if (c.sessions.length) {
        <tc2-chart [spec]="spec()!" [label]="symbol() + ' daily candles and data coverage per session'" [height]="420" />
        <tc2-coverage-legend />
        @if (c.checked) {
          <p class="legend small muted"><span class="swatch" [style.background]="invalidColor"></span> invalid (one of the last {{ c.checked }} sessions checked)</p>
        }
      }
      @if (figures(); as f) {
        <ul class="figures" aria-label="Coverage figures">
          <li>
            <strong>{{ fmt.whole(f.sessionsOnFile) }}</strong> {{ f.sessionsOnFile === 1 ? 'session' : 'sessions' }} on file
            @if (f.sessionsOnFile) {
              (<span class="mono">{{ f.span }}</span>)
            }
          </li>
          <li>
            @if (f.missingDays.length) {
              <strong class="negative">{{ f.missingDays.length }} without data</strong> between the first and the last
              @if (f.missingDays.length <= inlineDays) {
                (<span class="mono small">{{ f.missingDays.join(', ') }}</span>)
              } @else {
                <details><summary>Sessions without data</summary><p class="mono small">{{ f.missingDays.join(', ') }}</p></details>
              }
            } @else {
              none without data between the first and the last
            }
          </li>
          <li>
            @if (f.checked) {
              of the last {{ f.checked }} checked: <strong>{{ f.valid }} valid</strong>,
              @if (f.invalidDays.length) {
                <strong class="negative">{{ f.invalidDays.length }} invalid</strong>
                (<span class="mono small">{{ f.invalidDays.join(', ') }}</span>)
              } @else {
                none invalid
              }
            } @else if (f.sessionsOnFile) {
              {{ labels[resolution()] }} are not checked by the intraday rules
            }
          </li>
          @if (partial().length) {
            <li>
              {{ partial().length }} incomplete, worst:
              @for (point of partial().slice(0, 5); track point.time) {
                <span class="mono small">{{ point.time }} {{ fmt.percentPoints(point.value) }}</span>{{ $last ? '' : ',' }}
              }
            </li>
          }
        </ul>
      }
    } @else if (!loading() && !error()) {
      <p class="muted">No chart of {{ symbol() }} yet.</p>
    }
  `,
  styles: `
    .chart-head { display: flex; gap: 0.75rem; align-items: baseline; flex-wrap: wrap; margin-bottom: 0.5rem; }
    .chart-head h3 { margin: 0; }
    .window { margin: 0 0 0.5rem; }
    .figures { margin: 0.5rem 0 0; padding-left: 1.2rem; }
    .legend { display: flex; gap: 0.4rem; align-items: center; margin-top: 0; }
    .swatch { display: inline-block; width: 0.8rem; height: 0.8rem; border-radius: 2px; }
  `,
})
export class PriceCoverageChart {
  protected readonly fmt = fmt;
  protected readonly labels = RESOLUTION_LABELS;
  protected readonly invalidColor = INVALID_COLOR;
  protected readonly inlineDays = INLINE_DAYS;
  private readonly api = inject(ApiClient);

  readonly symbol = input.required<string>();
  readonly resolution = input<Resolution>('1m');
  /** Changing it reads the coverage again (the page does when it reads its table). */
  readonly refresh = input(0);

  protected readonly coverage = signal<DataCoverage | null>(null);
  protected readonly loading = signal(false);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly spec = computed(() => {
    const coverage = this.coverage();
    return coverage ? coverageChart(coverage) : null;
  });
  protected readonly figures = computed(() => {
    const coverage = this.coverage();
    return coverage ? coverageFigures(coverage) : null;
  });
  protected readonly window = computed(() => {
    const coverage = this.coverage();
    return coverage ? windowLabel(coverage) : '';
  });
  protected readonly partial = computed(() => {
    const coverage = this.coverage();
    return coverage ? partialSessions(coverageGraph(coverage)) : [];
  });
  private loadingSubscription: Subscription | null = null;

  constructor() {
    effect(() => {
      const symbol = this.symbol();
      const resolution = this.resolution();
      this.refresh();
      untracked(() => this.load(symbol, resolution));
    });
  }

  private load(symbol: string, resolution: Resolution): void {
    this.loadingSubscription?.unsubscribe();
    this.loading.set(true);
    this.error.set(null);
    const shown = this.coverage();
    if (shown && (shown.symbol !== symbol || shown.resolution !== resolution)) {
      this.coverage.set(null); // never another symbol's or bar size's figures under this heading
    }
    this.loadingSubscription = this.api
      .get('/api/data/coverage/{symbol}', { path: { symbol }, query: { resolution } })
      .subscribe({
        next: (coverage) => {
          this.loading.set(false);
          this.coverage.set(coverage);
        },
        error: (failure: unknown) => {
          this.loading.set(false);
          this.error.set(apiErrorFrom(failure));
        },
      });
  }
}
