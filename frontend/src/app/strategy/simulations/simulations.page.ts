import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
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
import { AbstractControl, FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import { EMPTY, Subject, catchError, map, of, startWith, switchMap } from 'rxjs';

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
  fieldMessages,
  focusFirstInvalid,
  parameterValues,
  parametersForm,
  requiredProblem,
  startTimeProblem,
  warmupProblem,
} from '../run-form';
import { RunHeader } from '../run-header';
import { RunList } from '../run-list';
import { asRunRecord } from '../run-records';
import {
  BarResolution,
  Bars,
  FILL_MODELS,
  FillModel,
  SimulateRequest,
  StrategyApi,
  StrategyDescription,
  StrategyRun,
} from '../strategy-api';
import { StrategyParams, parameterFields } from '../strategy-params';
import {
  firstChartSymbol,
  orderRows,
  simulationChart,
  simulationMetrics,
  timelineRows,
} from './simulation-view';

/** The form's controls and the API fields they send. */
const API_FIELDS = {
  strategy: 'strategy',
  symbol: 'symbol',
  day: 'day',
  startTime: 'start_time',
  warmupDays: 'warmup_days',
  fillModel: 'fill_model',
  startingCash: 'starting_cash',
  modelFilters: 'model_filters',
} as const;
type FieldName = keyof typeof API_FIELDS;

/**
 * Simulations: choose a strategy, a symbol, a session on file, an optional start time, warm-up
 * days and parameters; run it as a job and follow its progress; then the day's candles with a
 * marker per fill, the metrics, the orders and fills, and the strategy's decisions. The run
 * shown is the URL's ``?run=<id>``, so a reload or a shared link opens it again; past runs are
 * listed below.
 */
