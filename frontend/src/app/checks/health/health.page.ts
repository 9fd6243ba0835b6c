import {
  ChangeDetectionStrategy,
  Component,
  Injector,
  afterNextRender,
  computed,
  inject,
  input,
  signal,
} from '@angular/core';
import { ActivatedRoute, Router } from '@angular/router';

import { ApiError, apiErrorFrom } from '../../core/api';
import { ErrorBox } from '../../shared/error-box';
import { HealthCheckCard, HealthCheckChoice } from './health-check-card';
import { HealthCheckList, HealthCheckResult, HealthChecksApi } from './health-checks-api';

const NO_RESULTS: readonly HealthCheckResult[] = [];

/**
 * System Checks → Health checks: every check with its latest result, and running one again.
 * The chosen check (and its symbol and day) is kept in the URL (?check=&symbol=&day=), so a
 * reload shows it again.
 */
@Component({
  selector: 'tc2-health-page',
  imports: [ErrorBox, HealthCheckCard],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Health checks</h1>
    <p class="muted">
      Each check's latest result. The program also runs every check once a night (18:00–06:00 New York);
      checks about one symbol run for each symbol of the settings.
    </p>
    <tc2-error-box [error]="error()" />
    @if (list(); as checks) {
      <div class="checks">
        @for (check of checks.check_types; track check.check_type) {
          <tc2-health-check-card
            [check]="check"
            [results]="resultsOf(check.check_type)"
            [selected]="chosenCheck() === check.check_type"
            [initialSymbol]="chosenCheck() === check.check_type ? (symbol() ?? '') : ''"
            [initialDay]="chosenCheck() === check.check_type ? (day() ?? '') : ''"
            (chosen)="choose($event)"
          />
        }
      </div>
    } @else if (!error()) {
      <p class="muted" role="status">Loading the checks…</p>
    }
  `,
  styles: `
    .checks { display: grid; grid-template-columns: repeat(auto-fill, minmax(26rem, 1fr)); gap: 1rem; align-items: start; }
    @media (max-width: 30rem) { .checks { grid-template-columns: 1fr; } }
  `,
})
export class HealthPage {
  private readonly api = inject(HealthChecksApi);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly injector = inject(Injector);

  /** The URL's ?check= (a check type), ?symbol= and ?day=. */
  readonly check = input<string | undefined>();
  readonly symbol = input<string | undefined>();
  readonly day = input<string | undefined>();

  protected readonly list = signal<HealthCheckList | null>(null);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly chosenCheck = computed(() => (this.check() ?? '').trim().toUpperCase());
  private readonly resultsByCheck = computed(() => {
    const grouped: Partial<Record<string, HealthCheckResult[]>> = {};
    for (const result of this.list()?.results ?? []) {
      (grouped[result.check_type] ??= []).push(result);
    }
    return grouped;
  });

  constructor() {
    this.api.list().subscribe({
      next: (list) => {
        this.list.set(list);
        this.revealChosen();
      },
      error: (caught: unknown) => this.error.set(apiErrorFrom(caught)),
    });
  }

  /** The list's latest results of one check (one per symbol). */
  protected resultsOf(checkType: string): readonly HealthCheckResult[] {
    return this.resultsByCheck()[checkType] ?? NO_RESULTS;
  }

  protected choose(choice: HealthCheckChoice): void {
    void this.router.navigate([], {
      relativeTo: this.route,
      queryParams: { check: choice.check, symbol: choice.symbol || null, day: choice.day || null },
      replaceUrl: true,
    });
  }

  /** Scroll the URL's check into view once the cards are there. */
  private revealChosen(): void {
    const chosen = this.chosenCheck();
    if (!chosen) {
      return;
    }
    afterNextRender(() => document.getElementById(`check-${chosen}`)?.scrollIntoView?.({ block: 'start' }), {
      injector: this.injector,
    });
  }
}
