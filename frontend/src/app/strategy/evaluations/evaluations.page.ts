import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  Signal,
  WritableSignal,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed, toObservable, toSignal } from '@angular/core/rxjs-interop';
import {
  AbstractControl,
  FormControl,
  FormGroup,
  FormRecord,
  ReactiveFormsModule,
  ValidationErrors,
} from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { EMPTY, Observable, Subject, catchError, map, of, startWith, switchMap } from 'rxjs';

import { ApiError, apiErrorFrom } from '../../core/api';
import { JobsService } from '../../core/jobs.service';
import { Chart } from '../../shared/chart';
import { ErrorBox } from '../../shared/error-box';
import { MetricsTable } from '../metrics-table';
import { OpenedRun, openRun } from '../run-follower';
import {
  DEFAULT_STARTING_CASH,
  DEFAULT_WARMUP_DAYS,
  MAX_WARMUP_DAYS,
  ParameterValue,
  ParametersForm,
  cashProblem,
  checkedBy,
  dateProblem,
  fieldMessages,
  focusFirstInvalid,
  parameterValues,
  parametersForm,
  requiredProblem,
  warmupProblem,
} from '../run-form';
import { RunHeader } from '../run-header';
import { RunList } from '../run-list';
import { asEvaluation } from '../run-records';
import {
  BarResolution,
  EvaluateRequest,
  FILL_MODELS,
  FillModel,
  StrategyApi,
  StrategyDescription,
  StrategyRun,
} from '../strategy-api';
import { StrategyParams, parameterFields } from '../strategy-params';
import {
  comparisonChart,
  comparisonRows,
  dayRows,
  equityChart,
  evaluationMetrics,
  setupRows,
} from './evaluation-view';

/** Sessions a new evaluation covers by default: the latest ones on file. */
export const DEFAULT_RANGE_SESSIONS = 10;
export const RANGE_MESSAGE = 'must not be before the start';

const API_FIELDS = {
  strategy: 'strategy',
  symbols: 'symbols',
  start: 'start',
  end: 'end',
  warmupDays: 'warmup_days',
  fillModel: 'fill_model',
  startingCash: 'starting_cash',
  modelFilters: 'model_filters',
} as const;
type FieldName = keyof typeof API_FIELDS;

function atLeastOneSymbol(value: unknown): string {
  return Object.values((value ?? {}) as Record<string, boolean>).some(Boolean)
    ? ''
    : 'choose at least one symbol';
}

