import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { Observable, Subscription, switchMap, take, takeWhile, tap, timer } from 'rxjs';

import { ApiClient, ApiError, Job, Schemas, apiErrorFrom } from '../../core/api';

export type TradingSettings = Schemas['SettingsOutput'];
export type SettingsChanges = Schemas['PatchedSettingsInputRequest'];
export type SettingsDelivery = Schemas['SettingsDelivery'];

/** How often, and how long, the page asks whether a change has reached the program. */
export const DELIVERY_POLL_MS = 1_000;
export const DELIVERY_POLL_LIMIT = 30;

/**
 * The Settings page's state: the trading settings as last read or saved. Each section sends its
 * own partial change; the server validates the whole result (422 names every bad field, nothing
 * is saved) and answers with the settings as stored, which every section then shows.
 */
@Injectable()
export class SettingsStore {
  private readonly api = inject(ApiClient);
  private readonly destroyRef = inject(DestroyRef);
  private watching: Subscription | null = null;

  readonly settings = signal<TradingSettings | null>(null);
  readonly loadError = signal<ApiError | null>(null);
  /** The jobs collecting the history of the symbols the last change added. */
  readonly historyJobs = signal<Job[]>([]);

  constructor() {
    this.destroyRef.onDestroy(() => this.watching?.unsubscribe());
  }

  load(): void {
    this.loadError.set(null);
    this.api.get('/api/settings').subscribe({
      next: (settings) => this.show(settings),
      error: (failure: unknown) => this.loadError.set(apiErrorFrom(failure)),
    });
  }

  /**
   * PATCH ``changes``; on success the stored settings replace the shown ones, and the page
   * follows the change until the running program has applied it.
   */
  update(changes: SettingsChanges): Observable<TradingSettings> {
    return this.api.patch('/api/settings', changes).pipe(
      tap((update) => {
        if (update.history_jobs?.length) {
          this.historyJobs.set(update.history_jobs);
        }
        this.show(update);
      }),
    );
  }

  private show(settings: TradingSettings): void {
    this.settings.set(settings);
    this.watching?.unsubscribe();
    if (settings.delivery.state !== 'pending') {
      return;
    }
    // Components look for a new version every few seconds; ask until one of them is late.
    this.watching = timer(DELIVERY_POLL_MS, DELIVERY_POLL_MS)
      .pipe(
        take(DELIVERY_POLL_LIMIT),
        switchMap(() => this.api.get('/api/settings')),
        takeWhile((latest) => latest.delivery.state === 'pending', true),
      )
      .subscribe({ next: (latest) => this.settings.set(latest), error: () => undefined });
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

  /**
   * Send ``changes``; ``note`` says what was saved, then ``done`` runs with the stored settings
   * (or ``failed`` after a refusal).
   */
  save(
    changes: SettingsChanges,
    note: string | ((settings: TradingSettings) => string),
    done: (settings: TradingSettings) => void = () => undefined,
    failed: () => void = () => undefined,
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
        failed();
      },
    });
  }
}
