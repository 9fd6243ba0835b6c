import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';

import { ErrorBox } from '../../shared/error-box';
import { TICKER_RULE, fieldMessagesUnder, fieldNamesUnder, parseTickers } from '../../shared/form-rules';
import { SettingsSave, SettingsStore } from './settings-store';

/** The engine's limit (tc2/env/trading_settings.py MAX_SYMBOLS). */
export const MAX_SYMBOLS = 500;

/** The symbol universe: the list with a remove button per symbol, and a checked add form. */
@Component({
  selector: 'tc2-symbol-universe',
  imports: [ReactiveFormsModule, ErrorBox],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-labelledby="universe-title">
      <h2 id="universe-title">Symbol universe <span class="muted">({{ symbols().length }})</span></h2>
      <p class="muted">The symbols TC2 collects data for and strategies may trade.</p>
      <ul class="chips" aria-label="Symbols in the universe">
        @for (symbol of symbols(); track symbol) {
          <li class="chip">
            <span class="mono">{{ symbol }}</span>
            <button type="button" class="secondary" [attr.aria-label]="'Remove ' + symbol" [disabled]="saving.busy()"
                    (click)="remove(symbol)">Remove</button>
          </li>
        }
      </ul>
      <form [formGroup]="form" (ngSubmit)="add()" novalidate>
        <label for="new-symbols">Add symbols</label>
        <div class="row">
          <input id="new-symbols" formControlName="symbols" autocomplete="off" spellcheck="false" autocapitalize="characters"
                 placeholder="e.g. NVDA, or NVDA, AMD" [attr.aria-invalid]="problems().length > 0"
                 aria-describedby="new-symbols-help new-symbols-errors" />
          <button type="submit" [disabled]="saving.busy()">Add</button>
        </div>
        <p id="new-symbols-help" class="muted small">{{ rule }}; separate several with commas.</p>
        <div id="new-symbols-errors">
          @for (problem of problems(); track $index) {
            <p class="field-error" role="alert">{{ problem }}</p>
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
    .chips { list-style: none; padding: 0; margin: 0 0 1rem; display: flex; flex-wrap: wrap; gap: 0.5rem; }
    .chip { display: inline-flex; align-items: center; gap: 0.4rem; border: 1px solid var(--line);
      border-radius: 999px; padding: 0.15rem 0.25rem 0.15rem 0.7rem; }
    .chip button { padding: 0.15rem 0.5rem; border-radius: 999px; font-size: 0.85em; }
    #new-symbols { min-width: 16rem; }
  `,
})
export class SymbolUniverse {
  private readonly store = inject(SettingsStore);

  protected readonly rule = TICKER_RULE;
  protected readonly form = new FormGroup({ symbols: new FormControl('', { nonNullable: true }) });
  protected readonly symbols = computed(() => this.store.settings()?.symbols ?? []);
  /** Problems found before sending (nothing was sent) and the server's messages on symbols. */
  private readonly localProblems = signal<string[]>([]);
  protected readonly saving = new SettingsSave();
  protected readonly problems = computed(() => [
    ...this.localProblems(),
    ...fieldMessagesUnder(this.saving.error(), 'symbols'),
  ]);
  protected readonly shownFields = computed(() => fieldNamesUnder(this.saving.error(), 'symbols'));

  constructor() {
    this.form.controls.symbols.valueChanges.pipe(takeUntilDestroyed()).subscribe(() => this.localProblems.set([]));
  }

  protected add(): void {
    const current = this.symbols();
    const { symbols, problems } = parseTickers(this.form.controls.symbols.value);
    const fresh = symbols.filter((symbol) => !current.includes(symbol));
    for (const symbol of symbols.filter((s) => current.includes(s))) {
      problems.push(`${symbol} is already in the universe.`);
    }
    if (!symbols.length && !problems.length) {
      problems.push('Type a ticker to add, e.g. NVDA.');
    }
    if (current.length + fresh.length > MAX_SYMBOLS) {
      problems.push(`The universe holds at most ${MAX_SYMBOLS} symbols; it has ${current.length}.`);
    }
    this.saving.clear();
    this.localProblems.set(problems);
    if (problems.length) {
      return;
    }
    this.saving.save(
      { symbols: [...current, ...fresh] },
      `Added ${fresh.join(', ')}; collecting ${fresh.length === 1 ? 'its' : 'their'} history now.`,
      () => this.form.reset(),
    );
  }

  protected remove(symbol: string): void {
    const remaining = this.symbols().filter((s) => s !== symbol);
    this.saving.clear();
    if (!remaining.length) {
      this.localProblems.set([`${symbol} is the last symbol; the universe needs at least one.`]);
      return;
    }
    this.localProblems.set([]);
    this.saving.save({ symbols: remaining }, `Removed ${symbol}.`);
  }
}
