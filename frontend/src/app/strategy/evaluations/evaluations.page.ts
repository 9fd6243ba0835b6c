import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  computed,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  AbstractControl,
  FormControl,
  FormGroup,
  FormRecord,
  ReactiveFormsModule,
  ValidationErrors,
} from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { Subject, catchError, map, of, startWith, switchMap } from 'rxjs';

import { ApiError } from '../../core/api';
import { JobsService } from '../../core/jobs.service';
import { Chart } from '../../shared/chart';
import { ErrorBox } from '../../shared/error-box';
import { MetricsTable } from '../metrics-table';
import { OpenedRun, followRun } from '../run-follower';
import { checkedBy, dayProblem, describedBy } from '../../shared/form-rules';
import { RUN_API_FIELDS, fractionOf, riskFreeRateProblem, runControls } from '../run-form';
import { RunHeader } from '../run-header';
import { RunList } from '../run-list';
import { RunPage } from '../run-page';
import { asEvaluation } from '../run-records';
import { RunSettingsFields } from '../run-settings-fields';
import { BarResolution, StrategyApi, StrategyDescription, StrategyRunDetail } from '../strategy-api';
import {
  comparisonChart,
  comparisonRows,
  dayRows,
  equityChart,
  evaluationMetrics,
  setupRows,
} from './evaluation-view';

/** How an evaluation's symbols share money (the API's ``accounts``). */
type Accounts = 'per_symbol' | 'shared';
/** What a failed symbol-day does to the evaluation (the API's ``on_error``). */
type OnError = 'continue' | 'stop';
const DEFAULT_BENCHMARK = 'SPY';

/** Sessions a new evaluation covers by default: the latest ones on file. */
export const DEFAULT_RANGE_SESSIONS = 10;
export const RANGE_MESSAGE = 'must not be before the start';

function atLeastOneSymbol(value: unknown): string {
  return Object.values((value ?? {}) as Record<string, boolean>).some(Boolean)
    ? ''
    : 'choose at least one symbol';
}

/** The range's own rule, on the whole form: the end not before the start. */
function rangeInOrder(group: AbstractControl): ValidationErrors | null {
  const start = group.get('start')?.value as string;
  const end = group.get('end')?.value as string;
  return start && end && !dayProblem(start) && !dayProblem(end) && end < start
    ? { range: `${RANGE_MESSAGE} ${start}, was ${end}` }
    : null;
}

/**
 * Evaluations: a strategy over symbols and a date range, run as a job with its progress; then
 * the equity and drawdown chart, the metrics and the per-day results, and any two evaluations
 * side by side. ``?run=<id>`` (and ``&compare=<id>``) keep what is shown in the URL.
 */
@Component({
  selector: 'tc2-evaluations-page',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    Chart,
    ErrorBox,
    MetricsTable,
    RunHeader,
    RunList,
    RunSettingsFields,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './evaluations.page.html',
  styleUrl: '../run-page.css',
  styles: `
    .symbols {
      border: 1px solid var(--line);
      border-radius: 6px;
      padding: 0.25rem 0.75rem 0.5rem;
      margin: 0.5rem 0 0;
      grid-column: 1 / -1;
    }
    .symbols legend {
      color: var(--muted);
      padding: 0 0.3rem;
    }
    .symbol-list {
      display: flex;
      flex-wrap: wrap;
      gap: 0 1.25rem;
    }
    .symbol-list label.check {
      margin: 0.25rem 0;
    }
    .wide {
      overflow-x: auto;
    }
    tr.skipped td {
      color: var(--muted);
    }
    .compare-head {
      display: flex;
      flex-wrap: wrap;
      gap: 1rem;
      align-items: end;
      justify-content: space-between;
    }
    .compare-head h2 {
      margin: 0;
    }
    .compare-head label {
      margin-top: 0;
    }
    .better {
      font-weight: 700;
    }
    .better::after {
      content: ' ✓';
      color: var(--good);
    }
    tr.differs th,
    tr.differs td {
      color: var(--warn);
    }
    .visually-hidden {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
      white-space: nowrap;
    }
    .legend-first {
      color: #2962ff;
    }
    .legend-second {
      color: #ff9800;
    }
  `,
})
export class EvaluationsPage {
  private readonly api = inject(StrategyApi);
  private readonly jobs = inject(JobsService);
  private readonly router = inject(Router);
  private readonly formElement = viewChild<ElementRef<HTMLFormElement>>('formElement');