/** The range's own rule, on the whole form: the end not before the start. */
function rangeInOrder(group: AbstractControl): ValidationErrors | null {
  const start = group.get('start')?.value as string;
  const end = group.get('end')?.value as string;
  return start && end && !dateProblem(start) && !dateProblem(end) && end < start
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
    StrategyParams,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './evaluations.page.html',
  styles: `
    .fields {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr));
      gap: 0 1rem;
    }
    .fields select,
    .fields input:not([type='checkbox']) {
      width: 100%;
    }
    .field-hint {
      display: block;
      margin-top: 0.2rem;
      font-size: 0.8em;
    }
    label.check {
      display: flex;
      gap: 0.4rem;
      align-items: center;
      color: var(--text);
      margin: 0.25rem 0;
    }
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
    .filters {
      margin-top: 1.9rem;
    }
    .form-actions {
      display: flex;
      gap: 0.75rem;
      align-items: center;
      margin-top: 1rem;
    }
    .result-grid {
      display: grid;
      grid-template-columns: minmax(0, 2fr) minmax(16rem, 1fr);
      gap: 1rem;
      align-items: start;
    }
    @media (max-width: 900px) {
      .result-grid {
        grid-template-columns: minmax(0, 1fr);
      }
    }
    .scroll {
      overflow: auto;
      max-height: 32rem;
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
  private readonly injector = inject(Injector);
  private readonly formElement = viewChild<ElementRef<HTMLFormElement>>('formElement');

  /** ``?run=<id>``: the evaluation shown. */
  readonly run = input<string | undefined>();
  /** ``?compare=<id>``: the evaluation shown beside it. */
  readonly compare = input<string | undefined>();
  /** ``?strategy=<id>``: the strategy to start the form with. */
  readonly strategy = input<string | undefined>();

  protected readonly fillModels = FILL_MODELS;
  protected readonly maxWarmupDays = MAX_WARMUP_DAYS;
  protected readonly strategies = signal<StrategyDescription[]>([]);
  protected readonly symbols = signal<string[]>([]);
  /** Sessions on file for the first chosen symbol, oldest first; null while loading. */
  protected readonly range = signal<{
    symbol: string;
    resolution: BarResolution;
    dates: string[] | null;
  } | null>(null);
  protected readonly runs = signal<StrategyRun[]>([]);
  protected readonly opened = signal<OpenedRun | null>(null);
  protected readonly compared = signal<OpenedRun | null>(null);
  protected readonly runError = signal<ApiError | null>(null);
  protected readonly compareError = signal<ApiError | null>(null);
  protected readonly busy = signal(false);
  protected readonly submitted = signal(false);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly loadError = signal<ApiError | null>(null);

  protected readonly form = new FormGroup(
    {
      strategy: new FormControl('', {
        nonNullable: true,
        validators: checkedBy(requiredProblem('a strategy')),
      }),
      symbols: new FormRecord<FormControl<boolean>>(
        {},
        { validators: checkedBy(atLeastOneSymbol) },
      ),
      start: new FormControl('', { nonNullable: true, validators: checkedBy(dateProblem) }),
      end: new FormControl('', { nonNullable: true, validators: checkedBy(dateProblem) }),
      warmupDays: new FormControl<number | null>(DEFAULT_WARMUP_DAYS, {
        validators: checkedBy(warmupProblem),
      }),
      fillModel: new FormControl<FillModel>('realistic', { nonNullable: true }),
      startingCash: new FormControl<number | null>(DEFAULT_STARTING_CASH, {
        validators: checkedBy(cashProblem),
      }),
      modelFilters: new FormControl(true, { nonNullable: true }),
    },
    { validators: rangeInOrder },
  );
  protected readonly params = signal<ParametersForm>(parametersForm([]));

  private readonly strategyId = toSignal(this.form.controls.strategy.valueChanges, {
    initialValue: '',
  });
  protected readonly chosen = computed(
    () => this.strategies().find((s) => s.id === this.strategyId()) ?? null,
  );
  protected readonly shownFields = computed(() => [
    ...Object.values(API_FIELDS),
    ...parameterFields(this.chosen()?.parameters ?? []),
  ]);

  protected readonly evaluation = computed(() => asEvaluation(this.opened()?.run.result));
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
    this.runs().filter((run) => run.status === 'succeeded' && run.id !== this.run()),
  );

  private readonly rangeQuery = new Subject<{ symbol: string; resolution: BarResolution }>();

  constructor() {
    // Listen first, then load: a loaded list sets the strategy, which sets the rest.
    this.form.controls.strategy.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe((id) => this.strategyChosen(id));
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

    this.api.strategies().subscribe({
      next: (list) => {
        this.strategies.set(list);
        const wanted = untracked(this.strategy);
        const current = this.form.controls.strategy.value;
        const pick =
          list.find((s) => s.id === wanted) ?? list.find((s) => s.id === current) ?? list[0];
        if (pick) {
          this.form.controls.strategy.setValue(pick.id);
        }
      },
      error: (e: unknown) => this.loadError.set(apiErrorFrom(e)),
    });
    this.api.symbols().subscribe({
      next: (symbols) => {
        this.symbols.set(symbols);
        this.setSymbolChoices(symbols);
      },
      error: (e: unknown) => this.loadError.set(apiErrorFrom(e)),
    });
    this.loadRuns();

    effect(() => {
      const wanted = this.strategy();
      if (
        wanted &&
        this.strategies().some((s) => s.id === wanted) &&
        untracked(() => this.form.controls.strategy.value) !== wanted
      ) {
        this.form.controls.strategy.setValue(wanted);
      }
    });

    this.follow(this.run, this.opened, this.runError).subscribe((opened) => {
      const before = untracked(this.opened);
      this.opened.set(opened);
      if (before?.run.id === opened.run.id && before.run.status !== opened.run.status) {
        this.loadRuns(); // it ended: the list shows its status and profit
      }
    });
    this.follow(this.compare, this.compared, this.compareError).subscribe((opened) =>
      this.compared.set(opened),
    );
  }

  protected messages(name: FieldName): string[] {
    const messages = fieldMessages(
      this.form.controls[name] as AbstractControl,
      API_FIELDS[name],
      this.error(),
      this.submitted(),
    );
    const range = this.form.errors?.['range'];
    if (name === 'end' && range && (this.submitted() || this.form.controls.end.touched)) {
      messages.unshift(String(range));
    }
    return messages;
  }

  protected describedBy(id: string, messages: readonly string[], hint = true): string | null {
    const ids = [hint ? `${id}-hint` : '', messages.length ? `${id}-error` : ''].filter(Boolean);
    return ids.length ? ids.join(' ') : null;
  }

  protected loadRuns(): void {
    this.api.runs('evaluate').subscribe({
      next: (runs) => this.runs.set(runs),
      error: (e: unknown) => this.loadError.set(apiErrorFrom(e)),
    });
  }

  protected chosenSymbols(): string[] {
    return Object.entries(this.form.controls.symbols.getRawValue())
      .filter(([, checked]) => checked)
      .map(([symbol]) => symbol);
  }

  protected submit(): void {
    this.submitted.set(true);
    this.form.markAllAsTouched();
    this.params().markAllAsTouched();
    if (this.form.invalid || this.params().invalid) {
      afterNextRender(() => focusFirstInvalid(this.formElement()?.nativeElement), {
        injector: this.injector,
      });
      return;
    }
    const value = this.form.getRawValue();
    const request: EvaluateRequest = {
      strategy: value.strategy,
      symbols: this.chosenSymbols(),
      start: value.start,
      end: value.end,
      params: parameterValues(this.params()),
      fill_model: value.fillModel,
      warmup_days: value.warmupDays ?? DEFAULT_WARMUP_DAYS,
      starting_cash: value.startingCash ?? DEFAULT_STARTING_CASH,
      model_filters: value.modelFilters,
    };
    this.busy.set(true);
    this.error.set(null);
    this.api.evaluate(request).subscribe({
      next: (run) => {
        this.busy.set(false);
        this.submitted.set(false);
        this.runs.update((runs) => [run, ...runs.filter((r) => r.id !== run.id)]);
        void this.router.navigate([], { queryParams: { run: run.id } });
      },
      error: (e: unknown) => {
        this.busy.set(false);
        this.error.set(apiErrorFrom(e));
        afterNextRender(() => focusFirstInvalid(this.formElement()?.nativeElement), {
          injector: this.injector,
        });
      },
    });
  }

  protected cancel(jobId: string): void {
    this.jobs
      .cancel(jobId)
      .subscribe({ error: (e: unknown) => this.runError.set(apiErrorFrom(e)) });
  }

  protected chooseComparison(event: Event): void {
    const other = (event.target as HTMLSelectElement).value;
    void this.router.navigate([], { queryParams: { run: this.run(), compare: other || null } });
  }

  protected stopComparing(): void {
    void this.router.navigate([], { queryParams: { run: this.run() } });
  }

  /** Fill the form with the open run's request (from its job, which kept all of it). */
  protected useSettings(): void {
    const opened = this.opened();
    if (!opened) {
      return;
    }
    const { run } = opened;
    this.jobs.get(run.job_id).subscribe({
      next: (job) => this.applyRequest(job.params),
      error: () =>
        this.applyRequest({
          strategy: run.strategy,
          symbols: run.symbols,
          start: run.start,
          end: run.end,
          params: run.params,
          fill_model: run.fill_model,
        }),
    });
  }

  private follow(
    id: Signal<string | undefined>,
    target: WritableSignal<OpenedRun | null>,
    error: WritableSignal<ApiError | null>,
  ): Observable<OpenedRun> {
    return toObservable(id).pipe(
      switchMap((runId) => {
        target.set(null);
        error.set(null);
        return runId
          ? openRun(this.api, this.jobs, runId).pipe(
              catchError((e: unknown) => {
                error.set(apiErrorFrom(e));
                return EMPTY;
              }),
            )
          : EMPTY;
      }),
      takeUntilDestroyed(),
    );
  }

  private applyRequest(request: Record<string, unknown>): void {
    const controls = this.form.controls;
    const strategy = request['strategy'];
    // Only a change: choosing a strategy again would reset its parameters and reload the days.
    if (
      typeof strategy === 'string' &&
      strategy !== controls.strategy.value &&
      this.strategies().some((s) => s.id === strategy)
    ) {
      controls.strategy.setValue(strategy);
    }
    for (const [name, value] of Object.entries(
      (request['params'] ?? {}) as Record<string, unknown>,
    )) {
      this.params().controls[name]?.setValue(value as ParameterValue);
    }
    if (Array.isArray(request['symbols'])) {
      this.checkSymbols(request['symbols'] as string[]);
    }
    if (typeof request['start'] === 'string') {
      controls.start.setValue(request['start']);
    }
    if (typeof request['end'] === 'string') {
      controls.end.setValue(request['end']);
    }
    if (typeof request['warmup_days'] === 'number') {
      controls.warmupDays.setValue(request['warmup_days']);
    }
    if (FILL_MODELS.includes(request['fill_model'] as FillModel)) {
      controls.fillModel.setValue(request['fill_model'] as FillModel);
    }
    if (typeof request['starting_cash'] === 'number') {
      controls.startingCash.setValue(request['starting_cash']);
    }
    if (typeof request['model_filters'] === 'boolean') {
      controls.modelFilters.setValue(request['model_filters']);
    }
    this.error.set(null);
    this.submitted.set(false);
    const form = this.formElement()?.nativeElement;
    form?.scrollIntoView?.({ block: 'start' });
    form?.querySelector<HTMLElement>('select, input')?.focus({ preventScroll: true });
  }

  /** One checkbox per symbol (new ones unchecked), keeping what was checked. */
  private setSymbolChoices(symbols: readonly string[]): void {
    const record = this.form.controls.symbols;
    for (const symbol of symbols) {
      if (!record.contains(symbol)) {
        record.addControl(symbol, new FormControl(false, { nonNullable: true }), {
          emitEvent: false,
        });
      }
    }
    if (!this.chosenSymbols().length) {
      const strategy = this.chosen();
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
      if (!record.contains(symbol)) {
        record.addControl(symbol, new FormControl(false, { nonNullable: true }), {
          emitEvent: false,
        });
        this.symbols.update((all) => (all.includes(symbol) ? all : [...all, symbol]));
      }
    }
    const wanted = new Set(symbols);
    record.setValue(
      Object.fromEntries(
        Object.keys(record.controls).map((symbol) => [symbol, wanted.has(symbol)]),
      ),
    );
  }

  private strategyChosen(id: string): void {
    const strategy = this.strategies().find((s) => s.id === id);
    this.params.set(parametersForm(strategy?.parameters ?? []));
    const symbols = this.form.controls.symbols;
    // The strategy's own symbols, unless the user picked some (a fixed-symbols strategy: always).
    if (
      strategy?.fixed_symbols ||
      (strategy?.default_symbols.length && !symbols.dirty && this.symbols().length)
    ) {
      this.checkSymbols(strategy.default_symbols);
    } else if (!this.chosenSymbols().length && this.symbols().length) {
      this.checkSymbols(
        strategy?.default_symbols.length ? strategy.default_symbols : this.symbols().slice(0, 1),
      );
    } else {
      this.loadRange(strategy);
    }
  }

  private loadRange(
    strategy = this.strategies().find((s) => s.id === this.form.controls.strategy.value),
  ): void {
    const symbol = this.chosenSymbols()[0];
    if (strategy && symbol) {
      const current = this.range();
      if (current?.symbol !== symbol || current.resolution !== strategy.resolution) {
        this.rangeQuery.next({ symbol, resolution: strategy.resolution });
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
