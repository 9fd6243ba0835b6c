import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { Subscription } from 'rxjs';

import { ApiClient, ApiError, Job, apiErrorFrom } from '../../core/api';
import { Chart } from '../../shared/chart';
import { ErrorBox } from '../../shared/error-box';
import { JobProgress } from '../../shared/job-progress';
import { JobRun } from '../../shared/job-run';
import { CoverageLegend, PriceGraph, asPriceGraph, partialSessions, priceGraphChart } from '../../shared/price-graph';
import { fmt } from '../../shared/format';

/**
 * One symbol's PRICE_GRAPH visual: daily candles over per-session coverage. The stored visual is
 * shown at once; when there is none yet it is generated (a job, with its progress), and it can be
 * generated again on demand or when ``regenerate`` changes (after data work on this symbol).
 */
@Component({
  selector: 'tc2-price-coverage-chart',
  imports: [Chart, CoverageLegend, ErrorBox, JobProgress],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="chart-head">
      <h3>{{ symbol() }}: daily prices and coverage</h3>
      @if (generatedAt(); as at) {
        <span class="muted small">generated {{ fmt.marketDateTime(at) }}</span>
      }
      <button type="button" class="secondary" [disabled]="generation.busy()" (click)="generate()">Regenerate chart</button>
    </div>
    @if (generation.note(); as note) {
      <p class="muted">{{ note }}</p>
    }
    @if (generation.busy() || generation.job()?.status === 'failed') {
      <tc2-job-progress [job]="generation.job()" />
    }
    <tc2-error-box [error]="error() ?? generation.error()" />
    @if (graph(); as g) {
      <tc2-chart [spec]="spec()!" [label]="symbol() + ' daily candles and data coverage per session'" [height]="420" />
      <tc2-coverage-legend />
      <p>
        {{ g.coverage.length }} sessions;
        @if (g.missing_days.length) {
          <strong class="negative">{{ g.missing_days.length }} without data</strong>
          @if (g.missing_days.length <= 6) {
            <span class="mono small">({{ g.missing_days.join(', ') }})</span>
          }
        } @else {
          none without data
        }
        @if (partial().length) {
          ; {{ partial().length }} incomplete, worst:
          @for (point of partial().slice(0, 5); track point.time) {
            <span class="mono small">{{ point.time }} {{ fmt.percentPoints(point.value) }}</span>{{ $last ? '' : ',' }}
          }
        }
      </p>
      @if (g.missing_days.length > 6) {
        <details>
          <summary>Sessions without data</summary>
          <p class="mono small">{{ g.missing_days.join(', ') }}</p>
        </details>
      }
    } @else if (loading()) {
      <p class="muted">Loading the chart…</p>
    } @else if (!generation.busy()) {
      <p class="muted">No chart of {{ symbol() }} yet.</p>
    }
  `,
  styles: `
    .chart-head { display: flex; gap: 0.75rem; align-items: baseline; flex-wrap: wrap; margin-bottom: 0.5rem; }
    .chart-head h3 { margin: 0; }
  `,
})
export class PriceCoverageChart {
  protected readonly fmt = fmt;
  private readonly api = inject(ApiClient);

  readonly symbol = input.required<string>();
  /** Changing it (after the first value) generates the chart again. */
  readonly regenerate = input(0);

  protected readonly graph = signal<PriceGraph | null>(null);
  protected readonly generatedAt = signal<string | null>(null);
  protected readonly loading = signal(false);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly spec = computed(() => {
    const graph = this.graph();
    return graph ? priceGraphChart(graph) : null;
  });
  protected readonly partial = computed(() => {
    const graph = this.graph();
    return graph ? partialSessions(graph) : [];
  });
  protected readonly generation = new JobRun({
    finished: (job: Job) => {
      if (job.status === 'succeeded') {
        this.load(false);
      }
    },
  });
  private loadingSubscription: Subscription | null = null;

  constructor() {
    effect(() => {
      this.symbol();
      untracked(() => this.load(true));
    });
    let first = true;
    effect(() => {
      this.regenerate();
      if (!first) {
        untracked(() => this.generate());
      }
      first = false;
    });
  }

  protected generate(): void {
    this.generation.submit(
      this.api.post('/api/visuals/generate', undefined, {
        query: { visual_type: 'PRICE_GRAPH', symbol: this.symbol() },
      }),
    );
  }

  /** Read the stored visual; with ``generateIfMissing``, generate it when there is none. */
  private load(generateIfMissing: boolean): void {
    const symbol = this.symbol();
    this.loadingSubscription?.unsubscribe();
    this.loading.set(true);
    this.error.set(null);
    if (generateIfMissing) {
      this.graph.set(null);
      this.generatedAt.set(null);
    }
    this.loadingSubscription = this.api
      .get('/api/visuals/get', { query: { visual_type: 'PRICE_GRAPH', symbol } })
      .subscribe({
        next: (result) => {
          this.loading.set(false);
          if (result === null) {
            if (generateIfMissing) {
              this.generate();
            }
            return;
          }
          const graph = asPriceGraph(result.visual);
          this.graph.set(graph);
          this.generatedAt.set(result.last_updated);
          if (!graph) {
            this.error.set(apiErrorFrom(new Error(`The stored chart of ${symbol} has an unexpected shape.`)));
          }
        },
        error: (failure: unknown) => {
          this.loading.set(false);
          this.error.set(apiErrorFrom(failure));
        },
      });
  }
}