  /** ``?run=<id>``: the evaluation shown. */
  readonly run = input<string | undefined>();
  /** ``?compare=<id>``: the evaluation shown beside it. */
  readonly compare = input<string | undefined>();
  /** ``?strategy=<id>``: the strategy to start the form with. */
  readonly strategy = input<string | undefined>();

  private readonly common = runControls();
  protected readonly form = new FormGroup(
    {
      ...this.common,
      symbols: new FormRecord<FormControl<boolean>>(
        {},
        { validators: checkedBy(atLeastOneSymbol) },
      ),
      start: new FormControl('', { nonNullable: true, validators: checkedBy(dayProblem) }),
      end: new FormControl('', { nonNullable: true, validators: checkedBy(dayProblem) }),
      /** Percent a year; the request takes the fraction. */
      riskFreeRate: new FormControl<number | null>(0, {
        validators: checkedBy(riskFreeRateProblem),
      }),
      accounts: new FormControl<Accounts>('per_symbol', { nonNullable: true }),
      benchmark: new FormControl(DEFAULT_BENCHMARK, { nonNullable: true }),
      onError: new FormControl<OnError>('continue', { nonNullable: true }),
    },
    { validators: rangeInOrder },
  );
  protected readonly page = new RunPage({
    kind: 'evaluate',
    controls: this.common,
    form: this.form,
    apiFields: {
      ...RUN_API_FIELDS,
      symbols: 'symbols',
      start: 'start',
      end: 'end',
      riskFreeRate: 'risk_free_rate',
      accounts: 'accounts',
      benchmark: 'benchmark',
      onError: 'on_error',
    },
    run: this.run,
    strategy: this.strategy,
    formElement: this.formElement,
  });
  protected readonly describedBy = describedBy;

  /** Sessions on file for the first chosen symbol, oldest first; null while loading. */
  protected readonly range = signal<{
    symbol: string;
    resolution: BarResolution;
    dates: string[] | null;
  } | null>(null);
  protected readonly compared = signal<OpenedRun | null>(null);
  protected readonly compareError = signal<ApiError | null>(null);

  protected readonly evaluation = computed(() => asEvaluation(this.page.opened()?.run.result));
  protected readonly metrics = computed(() => {
    const evaluation = this.evaluation();
    return evaluation ? evaluationMetrics(evaluation) : [];
  });
  protected readonly chartSpec = computed(() => {
    const evaluation = this.evaluation();
    return evaluation ? equityChart(evaluation) : null;
  });
  protected readonly days = computed(() => {
    const evaluation = this.evaluation();
    return evaluation ? dayRows(evaluation) : [];
  });
  protected readonly other = computed(() => asEvaluation(this.compared()?.run.result));
  protected readonly comparison = computed(() => {
    const first = this.evaluation();
    const second = this.other();
    return first && second
      ? {
          setup: setupRows(first, second),
          metrics: comparisonRows(first, second),
          chart: comparisonChart(first, second, ['This run', 'Other run']),
        }
      : null;
  });
  /** Finished evaluations the open one can be compared with. */
  protected readonly comparable = computed(() =>
    this.page.runs().filter((run) => run.status === 'succeeded' && run.id !== this.run()),
  );

  private readonly rangeQuery = new Subject<{ symbol: string; resolution: BarResolution }>();

