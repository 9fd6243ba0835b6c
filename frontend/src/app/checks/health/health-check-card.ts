import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  Injector,
  OnInit,
  computed,
  inject,
  input,
  output,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { Subscription } from 'rxjs';

import { ApiError, Job, apiErrorFrom } from '../../core/api';
import { ErrorBox } from '../../shared/error-box';
import { JobProgress } from '../../shared/job-progress';
import { JobRun } from '../../shared/job-run';
import { FieldErrors, checkSymbol, describedBy, focusFirstInvalid, messagesFor } from '../../shared/form-rules';
import { figureName, figureText } from '../figures';
import { healthCheckRequest } from './health-check-request';
import { HealthCheckResult, HealthCheckType, HealthChecksApi } from './health-checks-api';
import { fmt } from '../../shared/format';

/** What a card asks the page to keep in the URL: the check and the symbol and day it shows. */
export interface HealthCheckChoice {
  check: string;
  symbol: string;
  day: string;
}

type ResultState = 'loading' | 'shown' | 'never' | 'unavailable';

/**
 * One health check: its latest result (status, messages, figures) for the chosen symbol, and
 * running it again as a job whose progress shows until it ends and the new result replaces the old.
 */
@Component({
  selector: 'tc2-health-check-card',
  imports: [ReactiveFormsModule, ErrorBox, JobProgress],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card check" [class.selected]="selected()" [id]="'check-' + name()" [attr.aria-label]="name()">
      <div class="check-head">
        <h2>{{ name() }}</h2>
        @switch (state()) {
          @case ('loading') {
            <span class="badge">loading…</span>
          }
          @case ('never') {
            <span class="badge never">never run</span>
          }
          @case ('shown') {
            @if (result(); as r) {
              <span class="badge" [class]="'badge status-' + r.status">{{ r.status }}</span>
            }
          }
        }
      </div>
      <p class="muted small">{{ check().description }}</p>

      <form [formGroup]="form" (ngSubmit)="run()" novalidate>
        <div class="row">
          @if (check().takes_symbol) {
            <div>
              <label [for]="ids().symbol">Symbol</label>
              <input
                [id]="ids().symbol"
                formControlName="symbol"
                size="9"
                autocomplete="off"
                spellcheck="false"
                placeholder="settings' first"
                (change)="showSymbol()"
                [attr.aria-invalid]="symbolMessages().length > 0"
                [attr.aria-describedby]="describedBy(ids().symbol, symbolMessages(), false)"
              />
            </div>
          }
          @if (check().takes_day) {
            <div>
              <label [for]="ids().day">Day (default: the last on file)</label>
              <input
                [id]="ids().day"
                type="date"
                formControlName="day"
                [attr.aria-invalid]="dayMessages().length > 0"
                [attr.aria-describedby]="describedBy(ids().day, dayMessages(), false)"
              />
            </div>
          }
          <button type="submit" [disabled]="checkRun.busy()">{{ runLabel() }}</button>
        </div>
        @if (symbolMessages().length) {
          <p class="field-error" [id]="ids().symbol + '-error'">Symbol: {{ symbolMessages().join(' ') }}</p>
        }
        @if (dayMessages().length) {
          <p class="field-error" [id]="ids().day + '-error'">Day: {{ dayMessages().join(' ') }}</p>
        }
      </form>
      @if (checkRun.note(); as note) {
        <p class="notice" role="status">{{ note }}</p>
      }
      <tc2-error-box [error]="error()" [shownFields]="shownFields()" />
      <tc2-job-progress [job]="checkRun.job()" />

      @if (state() === 'shown' && result(); as r) {
        <dl class="facts">
          @if (r.symbol) {
            <dt>Symbol</dt>
            <dd>{{ r.symbol }}</dd>
          }
          @if (r.params['day_date']) {
            <dt>Day</dt>
            <dd>{{ r.params['day_date'] }}</dd>
          }
          <dt>Last run</dt>
          <dd>{{ fmt.marketDateTime(r.last_updated) }}</dd>
          <dt>Took</dt>
          <dd>{{ fmt.duration(r.duration_s) }}</dd>
        </dl>
        @if (r.debug_messages.length) {
          <h3>Messages</h3>
          <ul class="messages">
            @for (message of r.debug_messages; track $index) {
              <li>{{ message }}</li>
            }
          </ul>
        }
        @if (figures().length) {
          <div role="group" [attr.aria-label]="name() + ' figures'">
            <h3>Figures</h3>
            <dl class="facts figures">
              @for (figure of figures(); track figure.name) {
                <dt>{{ figure.name }}</dt>
                <dd class="num">{{ figure.value }}</dd>
              }
            </dl>
          </div>
        }
      } @else if (state() === 'never') {
        <p class="muted">{{ name() }} has never run{{ shownSymbol() ? ' for ' + shownSymbol() : '' }}.</p>
      }

      @if (otherSymbols().length) {
        <div class="others" role="group" [attr.aria-label]="name() + ': other symbols'">
          <span class="muted small">Other symbols:</span>
          @for (other of otherSymbols(); track other.symbol) {
            <button type="button" class="secondary small" (click)="showResultOf(other.symbol)">
              {{ other.symbol }} <span class="badge" [class]="'badge status-' + other.status">{{ other.status }}</span>
            </button>
          }
        </div>
      }
    </section>
  `,
  styles: `
    .check { margin: 0; }
    .check.selected { border-color: var(--accent); box-shadow: 0 0 0 1px var(--accent); }
    .check-head { display: flex; align-items: center; justify-content: space-between; gap: 0.5rem; }
    .check-head h2 { margin: 0; }
    .badge.never { background: transparent; border: 1px dashed var(--muted); color: var(--muted); }
    .messages { margin: 0; padding-left: 1.2rem; max-height: 14rem; overflow: auto; }
    .messages li { margin: 0.15rem 0; overflow-wrap: anywhere; }
    .figures dd { text-align: left; }
    .others { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; margin-top: 0.75rem; }
    .others button { padding: 0.2rem 0.5rem; }
    form { margin-bottom: 0.25rem; }
  `,
})
export class HealthCheckCard implements OnInit {
  protected readonly fmt = fmt;
  private readonly api = inject(HealthChecksApi);
  private readonly destroyRef = inject(DestroyRef);
  private readonly injector = inject(Injector);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  readonly check = input.required<HealthCheckType>();
  /** The latest results of this check the page's list gave (one per symbol). */
  readonly results = input<readonly HealthCheckResult[]>([]);
  readonly selected = input(false);
  /** The symbol and day to start with (the URL's, when this check is the chosen one); read once. */
  readonly initialSymbol = input('');
  readonly initialDay = input('');
  readonly chosen = output<HealthCheckChoice>();

  protected readonly form = new FormGroup({
    symbol: new FormControl('', { nonNullable: true }),
    day: new FormControl('', { nonNullable: true }),
  });
  protected readonly name = computed(() => this.check().check_type);
  protected readonly state = signal<ResultState>('loading');
  protected readonly result = signal<HealthCheckResult | null>(null);
  protected readonly shownSymbol = signal('');
  protected readonly known = signal<readonly HealthCheckResult[]>([]);
  /** Running the check again: its job until the new result is in. */
  protected readonly checkRun = new JobRun({
    finished: (job: Job) => {
      if (job.status === 'succeeded') {
        const symbol = job.params['symbol'];
        this.load(typeof symbol === 'string' ? symbol : this.form.controls.symbol.value);
      }
    },
    failed: () => this.focusFirstInvalid(),
  });
  /** Reading the latest result failed. */
  private readonly loadError = signal<ApiError | null>(null);
  protected readonly error = computed(() => this.checkRun.error() ?? this.loadError());
  protected readonly clientErrors = signal<FieldErrors>({});
  protected readonly runLabel = computed(() => `Run ${this.name()}${this.state() === 'never' ? '' : ' again'}`);
  protected readonly figures = computed(() =>
    Object.entries(this.result()?.figures ?? {}).map(([name, value]) => ({ name: figureName(name), value: figureText(value, name) })),
  );
  protected readonly otherSymbols = computed(() =>
    this.check().takes_symbol ? this.known().filter((r) => r.symbol && r.symbol !== this.shownSymbol()) : [],
  );
  protected readonly symbolMessages = computed(() => messagesFor('symbol', this.clientErrors(), this.error()));
  protected readonly dayMessages = computed(() => messagesFor('day_date', this.clientErrors(), this.error()));
  protected readonly shownFields = computed(() => [
    ...(this.check().takes_symbol ? ['symbol'] : []),
    ...(this.check().takes_day ? ['day_date'] : []),
  ]);

  protected readonly describedBy = describedBy;
  protected readonly ids = computed(() => ({
    symbol: `health-${this.name()}-symbol`,
    day: `health-${this.name()}-day`,
  }));
  private loading: Subscription | null = null;

  ngOnInit(): void {
    this.known.set(this.results());
    this.form.setValue({ symbol: this.initialSymbol(), day: this.initialDay() });
    this.showSymbol(false);
  }

  /** Show the latest result for the symbol in the form (after checking it). */
  protected showSymbol(chosenByUser = true): void {
    const errors: FieldErrors = {};
    const symbol = this.check().takes_symbol ? checkSymbol(this.form.controls.symbol.value, 'symbol', errors, false) : '';
    this.clientErrors.set(errors);
    this.loadError.set(null);
    this.checkRun.error.set(null);
    if (errors['symbol']) {
      this.state.set('unavailable');
      this.result.set(null);
      return;
    }
    this.form.controls.symbol.setValue(symbol);
    if (chosenByUser) {
      this.chosen.emit({ check: this.name(), symbol, day: this.form.controls.day.value });
    }
    this.load(symbol);
  }

  protected showResultOf(symbol: string): void {
    this.form.controls.symbol.setValue(symbol);
    this.showSymbol();
  }

  /** Check the form, start the check, and follow its job until the new result is in. */
  protected run(): void {
    const { request, errors } = healthCheckRequest(this.check(), this.form.getRawValue());
    this.clientErrors.set(errors);
    this.loadError.set(null);
    this.checkRun.clear();
    if (Object.keys(errors).length) {
      this.focusFirstInvalid();
      return;
    }
    if (request.symbol) {
      this.form.controls.symbol.setValue(request.symbol);
    }
    this.chosen.emit({ check: this.name(), symbol: request.symbol ?? '', day: request.day_date ?? '' });
    // The same check already queued or running is followed instead: its result is the one wanted.
    this.checkRun.submit(this.api.perform(request));
  }

  private load(symbol: string): void {
    this.loading?.unsubscribe();
    this.state.set('loading');
    this.loading = this.api
      .latest(this.name(), symbol)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (result) => {
          this.result.set(result);
          this.state.set(result ? 'shown' : 'never');
          this.shownSymbol.set(result?.symbol || symbol);
          if (result) {
            this.known.update((known) => [...known.filter((r) => r.symbol !== result.symbol), result]);
            if (!this.form.controls.symbol.value && result.symbol) {
              this.form.controls.symbol.setValue(result.symbol);
            }
          }
        },
        error: (caught: unknown) => {
          this.result.set(null);
          this.state.set('unavailable');
          this.loadError.set(apiErrorFrom(caught));
        },
      });
  }

  private focusFirstInvalid(): void {
    focusFirstInvalid(() => this.host.nativeElement, this.injector);
  }
}
