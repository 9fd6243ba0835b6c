import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  computed,
  effect,
  inject,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { AbstractControl, FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';

import { ApiClient } from '../../core/api';
import { ErrorBox } from '../../shared/error-box';
import {
  checkedBy,
  controlProblem,
  fieldMessagesUnder,
  fieldNamesUnder,
  requiredProblem,
} from '../../shared/form-rules';
import { SettingsSave, SettingsStore } from './settings-store';
import { fmt } from '../../shared/format';

/** The engine's rule for strategy ids (tc2/env/trading_settings.py STRATEGY_ID_PATTERN). */
export const STRATEGY_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** A fraction of equity (0.2) as the percent a person types (20), without float noise. */
export function toPercent(fraction: number): number {
  return Math.round(fraction * 100 * 1e6) / 1e6;
}

function fromPercent(percent: number): number {
  return Math.round(percent * 1e4) / 1e6;
}

function blank(value: unknown): boolean {
  return value === null || value === undefined || value === '';
}

function percentProblem(value: unknown): string {
  return blank(value) || (typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= 100)
    ? ''
    : 'Enter a percentage above 0 and at most 100.';
}

function dollarProblem(value: unknown): string {
  return blank(value) || (typeof value === 'number' && Number.isFinite(value) && value > 0)
    ? ''
    : 'Enter a dollar amount above 0.';
}

function strategyIdProblem(value: unknown): string {
  const id = String(value ?? '').trim();
  if (id === '') {
    return 'Choose a strategy.';
  }
  return STRATEGY_ID_PATTERN.test(id) ? '' : 'A strategy id is a letter, then letters, digits or _.';
}

interface StrategyLimitRow {
  id: string;
  pct: number;
  usd: number;
  overridden: { pct: boolean; usd: boolean };
}

/**
 * How much one strategy may spend on one entry: the default (a percentage of equity and a dollar
 * cap, the smaller applies) and per-strategy overrides. Every known strategy is listed with the
 * limit that applies to it; an override can be set, edited and removed.
 */
@Component({
  selector: 'tc2-purchase-limits',
  imports: [ReactiveFormsModule, ErrorBox],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-labelledby="limits-title">
      <h2 id="limits-title">Maximum purchase per strategy</h2>
      <p class="muted">One entry of one strategy spends at most the smaller of: this share of account equity, and this many dollars.</p>

      <form [formGroup]="defaults" (ngSubmit)="saveDefaults()" novalidate aria-label="Default limits">
        <h3>Default for every strategy</h3>
        <div class="row">
          <div>
            <label for="default-pct">Max % of equity</label>
            <input id="default-pct" type="number" inputmode="decimal" min="0" max="100" step="any" formControlName="pct"
                   [attr.aria-invalid]="showDefaults() && !!problem(defaults.controls.pct)" aria-describedby="default-pct-error" />
          </div>
          <div>
            <label for="default-usd">Max dollars</label>
            <input id="default-usd" type="number" inputmode="decimal" min="0" step="any" formControlName="usd"
                   [attr.aria-invalid]="showDefaults() && !!problem(defaults.controls.usd)" aria-describedby="default-usd-error" />
          </div>
          <button type="submit" [disabled]="saving.busy()">Save default limits</button>
        </div>
        <div id="default-pct-error">
          @if (showDefaults() && problem(defaults.controls.pct); as message) {
            <p class="field-error" role="alert">Max % of equity: {{ message }}</p>
          }
          @for (message of serverMessages('max_purchase_pct'); track $index) {
            <p class="field-error" role="alert">Max % of equity: {{ message }}</p>
          }
        </div>
        <div id="default-usd-error">
          @if (showDefaults() && problem(defaults.controls.usd); as message) {
            <p class="field-error" role="alert">Max dollars: {{ message }}</p>
          }
          @for (message of serverMessages('max_purchase_usd'); track $index) {
            <p class="field-error" role="alert">Max dollars: {{ message }}</p>
          }
        </div>
      </form>

      <h3>Per strategy</h3>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Strategy</th>
              <th scope="col" class="num">Max % of equity</th>
              <th scope="col" class="num">Max dollars</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            @for (row of rows(); track row.id) {
              <tr>
                <th scope="row" class="mono">{{ row.id }}</th>
                <td class="num">{{ fmt.percentPoints(row.pct) }} <span class="muted small">{{ row.overridden.pct ? 'override' : 'default' }}</span></td>
                <td class="num">{{ fmt.money(row.usd) }} <span class="muted small">{{ row.overridden.usd ? 'override' : 'default' }}</span></td>
                <td class="actions">
                  <button type="button" class="secondary" [attr.aria-label]="'Edit the limits of ' + row.id" (click)="edit(row.id)">Edit</button>
                  @if (row.overridden.pct || row.overridden.usd) {
                    <button type="button" class="secondary" [attr.aria-label]="'Remove the override of ' + row.id" [disabled]="saving.busy()"
                            (click)="removeOverride(row.id)">Remove override</button>
                  }
                </td>
              </tr>
            } @empty {
              <tr><td colspan="4" class="muted">No strategies known yet.</td></tr>
            }
          </tbody>
        </table>
      </div>

      <form [formGroup]="override" (ngSubmit)="saveOverride()" novalidate aria-label="Strategy override">
        <h3>Set a strategy's override</h3>
        <p class="muted small">Leave a limit empty to use the default for it.</p>
        <div class="row">
          <div>
            <label for="override-strategy">Strategy</label>
            <input id="override-strategy" list="strategy-ids" autocomplete="off" spellcheck="false" formControlName="strategy"
                   [attr.aria-invalid]="showOverride() && !!problem(override.controls.strategy)" aria-describedby="override-errors" />
            <datalist id="strategy-ids">
              @for (id of strategyIds(); track id) {
                <option [value]="id"></option>
              }
            </datalist>
          </div>
          <div>
            <label for="override-pct">Max % of equity</label>
            <input #overridePct id="override-pct" type="number" inputmode="decimal" min="0" max="100" step="any" formControlName="pct"
                   [attr.aria-invalid]="showOverride() && !!problem(override.controls.pct)" aria-describedby="override-errors" />
          </div>
          <div>
            <label for="override-usd">Max dollars</label>
            <input id="override-usd" type="number" inputmode="decimal" min="0" step="any" formControlName="usd"
                   [attr.aria-invalid]="showOverride() && !!problem(override.controls.usd)" aria-describedby="override-errors" />
          </div>
          <button type="submit" [disabled]="saving.busy()">Save override</button>
        </div>
        <div id="override-errors">
          @if (showOverride()) {
            @for (message of overrideProblems(); track $index) {
              <p class="field-error" role="alert">{{ message }}</p>
            }
          }
          @for (message of serverMessages('strategy_limits'); track $index) {
            <p class="field-error" role="alert">{{ message }}</p>
          }
        </div>
      </form>

      <tc2-error-box [error]="saving.error()" [shownFields]="shownFields()" />
      @if (saving.saved(); as note) {
        <p role="status">{{ note }}</p>
      }
    </section>
  `,
  styles: `
    .table-wrap { overflow-x: auto; margin-bottom: 0.5rem; }
    th[scope='row'] { color: var(--text); }
    .actions { display: flex; gap: 0.4rem; flex-wrap: wrap; }
    .actions button { padding: 0.25rem 0.6rem; }
    input[type='number'] { width: 9rem; }
  `,
})
export class PurchaseLimits {
  protected readonly fmt = fmt;
  private readonly store = inject(SettingsStore);
  private readonly api = inject(ApiClient);

  protected readonly defaults = new FormGroup({
    pct: new FormControl<number | null>(null, [checkedBy(requiredProblem('Enter a percentage.')), checkedBy(percentProblem)]),
    usd: new FormControl<number | null>(null, [checkedBy(requiredProblem('Enter a dollar amount.')), checkedBy(dollarProblem)]),
  });
  protected readonly override = new FormGroup({
    strategy: new FormControl('', { nonNullable: true, validators: [checkedBy(strategyIdProblem)] }),
    pct: new FormControl<number | null>(null, [checkedBy(percentProblem)]),
    usd: new FormControl<number | null>(null, [checkedBy(dollarProblem)]),
  });
  protected readonly showDefaults = signal(false);
  protected readonly showOverride = signal(false);
  protected readonly saving = new SettingsSave();
  protected readonly strategyIds = signal<string[]>([]);
  private readonly overridePct = viewChild.required<ElementRef<HTMLInputElement>>('overridePct');
  protected readonly shownFields = computed(() => [
    ...fieldNamesUnder(this.saving.error(), 'max_purchase_pct'),
    ...fieldNamesUnder(this.saving.error(), 'max_purchase_usd'),
    ...fieldNamesUnder(this.saving.error(), 'strategy_limits'),
  ]);

  /** Every known strategy and every overridden one, with the limits that apply to it. */
  protected readonly rows = computed<StrategyLimitRow[]>(() => {
    const settings = this.store.settings();
    if (!settings) {
      return [];
    }
    const overrides = settings.strategy_limits ?? {};
    const ids = [...new Set([...this.strategyIds(), ...Object.keys(overrides)])].sort();
    return ids.map((id) => {
      const own = overrides[id] ?? {};
      return {
        id,
        pct: toPercent(own.max_purchase_pct ?? settings.max_purchase_pct ?? 0),
        usd: own.max_purchase_usd ?? settings.max_purchase_usd ?? 0,
        overridden: { pct: own.max_purchase_pct != null, usd: own.max_purchase_usd != null },
      };
    });
  });

  constructor() {
    this.api.get('/api/strategy/list').subscribe({
      next: (list) => this.strategyIds.set(list.strategies.map((strategy) => strategy.id)),
      // Without the list the overrides still show; the id is typed instead of picked.
      error: () => undefined,
    });
    // Show the stored defaults, unless the user is in the middle of changing them.
    effect(() => {
      const settings = this.store.settings();
      untracked(() => {
        if (settings && this.defaults.pristine) {
          this.resetDefaults();
        }
      });
    });
  }

  protected problem(control: AbstractControl): string | null {
    return controlProblem(control);
  }

  protected serverMessages(prefix: string): string[] {
    return fieldMessagesUnder(this.saving.error(), prefix);
  }

  protected overrideProblems(): string[] {
    const controls = this.override.controls;
    const problems = [
      ...[controlProblem(controls.strategy)].map((m) => m && `Strategy: ${m}`),
      ...[controlProblem(controls.pct)].map((m) => m && `Max % of equity: ${m}`),
      ...[controlProblem(controls.usd)].map((m) => m && `Max dollars: ${m}`),
    ].filter((m): m is string => m !== null);
    if (controls.pct.value === null && controls.usd.value === null) {
      problems.push('Enter a max % of equity, max dollars, or both.');
    }
    return problems;
  }

  protected edit(id: string): void {
    const own = this.store.settings()?.strategy_limits?.[id] ?? {};
    this.override.setValue({
      strategy: id,
      pct: own.max_purchase_pct != null ? toPercent(own.max_purchase_pct) : null,
      usd: own.max_purchase_usd ?? null,
    });
    this.showOverride.set(false);
    this.overridePct().nativeElement.focus();
  }

  protected saveDefaults(): void {
    this.showDefaults.set(true);
    if (this.defaults.invalid) {
      return;
    }
    const { pct, usd } = this.defaults.getRawValue();
    this.saving.save(
      { max_purchase_pct: fromPercent(pct!), max_purchase_usd: usd! },
      'Saved the default limits.',
      () => {
        this.showDefaults.set(false);
        this.resetDefaults();
      },
    );
  }

  protected saveOverride(): void {
    this.showOverride.set(true);
    if (this.overrideProblems().length) {
      return;
    }
    const { strategy, pct, usd } = this.override.getRawValue();
    const id = strategy.trim();
    const limits: { max_purchase_pct?: number; max_purchase_usd?: number } = {};
    if (pct !== null) {
      limits.max_purchase_pct = fromPercent(pct);
    }
    if (usd !== null) {
      limits.max_purchase_usd = usd;
    }
    this.saving.save({ strategy_limits: { [id]: limits } }, `Saved the override of ${id}.`, () => {
      this.showOverride.set(false);
      this.override.reset({ strategy: '', pct: null, usd: null });
    });
  }

  protected removeOverride(id: string): void {
    this.saving.save({ strategy_limits: { [id]: null } }, `Removed the override of ${id}; it uses the defaults.`);
  }

  private resetDefaults(): void {
    const settings = this.store.settings();
    this.defaults.reset({
      pct: settings?.max_purchase_pct != null ? toPercent(settings.max_purchase_pct) : null,
      usd: settings?.max_purchase_usd ?? null,
    });
  }
}