@Component({
  selector: 'tc2-simulations-page',
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
  templateUrl: './simulations.page.html',
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
    .chart-head {
      display: flex;
      gap: 1rem;
      align-items: end;
      justify-content: space-between;
      flex-wrap: wrap;
    }
    .chart-head label {
      margin: 0 0 0.25rem;
    }
    .scroll {
      overflow: auto;
      max-height: 32rem;
    }
    .fills {
      margin: 0;
      padding-left: 1rem;
    }
    .side-buy {
      color: var(--good);
    }
    .side-sell {
      color: var(--bad);
    }
    td.nowrap {
      white-space: nowrap;
    }
  `,
})
export class SimulationsPage {
  private readonly api = inject(StrategyApi);
  private readonly jobs = inject(JobsService);
  private readonly router = inject(Router);
  private readonly injector = inject(Injector);
  private readonly formElement = viewChild<ElementRef<HTMLFormElement>>('formElement');

  /** ``?run=<id>``: the run shown. */
  readonly run = input<string | undefined>();
  /** ``?strategy=<id>``: the strategy to start the form with (the Strategies page links here). */
  readonly strategy = input<string | undefined>();

  protected readonly fillModels = FILL_MODELS;
  protected readonly maxWarmupDays = MAX_WARMUP_DAYS;
  protected readonly strategies = signal<StrategyDescription[]>([]);
  protected readonly symbols = signal<string[]>([]);
  /** Sessions on file for the chosen symbol at the strategy's resolution, newest first; null while loading. */
  protected readonly days = signal<string[] | null>(null);
  protected readonly runs = signal<StrategyRun[]>([]);
  protected readonly opened = signal<OpenedRun | null>(null);
  protected readonly runError = signal<ApiError | null>(null);
  protected readonly bars = signal<Bars[] | null>(null);
  protected readonly chartError = signal<ApiError | null>(null);
  protected readonly chartSymbol = signal('');
  protected readonly busy = signal(false);
  protected readonly submitted = signal(false);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly loadError = signal<ApiError | null>(null);

  protected readonly form = new FormGroup({
    strategy: new FormControl('', {
      nonNullable: true,
      validators: checkedBy(requiredProblem('a strategy')),
    }),
    symbol: new FormControl('', {
      nonNullable: true,
      validators: checkedBy(requiredProblem('a symbol')),
    }),
    day: new FormControl('', {
      nonNullable: true,
      validators: checkedBy(requiredProblem('a session with bars on file')),
    }),
    startTime: new FormControl('', { nonNullable: true, validators: checkedBy(startTimeProblem) }),
    warmupDays: new FormControl<number | null>(DEFAULT_WARMUP_DAYS, {
      validators: checkedBy(warmupProblem),
    }),
    fillModel: new FormControl<FillModel>('realistic', { nonNullable: true }),
    startingCash: new FormControl<number | null>(DEFAULT_STARTING_CASH, {
      validators: checkedBy(cashProblem),
    }),
    modelFilters: new FormControl(true, { nonNullable: true }),
  });
  protected readonly params = signal<ParametersForm>(parametersForm([]));

  private readonly strategyId = toSignal(this.form.controls.strategy.valueChanges, {
    initialValue: '',
  });
  protected readonly chosen = computed(
    () => this.strategies().find((s) => s.id === this.strategyId()) ?? null,
  );
  /** Whose sessions the day list shows, at which resolution (a fixed-symbols strategy's own). */
  protected readonly daysOf = signal<{ symbol: string; resolution: BarResolution } | null>(null);
  protected readonly shownFields = computed(() => [
    ...Object.values(API_FIELDS),
    ...parameterFields(this.chosen()?.parameters ?? []),
  ]);

  protected readonly record = computed(() => asRunRecord(this.opened()?.run.result));
  protected readonly metrics = computed(() => {
    const record = this.record();
    return record ? simulationMetrics(record) : [];
  });
  protected readonly orders = computed(() => {
    const record = this.record();
    return record ? orderRows(record) : [];
  });
  protected readonly timeline = computed(() => {
    const record = this.record();
    return record ? timelineRows(record) : [];
  });
  protected readonly chartSpec = computed(() => {
    const record = this.record();
    const bars = this.bars();
    return record && bars ? simulationChart(bars, record, this.chartSymbol()) : null;
  });
  protected readonly markerSummary = computed(() => {
    const fills = (this.record()?.fills ?? []).filter((fill) => fill.symbol === this.chartSymbol());
    const buys = fills.filter((fill) => fill.side === 'buy').length;
    return { buys, sells: fills.length - buys };
  });

  private readonly daysQuery = new Subject<{ symbol: string; resolution: BarResolution }>();

  constructor() {
    // Listen first, then load: a loaded list sets the strategy, which sets the rest.
    this.form.controls.strategy.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe((id) => this.strategyChosen(id));
    this.form.controls.symbol.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe(() => this.loadDays());
    this.daysQuery
      .pipe(
        switchMap(({ symbol, resolution }) =>
          this.api.dates(symbol, resolution).pipe(
            map((dates) => [...dates].reverse()),
            catchError(() => of([] as string[])),
            startWith(null),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe((days) => this.daysLoaded(days));

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
        if (!this.form.controls.symbol.value && symbols.length) {
          const own = this.chosen()?.default_symbols[0];
          this.form.controls.symbol.setValue(own && symbols.includes(own) ? own : symbols[0]);
        }
      },
      error: (e: unknown) => this.loadError.set(apiErrorFrom(e)),
    });
    this.loadRuns();

    // A later ?strategy= (a link from the Strategies page while this page is open).
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

    toObservable(this.run)
      .pipe(
        switchMap((runId) => {
          this.opened.set(null);
          this.bars.set(null);
          this.runError.set(null);
          return runId
            ? openRun(this.api, this.jobs, runId).pipe(
                catchError((e: unknown) => {
                  this.runError.set(apiErrorFrom(e));
                  return EMPTY;
                }),
              )
            : EMPTY;
        }),
        takeUntilDestroyed(),
      )
      .subscribe((opened) => this.runOpened(opened));

    const chartKey = computed(() => {
      const record = this.record();
      const symbol = this.chartSymbol();
      return record && symbol && record.symbols.includes(symbol) ? { record, symbol } : null;
    });
    toObservable(chartKey)
      .pipe(
        switchMap((key) => {
          this.bars.set(null);
          this.chartError.set(null);
          if (!key) {
            return EMPTY;
          }
          const { record, symbol } = key;
          const days$ =
            record.end_day && record.end_day !== record.day
              ? this.api.dates(symbol, '1m', record.day, record.end_day)
              : of([record.day]);
          return days$.pipe(
            switchMap((days) => this.api.daysBars(symbol, days)),
            catchError((e: unknown) => {
              this.chartError.set(apiErrorFrom(e));
              return EMPTY;
            }),
          );
        }),
        takeUntilDestroyed(),
      )
      .subscribe((bars) => this.bars.set(bars));
  }

  protected messages(name: FieldName): string[] {
    return fieldMessages(
      this.form.controls[name] as AbstractControl,
      API_FIELDS[name],
      this.error(),
      this.submitted(),
    );
  }

  protected describedBy(id: string, messages: readonly string[], hint = true): string | null {
    const ids = [hint ? `${id}-hint` : '', messages.length ? `${id}-error` : ''].filter(Boolean);
    return ids.length ? ids.join(' ') : null;
  }

  protected loadRuns(): void {
    this.api.runs('simulate').subscribe({
      next: (runs) => this.runs.set(runs),
      error: (e: unknown) => this.loadError.set(apiErrorFrom(e)),
    });
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
    const request: SimulateRequest = {
      strategy: value.strategy,
      symbol: value.symbol,
      day: value.day,
      params: parameterValues(this.params()),
      fill_model: value.fillModel,
      warmup_days: value.warmupDays ?? DEFAULT_WARMUP_DAYS,
      starting_cash: value.startingCash ?? DEFAULT_STARTING_CASH,
      model_filters: value.modelFilters,
      ...(value.startTime ? { start_time: value.startTime } : {}),
    };
    this.busy.set(true);
    this.error.set(null);
    this.api.simulate(request).subscribe({
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

  /** Fill the form with the request of the open run (from its job, which kept all of it). */
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
          symbol: run.symbols[0],
          day: run.day,
          params: run.params,
          fill_model: run.fill_model,
        }),
    });
  }

  protected chooseChartSymbol(event: Event): void {
    this.chartSymbol.set((event.target as HTMLSelectElement).value);
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
    const params = (request['params'] ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(params)) {
      this.params().controls[name]?.setValue(value as ParameterValue);
    }
    if (typeof request['symbol'] === 'string' && request['symbol'] !== controls.symbol.value) {
      controls.symbol.setValue(request['symbol']);
    }
    if (typeof request['day'] === 'string') {
      controls.day.setValue(request['day']);
    }
    controls.startTime.setValue(
      typeof request['start_time'] === 'string' ? request['start_time'] : '',
    );
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

  private strategyChosen(id: string): void {
    const strategy = this.strategies().find((s) => s.id === id);
    this.params.set(parametersForm(strategy?.parameters ?? []));
    const symbol = this.form.controls.symbol;
    // The strategy's own symbol, unless the user picked one (a fixed-symbols strategy: always).
    const own = strategy?.default_symbols[0];
    const wanted =
      strategy?.fixed_symbols || !symbol.dirty ? own || symbol.value : symbol.value || own;
    const next = wanted || this.symbols()[0] || '';
    if (next !== symbol.value) {
      symbol.setValue(next); // loads its days
    } else {
      this.loadDays(strategy);
    }
  }

  private loadDays(
    strategy = this.strategies().find((s) => s.id === this.form.controls.strategy.value),
  ): void {
    const symbol = strategy?.fixed_symbols
      ? strategy.default_symbols[0]
      : this.form.controls.symbol.value;
    if (strategy && symbol) {
      const query = { symbol, resolution: strategy.resolution };
      this.daysOf.set(query);
      this.daysQuery.next(query);
    } else {
      this.daysOf.set(null);
      this.days.set([]);
    }
  }

  private daysLoaded(days: string[] | null): void {
    this.days.set(days);
    if (days === null) {
      return;
    }
    const day = this.form.controls.day;
    if (!days.includes(day.value)) {
      day.setValue(days[0] ?? '');
    }
  }

  private runOpened(opened: OpenedRun): void {
    const before = this.opened();
    this.opened.set(opened);
    if (before?.run.id === opened.run.id && before.run.status !== opened.run.status) {
      this.loadRuns(); // it ended: the list shows its status and profit
    }
    const record = asRunRecord(opened.run.result);
    if (record && !record.symbols.includes(this.chartSymbol())) {
      this.chartSymbol.set(firstChartSymbol(record));
    }
  }
}
