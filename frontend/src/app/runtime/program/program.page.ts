import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { EMPTY, catchError, exhaustMap, timer } from 'rxjs';

import { ApiClient, ApiError, Schemas, apiErrorFrom } from '../../core/api';
import { CurrentUser } from '../../core/current-user';
import { ErrorBox } from '../../shared/error-box';
import { StaffOnly } from '../../shared/staff-only';
import { ConfirmStep } from '../confirm-step';
import { formatDuration } from './durations';
import { fmt } from '../../shared/format';

/** How often the program's status is read (it publishes every 2 s). */
export const PROGRAM_POLL_MS = 3_000;
/** A status older than this is late: the program may be stuck or gone. */
const LATE_STATUS_S = 6;

type ProgramStatus = Schemas['ProgramStatusOutput'];

const STATE_TONE: Record<string, 'good' | 'busy' | 'bad'> = {
  running: 'good',
  starting: 'busy',
  restarting: 'busy',
  waiting: 'busy',
  'backing-off': 'bad',
  stopping: 'bad',
  stopped: 'bad',
};

/**
 * The running TC2Program: its state, uptime and lock, each supervised component's state, restarts,
 * uptime, heartbeat and last error, and a restart (confirmed inline) that keeps the web panel up.
 */
@Component({
  selector: 'tc2-program-page',
  imports: [RouterLink, ErrorBox, StaffOnly, ConfirmStep],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Program</h1>
    <tc2-error-box [error]="error()" />
    @if (status(); as s) {
      <section class="card" aria-label="Program status">
        <div class="head">
          <h2>TC2Program</h2>
          <span class="badge" [class]="'badge tone-' + tone(s.state)" data-testid="program-state">{{ s.state }}</span>
          @if (late()) {
            <span class="badge tone-bad">status is {{ s.age_s }} s old</span>
          }
        </div>
        @if (s.state === 'stopped') {
          <p class="notice">
            TC2Program is not running, so nothing collects data or trades. Start it on the server
            with <code>make run</code> (or <code>manage.py runprogram</code>).
            @if (s.lock_owner) {
              The program lock is held by <code>{{ s.lock_owner }}</code>.
            }
          </p>
        } @else {
          <dl class="facts">
            <dt>Process</dt><dd>pid {{ s.pid ?? '—' }} on {{ s.host ?? '—' }}</dd>
            <dt>Started</dt><dd>{{ fmt.marketDateTime(s.started_at) }}</dd>
            <dt>Uptime</dt><dd>{{ uptime(s.started_at ?? null) }}</dd>
            <dt>Lock owner</dt><dd><code>{{ s.lock_owner ?? 'none' }}</code></dd>
            <dt>Start conditions met</dt><dd>{{ s.conditions?.length ? s.conditions!.join(', ') : 'none yet' }}</dd>
            <dt>Status published</dt><dd>{{ s.age_s ?? '?' }} s ago</dd>
          </dl>
        }
        <div class="restart">
          <tc2-confirm-step
            label="Restart program"
            question="Stop and start every component again? Running jobs may be interrupted; the web panel stays up."
            confirmLabel="Restart now"
            [danger]="true"
            [disabled]="s.state === 'stopped' || restarting() || !user.isStaff()"
            (confirmed)="restart()"
          />
          <tc2-staff-only action="restart the program" />
          @if (restartNote(); as note) {
            <p role="status">{{ note }}</p>
          }
          <tc2-error-box [error]="restartError()" />
          <p class="muted small">
            Components pick up new settings (symbols, endpoint) only when TC2 itself starts again.
            Progress is in the <a routerLink="/runtime/console" [queryParams]="{ feed: 'program' }">program log</a>.
          </p>
        </div>
      </section>

      <section class="card" aria-label="Components">
        <h2>Components <span class="muted">({{ s.components.length }})</span></h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Component</th>
                <th scope="col">Kind</th>
                <th scope="col">State</th>
                <th scope="col">PID / thread</th>
                <th scope="col" class="num">Restarts</th>
                <th scope="col">Uptime</th>
                <th scope="col">Heartbeat</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              @for (c of s.components; track c.name) {
                <tr>
                  <th scope="row">{{ c.name }}</th>
                  <td>{{ c.kind }}</td>
                  <td><span class="badge" [class]="'badge tone-' + tone(c.state)">{{ c.state }}</span></td>
                  <td class="mono">{{ c.kind === 'process' ? (c.pid ?? '—') : (c.thread_name ?? '—') }}</td>
                  <td class="num" [class.negative]="c.restarts > 0">{{ c.restarts }}</td>
                  <td>{{ c.state === 'running' ? uptime(c.started_at) : '—' }}</td>
                  <td>{{ c.last_heartbeat ? ago(c.last_heartbeat) : '—' }}</td>
                  <td class="error-cell">
                    @if (c.last_error) {
                      <details>
                        <summary>{{ firstLine(c.last_error) }}</summary>
                        <pre>{{ c.last_error }}</pre>
                      </details>
                    } @else {
                      <span class="muted">none</span>
                    }
                  </td>
                </tr>
              } @empty {
                <tr><td colspan="8" class="muted">No components are running.</td></tr>
              }
            </tbody>
          </table>
        </div>
      </section>
    } @else if (!error()) {
      <p class="muted">Loading the program's status…</p>
    }
  `,
  styles: `
    .head { display: flex; gap: 0.75rem; align-items: center; margin-bottom: 0.75rem; }
    .head h2 { margin: 0; }
    .tone-good { background: var(--good); color: #000; }
    .tone-busy { background: var(--warn); color: #000; }
    .tone-bad { background: var(--bad); color: #fff; }
    .restart { margin-top: 1rem; }
    .table-wrap { overflow-x: auto; }
    th[scope='row'] { color: var(--text); font-weight: 600; }
    .error-cell { max-width: 28rem; }
    .error-cell summary { cursor: pointer; color: var(--bad); overflow-wrap: anywhere; }
    .error-cell pre { white-space: pre-wrap; max-height: 16rem; }
  `,
})
export class ProgramPage {
  protected readonly fmt = fmt;
  private readonly api = inject(ApiClient);
  protected readonly user = inject(CurrentUser);

  protected readonly status = signal<ProgramStatus | null>(null);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly restarting = signal(false);
  protected readonly restartNote = signal<string | null>(null);
  protected readonly restartError = signal<ApiError | null>(null);
  /** Seconds to add to the browser's clock to get the server's (from the last status). */
  private readonly clockOffset = signal(0);
  private readonly now = signal(Date.now() / 1000);

  protected readonly late = computed(() => {
    const s = this.status();
    return s !== null && s.state !== 'stopped' && (s.age_s ?? 0) > LATE_STATUS_S;
  });

  constructor() {
    timer(0, PROGRAM_POLL_MS)
      .pipe(
        exhaustMap(() =>
          this.api.get('/api/program/status').pipe(
            catchError((failure: unknown) => {
              this.error.set(apiErrorFrom(failure));
              return EMPTY;
            }),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe((status) => this.accept(status));
  }

  protected tone(state: string): string {
    return STATE_TONE[state] ?? 'busy';
  }

  protected uptime(startedAt: number | null): string {
    return startedAt ? formatDuration(this.serverNow() - startedAt) : '—';
  }

  protected ago(epochSeconds: number): string {
    return `${formatDuration(this.serverNow() - epochSeconds)} ago`;
  }

  protected firstLine(text: string): string {
    const line = text.split('\n').find((part) => part.trim() !== '') ?? text;
    return line.length > 120 ? `${line.slice(0, 119)}…` : line;
  }

  protected restart(): void {
    this.restarting.set(true);
    this.restartNote.set(null);
    this.restartError.set(null);
    this.api.post('/api/program/restart').subscribe({
      next: () => {
        this.restarting.set(false);
        this.restartNote.set(
          `Restart requested at ${fmt.marketClock(new Date())} ET; the components below stop and start again in a few seconds.`,
        );
      },
      error: (failure: unknown) => {
        this.restarting.set(false);
        this.restartError.set(apiErrorFrom(failure));
      },
    });
  }

  private accept(status: ProgramStatus): void {
    const browserNow = Date.now() / 1000;
    if (status.updated_at !== undefined) {
      this.clockOffset.set(status.updated_at + (status.age_s ?? 0) - browserNow);
    }
    this.now.set(browserNow);
    this.status.set(status);
    this.error.set(null);
  }

  private serverNow(): number {
    return this.now() + this.clockOffset();
  }
}
