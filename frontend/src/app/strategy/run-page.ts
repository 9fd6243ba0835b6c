/**
 * What the Simulations and Evaluations pages share: the common fields of the run form (strategy,
 * warm-up, fill model, starting cash, models, the strategy's parameters) and sending it; the
 * strategy and symbol lists; the past runs; the run the URL opens, followed until it ends; and
 * "Use these settings". A page builds one in a field initializer (it injects) with its own form,
 * whose controls start with ``runControls()``, and keeps only what is its own.
 */
import {
  ElementRef,
  Injector,
  Signal,
  computed,
  effect,
  inject,
  signal,
  untracked,
} from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { AbstractControl } from '@angular/forms';
import { Router } from '@angular/router';
import { Observable } from 'rxjs';

import { ApiError, apiErrorFrom } from '../core/api';
import { JobsService } from '../core/jobs.service';
import {
  DEFAULT_STARTING_CASH,
  DEFAULT_WARMUP_DAYS,
  MAX_WARMUP_DAYS,
  ParameterValue,
  ParametersForm,
  RunControls,
  fieldMessages,
  parameterValues,
  parametersForm,
} from './run-form';
import { focusFirstInvalid } from '../shared/form-rules';
import { OpenedRun, followRun } from './run-follower';
import {
  FILL_MODELS,
  FillModel,
  RunKind,
  StrategyApi,
  StrategyDescription,
  StrategyRun,
  StrategyRunDetail,
} from './strategy-api';
import { parameterFields } from './strategy-params';

export interface RunPageOptions {
  /** The runs this page starts and lists. */
  kind: RunKind;
  /** The common controls (``runControls()``), which the page's form holds with its own. */
  controls: RunControls;
  /** The page's whole form, checked before sending. */
  form: AbstractControl;
  /** Each control's API field, as a 422 names it. */
  apiFields: Record<string, string>;
  /** ``?run=<id>``: the run shown. */
  run: Signal<string | undefined>;
  /** ``?strategy=<id>``: the strategy to start the form with (the Strategies page links here). */
  strategy: Signal<string | undefined>;
  /** The ``<form>`` element, for the focus. */
  formElement: Signal<ElementRef<HTMLFormElement> | undefined>;
}

/** The request fields every run request has. */
export interface CommonRunRequest {
  strategy: string;
  params: Record<string, number | boolean>;
  fill_model: FillModel;
  warmup_days: number;
  starting_cash: number;
  model_filters: boolean;
}

export class RunPage {
  private readonly api = inject(StrategyApi);
  private readonly jobs = inject(JobsService);
  private readonly router = inject(Router);
  private readonly injector = inject(Injector);

  readonly fillModels = FILL_MODELS;
  readonly maxWarmupDays = MAX_WARMUP_DAYS;
  readonly controls: RunControls;
  readonly strategies = signal<StrategyDescription[]>([]);
  readonly symbols = signal<string[]>([]);
  readonly params = signal<ParametersForm>(parametersForm([]));
  readonly runs = signal<StrategyRun[]>([]);
  readonly opened = signal<OpenedRun | null>(null);
  readonly runError = signal<ApiError | null>(null);
  readonly busy = signal(false);
  readonly submitted = signal(false);
  readonly error = signal<ApiError | null>(null);
  readonly loadError = signal<ApiError | null>(null);

  private readonly strategyId: Signal<string>;
  readonly chosen = computed(
    () => this.strategies().find((s) => s.id === this.strategyId()) ?? null,
  );
  /** The API fields the form shows next to its inputs (the error box lists the rest). */
  readonly shownFields = computed(() => [
    ...Object.values<string>(this.options.apiFields),
    ...parameterFields(this.chosen()?.parameters ?? []),
  ]);

  constructor(private readonly options: RunPageOptions) {
    this.controls = options.controls;
    this.strategyId = toSignal(this.controls.strategy.valueChanges, { initialValue: '' });
    // First of the listeners: a chosen strategy brings its parameters, then the page's own.
    this.controls.strategy.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe((id) => this.params.set(parametersForm(this.strategyOf(id)?.parameters ?? [])));
    followRun(this.api, this.jobs, options.run, this.opened, this.runError).subscribe((opened) => {
      const before = untracked(this.opened);
      this.opened.set(opened);
      if (before?.run.id === opened.run.id && before.run.status !== opened.run.status) {
        this.loadRuns(); // it ended: the list shows its status and profit
      }
    });
  }

  /**
   * Load the strategies (choosing the URL's, the current or the first), the symbols (handed to
   * ``symbolsLoaded``) and the past runs, and follow a later ``?strategy=``. Call it once the page
   * listens to its form: a loaded list sets the strategy, which sets the rest.
   */
  load(symbolsLoaded: (symbols: string[]) => void): void {
    this.api.strategies().subscribe({
      next: (list) => {
        this.strategies.set(list);
        const wanted = untracked(this.options.strategy);
        const current = this.controls.strategy.value;
        const pick =
          list.find((s) => s.id === wanted) ?? list.find((s) => s.id === current) ?? list[0];
        if (pick) {
          this.controls.strategy.setValue(pick.id);
        }
      },
      error: (e: unknown) => this.loadError.set(apiErrorFrom(e)),
    });
    this.api.symbols().subscribe({
      next: (symbols) => {
        this.symbols.set(symbols);
        symbolsLoaded(symbols);
      },
      error: (e: unknown) => this.loadError.set(apiErrorFrom(e)),
    });
    this.loadRuns();

    // A later ?strategy= (a link from the Strategies page while this page is open).
    effect(
      () => {
        const wanted = this.options.strategy();
        if (
          wanted &&
          this.strategies().some((s) => s.id === wanted) &&
          untracked(() => this.controls.strategy.value) !== wanted
        ) {
          this.controls.strategy.setValue(wanted);
        }
      },
      { injector: this.injector },
    );
  }

