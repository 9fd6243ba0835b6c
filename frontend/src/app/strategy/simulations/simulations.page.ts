import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  computed,
  inject,
  input,
  linkedSignal,
  signal,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { EMPTY, Subject, catchError, map, of, startWith, switchMap } from 'rxjs';

import { ApiError, apiErrorFrom } from '../../core/api';
import { Chart } from '../../shared/chart';
import { ErrorBox } from '../../shared/error-box';
import { MetricsTable } from '../metrics-table';
import { checkedBy, describedBy, requiredProblem } from '../../shared/form-rules';
import { RUN_API_FIELDS, runControls, startTimeProblem } from '../run-form';
import { RunHeader } from '../run-header';
import { RunList } from '../run-list';
import { RunPage } from '../run-page';
import { asRunRecord } from '../run-records';
import { RunSettingsFields } from '../run-settings-fields';
import { BarResolution, Bars, StrategyApi, StrategyDescription, StrategyRunDetail } from '../strategy-api';
import {
  firstChartSymbol,
  orderRows,
  simulationChart,
  simulationMetrics,
  timelineRows,
} from './simulation-view';

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
    RunSettingsFields,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './simulations.page.html',
  styleUrl: '../run-page.css',
  styles: `
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

  /** ``?run=<id>``: the run shown. */
  readonly run = input<string | undefined>();
  /** ``?strategy=<id>``: the strategy to start the form with (the Strategies page links here). */
  readonly strategy = input<string | undefined>();

  private readonly formElement = viewChild<ElementRef<HTMLFormElement>>('formElement');

  private readonly common = runControls();
  protected readonly form = new FormGroup({
    ...this.common,
    symbol: new FormControl('', {
      nonNullable: true,
      validators: checkedBy(requiredProblem('choose a symbol')),
    }),
    day: new FormControl('', {
      nonNullable: true,
      validators: checkedBy(requiredProblem('choose a session with bars on file')),
    }),
    startTime: new FormControl('', { nonNullable: true, validators: checkedBy(startTimeProblem) }),
  });
  protected readonly page = new RunPage({
    kind: 'simulate',
    controls: this.common,
    form: this.form,
    apiFields: { ...RUN_API_FIELDS, symbol: 'symbol', day: 'day', startTime: 'start_time' },
    run: this.run,
    strategy: this.strategy,
    formElement: this.formElement,
  });
  protected readonly describedBy = describedBy;

  /** Sessions on file for the chosen symbol at the strategy's resolution, newest first; null while loading. */
  protected readonly days = signal<string[] | null>(null);
  /** Whose sessions the day list shows, at which resolution (a fixed-symbols strategy's own). */
  protected readonly daysOf = signal<{ symbol: string; resolution: BarResolution } | null>(null);
  protected readonly bars = signal<Bars[] | null>(null);
  protected readonly chartError = signal<ApiError | null>(null);

  protected readonly record = computed(() => asRunRecord(this.page.opened()?.run.result));
  /**
   * The symbol charted: a newly opened run opens on the first symbol it traded (LongShort trades
   * one of its two); another of its symbols stays chosen while the same run is open.
   */
  protected readonly chartSymbol = linkedSignal<
    { runId: string | null; record: ReturnType<typeof asRunRecord> },
    string
  >({
    source: () => ({ runId: this.page.opened()?.run.id ?? null, record: this.record() }),
    computation: ({ runId, record }, previous) => {
      if (!record) {
        return previous?.value ?? '';
      }
      const sameRun = previous !== undefined && previous.source.runId === runId;
      return sameRun && record.symbols.includes(previous.value) ? previous.value : firstChartSymbol(record);
    },
  });
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
    this.form.controls.strategy.valueChanges
      .pipe(takeUntilDestroyed())
      .subscribe((id) => this.strategyChosen(this.page.strategyOf(id)));
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
    this.page.load((symbols) => {
      if (!this.form.controls.symbol.value && symbols.length) {
        const own = this.page.chosen()?.default_symbols[0];
        this.form.controls.symbol.setValue(own && symbols.includes(own) ? own : symbols[0]);
      }
    });

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

  protected submit(): void {
    if (!this.page.check()) {
      return;
    }
    const value = this.form.getRawValue();
    this.page.send(
      this.api.simulate({
        ...this.page.commonRequest(),
        symbol: value.symbol,
        day: value.day,
        ...(value.startTime ? { start_time: value.startTime } : {}),
      }),
    );
  }

  protected useSettings(): void {
    this.page.useSettings(
      (run: StrategyRunDetail) => ({
        strategy: run.strategy,
        symbol: run.symbols[0],
        day: run.day,
        params: run.params,
        fill_model: run.fill_model,
      }),
      (request) => {
        const controls = this.form.controls;
        if (typeof request['symbol'] === 'string' && request['symbol'] !== controls.symbol.value) {
          controls.symbol.setValue(request['symbol']);
        }
        if (typeof request['day'] === 'string') {
          controls.day.setValue(request['day']);
        }
        controls.startTime.setValue(
          typeof request['start_time'] === 'string' ? request['start_time'] : '',
        );
      },
    );
  }

  protected chooseChartSymbol(event: Event): void {
    this.chartSymbol.set((event.target as HTMLSelectElement).value);
  }

  private strategyChosen(strategy: StrategyDescription | undefined): void {
    const symbol = this.form.controls.symbol;
    // The strategy's own symbol, unless the user picked one (a fixed-symbols strategy: always).
    const own = strategy?.default_symbols[0];
    const wanted =
      strategy?.fixed_symbols || !symbol.dirty ? own || symbol.value : symbol.value || own;
    const next = wanted || this.page.symbols()[0] || '';
    if (next !== symbol.value) {
      symbol.setValue(next); // loads its days
    } else {
      this.loadDays(strategy);
    }
  }

  private loadDays(strategy = this.page.strategyOf()): void {
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
}
