import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { RouterLink } from '@angular/router';

import { Chart } from '../../shared/chart';
import { CoverageLegend, coverageSummary, priceGraphChart } from '../../shared/price-graph';
import { fmt } from '../../shared/format';
import { figureName, figureText } from '../figures';
import {
  breakoutSetupChart,
  daySpreadBars,
  equityCurveChart,
  runHistoryChart,
  runHistoryRows,
  singleRunCharts,
  stepFigures,
} from './visual-charts';
import { Visual } from './visual-json';

/** One visual's JSON drawn for its type: the chart, and the figures and tables that go with it. */
@Component({
  selector: 'tc2-visual-view',
  imports: [Chart, CoverageLegend, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (priceGraph(); as p) {
      <tc2-chart [spec]="p.spec" [height]="440" [label]="'PRICE_GRAPH of ' + p.visual.symbol + ': daily candles and minute coverage'" />
      <dl class="facts">
        <dt>Sessions</dt>
        <dd>{{ p.summary.sessions }} ({{ p.summary.withData }} with data, {{ p.summary.fullyCovered }} fully covered)</dd>
        <dt>Mean coverage</dt>
        <dd>{{ fmt.percentPoints(p.summary.meanCoverage) }}</dd>
        <dt>Missing sessions</dt>
        <dd>
          @if (p.summary.missingDays.length === 0) {
            none
          } @else if (p.summary.missingDays.length <= 8) {
            <span class="missing">{{ p.summary.missingDays.join(', ') }}</span>
          } @else {
            <details>
              <summary>
                <span class="missing">{{ p.summary.missingDays.length }} sessions</span>, {{ p.summary.missingDays[0] }} to
                {{ p.summary.missingDays[p.summary.missingDays.length - 1] }}
              </summary>
              <span class="missing">{{ p.summary.missingDays.join(', ') }}</span>
            </details>
          }
        </dd>
      </dl>
      <tc2-coverage-legend />
    }

    @if (runHistory(); as h) {
      <dl class="facts">
        <dt>Mode</dt>
        <dd>{{ h.visual.mode }}</dd>
        <dt>Runs</dt>
        <dd>{{ h.visual.runs }}</dd>
        <dt>Total profit</dt>
        <dd [class.positive]="h.visual.total_profit > 0" [class.negative]="h.visual.total_profit < 0">
          {{ fmt.money(h.visual.total_profit) }}
        </dd>
      </dl>
      @if (h.rows.length) {
        <tc2-chart [spec]="h.spec" [label]="'RUN_HISTORY of ' + h.visual.mode + ' runs: profit per strategy and day'" />
        <h3>Runs</h3>
        <table>
          <thead>
            <tr><th scope="col">Day</th><th scope="col">Strategy</th><th scope="col" class="num">Profit</th><th scope="col">Run</th></tr>
          </thead>
          <tbody>
            @for (row of h.rows; track row.runId) {
              <tr>
                <td>{{ row.day }}</td>
                <td>{{ row.strategy }}</td>
                <td class="num" [class.positive]="row.profit > 0" [class.negative]="row.profit < 0">{{ fmt.money(row.profit) }}</td>
                <td>
                  <a [routerLink]="[]" [queryParams]="{ visual_type: 'SINGLE_RUN', run_id: row.runId }">
                    Open run {{ row.runId.slice(0, 8) }}<span class="visually-hidden"> of {{ row.strategy }} on {{ row.day }}</span>
                  </a>
                </td>
              </tr>
            }
          </tbody>
        </table>
      } @else {
        <p class="muted">No {{ h.visual.mode }} runs yet.</p>
      }
    }

    @if (daySpread(); as d) {
      <dl class="facts">
        <dt>Symbol</dt>
        <dd>{{ d.visual.symbol }}</dd>
        <dt>Sessions with data</dt>
        <dd>{{ d.visual.days }}</dd>
        <dt>Mean spread</dt>
        <dd>{{ fmt.percentPoints(d.visual.mean_pct) }}</dd>
        <dt>Median spread</dt>
        <dd>{{ fmt.percentPoints(d.visual.median_pct) }}</dd>
      </dl>
      @if (d.bars.length) {
        <table class="spread" [attr.aria-label]="'DAY_SPREAD of ' + d.visual.symbol + ': sessions per day spread'">
          <thead>
            <tr><th scope="col">Day spread</th><th scope="col" class="num">Sessions</th><th scope="col"><span class="visually-hidden">Bar</span></th></tr>
          </thead>
          <tbody>
            @for (bar of d.bars; track bar.label) {
              <tr>
                <td class="num">{{ bar.label }}</td>
                <td class="num">{{ bar.count }}</td>
                <td class="bar-cell" aria-hidden="true"><span class="bar" [style.width.%]="bar.length"></span></td>
              </tr>
            }
          </tbody>
        </table>
      } @else {
        <p class="muted">No session of {{ d.visual.symbol }} has data in this range.</p>
      }
    }

    @if (singleRun(); as r) {
      <dl class="facts">
        <dt>Strategy</dt>
        <dd>{{ r.visual.strategy }}</dd>
        <dt>Day</dt>
        <dd>{{ r.visual.day }}</dd>
        <dt>Profit</dt>
        <dd [class.positive]="r.visual.profit > 0" [class.negative]="r.visual.profit < 0">{{ fmt.money(r.visual.profit) }}</dd>
        <dt>Fingerprint</dt>
        <dd class="mono small">{{ r.visual.fingerprint }}</dd>
      </dl>
      @for (chart of r.charts; track chart.symbol) {
        <h3>{{ chart.symbol }}</h3>
        <tc2-chart [spec]="chart.spec" [label]="'SINGLE_RUN of ' + r.visual.strategy + ' on ' + r.visual.day + ': ' + chart.symbol + ' minute candles with fills'" />
      }
      <h3>Orders</h3>
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Submitted (ET)</th><th scope="col">Order</th><th scope="col">Symbol</th><th scope="col">Side</th>
              <th scope="col">Type</th><th scope="col" class="num">Qty</th><th scope="col" class="num">Limit</th>
              <th scope="col" class="num">Stop</th><th scope="col">Status</th><th scope="col" class="num">Filled</th>
              <th scope="col" class="num">Avg price</th><th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            @for (order of r.visual.orders; track order.client_order_id) {
              <tr>
                <td class="mono">{{ clock(order.submitted_t) }}</td>
                <td class="mono">{{ order.client_order_id }}</td>
                <td>{{ order.symbol }}</td>
                <td [class.positive]="order.side === 'buy'" [class.negative]="order.side === 'sell'">{{ order.side }}</td>
                <td>{{ order.type }}</td>
                <td class="num">{{ order.qty }}</td>
                <td class="num">{{ fmt.price(order.limit_price) }}</td>
                <td class="num">{{ fmt.price(order.stop_price) }}</td>
                <td>{{ order.status }}</td>
                <td class="num">{{ order.filled_qty }}</td>
                <td class="num">{{ fmt.price(order.average_fill_price) }}</td>
                <td>{{ order.reason }}</td>
              </tr>
            } @empty {
              <tr><td colspan="12" class="muted">No orders.</td></tr>
            }
          </tbody>
        </table>
      </div>
      <details [open]="r.visual.timeline.length <= 50">
        <summary>Timeline ({{ r.visual.timeline.length }} entries)</summary>
        <div class="scroll">
          <table>
            <thead>
              <tr><th scope="col">Time (ET)</th><th scope="col">Symbol</th><th scope="col">Decision</th><th scope="col">Data</th></tr>
            </thead>
            <tbody>
              @for (entry of r.visual.timeline; track $index) {
                <tr>
                  <td class="mono">{{ clock(entry.t) }}</td>
                  <td>{{ entry.symbol || '—' }}</td>
                  <td>{{ entry.message }}</td>
                  <td class="small">{{ entry.data ? fmt.describe(entry.data) : '' }}</td>
                </tr>
              } @empty {
                <tr><td colspan="4" class="muted">The strategy recorded no decisions.</td></tr>
              }
            </tbody>
          </table>
        </div>
      </details>
    }

    @if (breakout(); as b) {
      <tc2-chart [spec]="b.spec" [label]="'BREAKOUT1_SETUP of ' + b.visual.symbol + ' on ' + b.visual.day + ' at ' + b.visual.at" />
      <dl class="facts">
        <dt>Symbol</dt>
        <dd>{{ b.visual.symbol }}</dd>
        <dt>Moment</dt>
        <dd>{{ b.visual.day }} {{ b.visual.at }} ET</dd>
        <dt>Grade</dt>
        <dd><span class="badge" [class]="'badge ' + (b.visual.grade === 'PASS' ? 'status-PASSED' : 'status-FAILED')">{{ b.visual.grade }}</span> {{ b.visual.reason }}</dd>
        <dt>Status</dt>
        <dd>{{ b.visual.status ?? '—' }}</dd>
      </dl>
      <h3>The model's steps</h3>
      @if (b.steps.length) {
        <ol class="steps">
          @for (step of b.steps; track $index) {
            <li>
              <span class="badge" [class]="'badge ' + (step.passed ? 'status-PASSED' : 'status-FAILED')">{{ step.passed ? 'passed' : 'failed' }}</span>
              {{ fmt.label(step.name) }}
              @for (figure of step.figures; track figure.name) {
                <span class="muted small"> · {{ figure.name }} {{ figure.value }}</span>
              }
            </li>
          }
        </ol>
      } @else {
        <p class="muted">The model took no steps (no data before the moment).</p>
      }
    }

    @if (equityCurve(); as e) {
      <tc2-chart [spec]="e.spec" [label]="'EQUITY_CURVE of ' + e.visual.strategy + ' from ' + e.visual.start + ' to ' + e.visual.end + ': equity and drawdown'" />
      <dl class="facts">
        <dt>Strategy</dt>
        <dd>{{ e.visual.strategy }}</dd>
        <dt>Period</dt>
        <dd>{{ e.visual.start }} to {{ e.visual.end }}</dd>
        @for (figure of e.performance; track figure.name) {
          <dt>{{ figure.name }}</dt>
          <dd>{{ figure.value }}</dd>
        }
      </dl>
    }
  `,
  styles: `
    .facts { margin: 0.75rem 0; }
    .missing { color: var(--bad); }
    .spread { max-width: 40rem; }
    .bar-cell { width: 60%; }
    .bar { display: block; height: 0.9rem; background: var(--accent); border-radius: 2px; min-width: 2px; }
    .scroll { overflow-x: auto; max-height: 28rem; overflow-y: auto; }
    .steps { padding-left: 1.4rem; }
    .steps li { margin: 0.3rem 0; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  `,
})
export class VisualView {
  readonly visual = input.required<Visual>();

  protected readonly priceGraph = computed(() => {
    const visual = this.visual();
    return visual.visual_type === 'PRICE_GRAPH'
      ? { visual, spec: priceGraphChart(visual), summary: coverageSummary(visual) }
      : null;
  });
  protected readonly runHistory = computed(() => {
    const visual = this.visual();
    return visual.visual_type === 'RUN_HISTORY'
      ? { visual, spec: runHistoryChart(visual), rows: runHistoryRows(visual) }
      : null;
  });
  protected readonly daySpread = computed(() => {
    const visual = this.visual();
    return visual.visual_type === 'DAY_SPREAD' ? { visual, bars: daySpreadBars(visual) } : null;
  });
  protected readonly singleRun = computed(() => {
    const visual = this.visual();
    return visual.visual_type === 'SINGLE_RUN' ? { visual, charts: singleRunCharts(visual) } : null;
  });
  protected readonly breakout = computed(() => {
    const visual = this.visual();
    return visual.visual_type === 'BREAKOUT1_SETUP'
      ? {
          visual,
          spec: breakoutSetupChart(visual),
          steps: visual.steps.map((step) => ({
            name: step.step,
            passed: step.passed,
            figures: stepFigures(step).map((f) => ({ name: figureName(f.name), value: figureText(f.value, f.name) })),
          })),
        }
      : null;
  });
  protected readonly equityCurve = computed(() => {
    const visual = this.visual();
    return visual.visual_type === 'EQUITY_CURVE'
      ? {
          visual,
          spec: equityCurveChart(visual),
          performance: Object.entries(visual.performance ?? {}).map(([name, value]) => ({
            name: figureName(name),
            value: figureText(value, name),
          })),
        }
      : null;
  });

  protected readonly fmt = fmt;

  protected clock(epochSeconds: number): string {
    return fmt.marketClock(epochSeconds);
  }
}