  /** The strategy with this id, or the chosen one. */
  strategyOf(id = this.controls.strategy.value): StrategyDescription | undefined {
    return this.strategies().find((s) => s.id === id);
  }

  /** The messages beside one control: the form's own and the server's. */
  messages(name: string): string[] {
    return fieldMessages(
      this.options.form.get(name),
      this.options.apiFields[name] ?? name,
      this.error(),
      this.submitted(),
    );
  }

  loadRuns(): void {
    this.api.runs(this.options.kind).subscribe({
      next: (runs) => this.runs.set(runs),
      error: (e: unknown) => this.loadError.set(apiErrorFrom(e)),
    });
  }

  /**
   * Show every problem; true when the form may be sent, else the focus goes to the first bad
   * input.
   */
  check(): boolean {
    this.submitted.set(true);
    this.options.form.markAllAsTouched();
    this.params().markAllAsTouched();
    if (this.options.form.invalid || this.params().invalid) {
      this.focusFirstInvalid();
      return false;
    }
    return true;
  }

  /** What every run request carries, from the common controls and the parameters. */
  commonRequest(): CommonRunRequest {
    const c = this.controls;
    return {
      strategy: c.strategy.value,
      params: parameterValues(this.params()),
      fill_model: c.fillModel.value,
      warmup_days: c.warmupDays.value ?? DEFAULT_WARMUP_DAYS,
      starting_cash: c.startingCash.value ?? DEFAULT_STARTING_CASH,
      model_filters: c.modelFilters.value,
    };
  }

  /** Send a checked request; the new run goes first in the list and into the URL. */
  send(request: Observable<StrategyRun>): void {
    this.busy.set(true);
    this.error.set(null);
    request.subscribe({
      next: (run) => {
        this.busy.set(false);
        this.submitted.set(false);
        this.runs.update((runs) => [run, ...runs.filter((r) => r.id !== run.id)]);
        void this.router.navigate([], { queryParams: { run: run.id } });
      },
      error: (e: unknown) => {
        this.busy.set(false);
        const error = apiErrorFrom(e);
        this.error.set(error);
        // 409: the same run is still queued or running; open it rather than leave the user guessing.
        const running = error.status === 409 ? this.runs().find((r) => r.job_id === error.details['job_id']) : undefined;
        if (running) {
          void this.router.navigate([], { queryParams: { run: running.id } });
          return;
        }
        this.focusFirstInvalid();
      },
    });
  }

  cancel(jobId: string): void {
    this.jobs
      .cancel(jobId)
      .subscribe({ error: (e: unknown) => this.runError.set(apiErrorFrom(e)) });
  }

  /**
   * Fill the form with the open run's request, from its job, which kept all of it (else what the
   * run itself says, ``fallback``). ``applyOwn`` sets the page's own fields.
   */
  useSettings(
    fallback: (run: StrategyRunDetail) => Record<string, unknown>,
    applyOwn: (request: Record<string, unknown>) => void,
  ): void {
    const opened = this.opened();
    if (!opened) {
      return;
    }
    const { run } = opened;
    this.jobs.get(run.job_id).subscribe({
      next: (job) => this.applyRequest(job.params, applyOwn),
      error: () => this.applyRequest(fallback(run), applyOwn),
    });
  }

  private applyRequest(
    request: Record<string, unknown>,
    applyOwn: (request: Record<string, unknown>) => void,
  ): void {
    const c = this.controls;
    const strategy = request['strategy'];
    // Only a change: choosing a strategy again would reset its parameters and reload the days.
    if (
      typeof strategy === 'string' &&
      strategy !== c.strategy.value &&
      this.strategies().some((s) => s.id === strategy)
    ) {
      c.strategy.setValue(strategy);
    }
    const params = (request['params'] ?? {}) as Record<string, unknown>;
    for (const [name, value] of Object.entries(params)) {
      this.params().controls[name]?.setValue(value as ParameterValue);
    }
    applyOwn(request);
    if (typeof request['warmup_days'] === 'number') {
      c.warmupDays.setValue(request['warmup_days']);
    }
    if (FILL_MODELS.includes(request['fill_model'] as FillModel)) {
      c.fillModel.setValue(request['fill_model'] as FillModel);
    }
    if (typeof request['starting_cash'] === 'number') {
      c.startingCash.setValue(request['starting_cash']);
    }
    if (typeof request['model_filters'] === 'boolean') {
      c.modelFilters.setValue(request['model_filters']);
    }
    this.error.set(null);
    this.submitted.set(false);
    const form = this.options.formElement()?.nativeElement;
    form?.scrollIntoView?.({ block: 'start' });
    form?.querySelector<HTMLElement>('select, input')?.focus({ preventScroll: true });
  }

  private focusFirstInvalid(): void {
    focusFirstInvalid(() => this.options.formElement()?.nativeElement, this.injector);
  }
}