  constructor() {
    this.form.controls.strategy.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe((id) => this.strategyChosen(this.page.strategyOf(id)));
    // Another resolution: the range on file at it.
    this.form.controls.resolution.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe(() => this.loadRange());
    this.form.controls.symbols.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe(() => this.loadRange());
    this.rangeQuery
      .pipe(
        switchMap((query) =>
          this.api.dates(query.symbol, query.resolution).pipe(
            catchError(() => of([] as string[])),
            startWith(null),
            map((dates) => ({ ...query, dates })),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe((range) => this.rangeLoaded(range));
    this.page.load((symbols) => this.setSymbolChoices(symbols));

    followRun(this.api, this.jobs, this.compare, this.compared, this.compareError).subscribe(
      (opened) => this.compared.set(opened),
    );
  }

  /** The last day's messages: the range's own rule first. */
  protected lastDayMessages(): string[] {
    const messages = this.page.messages('end');
    const range = this.form.errors?.['range'];
    if (range && (this.page.submitted() || this.form.controls.end.touched)) {
      messages.unshift(String(range));
    }
    return messages;
  }

  protected chosenSymbols(): string[] {
    return Object.entries(this.form.controls.symbols.getRawValue())
      .filter(([, checked]) => checked)
      .map(([symbol]) => symbol);
  }

  protected submit(): void {
    if (!this.page.check()) {
      return;
    }
    const value = this.form.getRawValue();
    this.page.send(
      this.api.evaluate({
        ...this.page.commonRequest(),
        symbols: this.chosenSymbols(),
        start: value.start,
        end: value.end,
        risk_free_rate: fractionOf(value.riskFreeRate ?? 0),
        accounts: value.accounts,
        benchmark: value.benchmark.trim().toUpperCase() || DEFAULT_BENCHMARK,
        on_error: value.onError,
      }),
    );
  }

  protected chooseComparison(event: Event): void {
    const other = (event.target as HTMLSelectElement).value;
    void this.router.navigate([], { queryParams: { run: this.run(), compare: other || null } });
  }

  protected stopComparing(): void {
    void this.router.navigate([], { queryParams: { run: this.run() } });
  }

  protected useSettings(): void {
    this.page.useSettings(
      (run: StrategyRunDetail) => ({
        strategy: run.strategy,
        symbols: run.symbols,
        start: run.start,
        end: run.end,
        params: run.params,
        fill_model: run.fill_model,
      }),
      (request) => {
        const { start, end } = this.form.controls;
        if (Array.isArray(request['symbols'])) {
          this.checkSymbols(request['symbols'] as string[]);
        }
        if (typeof request['start'] === 'string') {
          start.setValue(request['start']);
        }
        if (typeof request['end'] === 'string') {
          end.setValue(request['end']);
        }
        const rate = request['risk_free_rate'];
        this.form.controls.riskFreeRate.setValue(typeof rate === 'number' ? rate * 100 : 0);
      },
    );
  }

  /** One checkbox per symbol (new ones unchecked), keeping what was checked. */
  private setSymbolChoices(symbols: readonly string[]): void {
    const record = this.form.controls.symbols;
    for (const symbol of symbols) {
      this.addSymbol(symbol);
    }
    if (!this.chosenSymbols().length) {
      const strategy = this.page.chosen();
      this.checkSymbols(
        strategy?.default_symbols.length ? strategy.default_symbols : symbols.slice(0, 1),
      );
    } else {
      record.updateValueAndValidity();
    }
  }

  private checkSymbols(symbols: readonly string[]): void {
    const record = this.form.controls.symbols;
    for (const symbol of symbols) {
      if (this.addSymbol(symbol)) {
        this.page.symbols.update((all) => (all.includes(symbol) ? all : [...all, symbol]));
      }
    }
    const wanted = new Set(symbols);
    record.setValue(
      Object.fromEntries(
        Object.keys(record.controls).map((symbol) => [symbol, wanted.has(symbol)]),
      ),
    );
  }

  /** A checkbox for ``symbol``, unchecked; false when it has one. */
  private addSymbol(symbol: string): boolean {
    const record = this.form.controls.symbols;
    if (record.contains(symbol)) {
      return false;
    }
    record.addControl(symbol, new FormControl(false, { nonNullable: true }), { emitEvent: false });
    return true;
  }

  private strategyChosen(strategy: StrategyDescription | undefined): void {
    const symbols = this.form.controls.symbols;
    const known = this.page.symbols();
    // The strategy's own symbols, unless the user picked some (a fixed-symbols strategy: always).
    if (strategy?.fixed_symbols || (strategy?.default_symbols.length && !symbols.dirty && known.length)) {
      this.checkSymbols(strategy.default_symbols);
    } else if (!this.chosenSymbols().length && known.length) {
      this.checkSymbols(
        strategy?.default_symbols.length ? strategy.default_symbols : known.slice(0, 1),
      );
    } else {
      this.loadRange(strategy);
    }
  }

  private loadRange(strategy = this.page.strategyOf()): void {
    const symbol = this.chosenSymbols()[0];
    if (strategy && symbol) {
      const current = this.range();
      const resolution = this.form.controls.resolution.value;
      if (current?.symbol !== symbol || current.resolution !== resolution) {
        this.rangeQuery.next({ symbol, resolution });
      }
    } else {
      this.range.set(null);
    }
  }

  private rangeLoaded(range: {
    symbol: string;
    resolution: BarResolution;
    dates: string[] | null;
  }): void {
    this.range.set(range);
    const dates = range.dates;
    if (!dates?.length) {
      return;
    }
    const { start, end } = this.form.controls;
    if (!start.value && !end.value) {
      start.setValue(dates[Math.max(0, dates.length - DEFAULT_RANGE_SESSIONS)]);
      end.setValue(dates[dates.length - 1]);
    }
  }
}
