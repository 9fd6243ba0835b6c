import { Injectable, inject, signal } from '@angular/core';
import { Observable, tap } from 'rxjs';

import { ApiClient, ApiError, Schemas, apiErrorFrom } from '../../core/api';

export type TradingSettings = Schemas['SettingsOutput'];
export type SettingsChanges = Schemas['PatchedSettingsInputRequest'];

/**
 * The Settings page's state: the trading settings as last read or saved. Each section sends its
 * own partial change; the server validates the whole result (422 names every bad field, nothing
 * is saved) and answers with the settings as stored, which every section then shows.
 */
@Injectable()
export class SettingsStore {
  private readonly api = inject(ApiClient);

  readonly settings = signal<TradingSettings | null>(null);
  readonly loadError = signal<ApiError | null>(null);

  load(): void {
    this.loadError.set(null);
    this.api.get('/api/settings').subscribe({
      next: (settings) => this.settings.set(settings),
      error: (failure: unknown) => this.loadError.set(apiErrorFrom(failure)),
    });
  }

  /** PATCH ``changes``; on success the stored settings replace the shown ones. */
  update(changes: SettingsChanges): Observable<TradingSettings> {
    return this.api.patch('/api/settings', changes).pipe(tap((settings) => this.settings.set(settings)));
  }
}

/**
 * One settings section's saving: ``busy`` while its change is out, then the ``saved`` note or the
 * ``error`` (a 422 names the bad fields). Build it in a field initializer (it injects).
 */
export class SettingsSave {
  private readonly store = inject(SettingsStore);

  readonly busy = signal(false);
  readonly error = signal<ApiError | null>(null);
  readonly saved = signal<string | null>(null);

  /** Forget the last note and error. */
  clear(): void {
    this.error.set(null);
    this.saved.set(null);
  }

  /** Send ``changes``; ``note`` says what was saved, then ``done`` runs with the stored settings. */
  save(
    changes: SettingsChanges,
    note: string | ((settings: TradingSettings) => string),
    done: (settings: TradingSettings) => void = () => undefined,
  ): void {
    this.busy.set(true);
    this.clear();
    this.store.update(changes).subscribe({
      next: (settings) => {
        this.busy.set(false);
        this.saved.set(typeof note === 'string' ? note : note(settings));
        done(settings);
      },
      error: (failure: unknown) => {
        this.busy.set(false);
        this.error.set(apiErrorFrom(failure));
      },
    });
  }
}
