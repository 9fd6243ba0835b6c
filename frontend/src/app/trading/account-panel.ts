import { ChangeDetectionStrategy, Component, inject, output, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { EMPTY, catchError, exhaustMap } from 'rxjs';

import { ApiError, apiErrorFrom } from '../core/api';
import { CurrentUser } from '../core/current-user';
import { ConfirmStep } from '../runtime/confirm-step';
import { ErrorBox } from '../shared/error-box';
import { fmt } from '../shared/format';
import { StaffOnly } from '../shared/staff-only';
import { commandNote } from './command-note';
import { whileVisible } from './poll';
import { MODE_NOTES } from './trading-logic';
import { Mode, Trader, TradingAccount, TradingApi } from './trading-api';

/** The account (equity, cash, buying power, day trades left) with its mode, and the traders with start/stop. */
@Component({
  selector: 'tc2-account-panel',
  imports: [ErrorBox, StaffOnly, ConfirmStep],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-label="Account">
      <div class="head">
        <h2 id="account-heading">Account</h2>
        @if (account()?.mode; as mode) {
          <span
            class="badge mode mode-{{ mode }}"
            data-testid="trading-mode"
            [title]="notes[mode]"
            >{{ mode }}</span
          >
          <span class="muted small" data-testid="mode-note">{{ notes[mode] }}</span>
        }
      </div>
      <tc2-error-box [error]="error()" />
      @if (account(); as a) {
        @if (a.account; as figures) {
          <dl class="facts figures" aria-label="Account figures">
            <dt>Equity</dt>
            <dd data-testid="equity">{{ fmt.money(figures.equity) }}</dd>
            <dt>Cash</dt>
            <dd data-testid="cash">{{ fmt.money(figures.cash) }}</dd>
            <dt>Buying power</dt>
            <dd data-testid="buying-power">{{ fmt.money(figures.buying_power) }}</dd>
            <dt>Day trades left</dt>
            <dd data-testid="day-trades-left">
              {{
                figures.day_trades_left === null
                  ? 'not limited (equity ≥ $25,000)'
                  : figures.day_trades_left
              }}
            </dd>
          </dl>
          @if (a.mode === 'REPLAY') {
            <p class="notice replay-note">
              Replay figures: a simulated account on a stored session, not a broker's.
            </p>
          }
        } @else {
          <p class="muted">
            No account figures: no trader is running or none has reconciled with its broker yet.
          </p>
        }

        <h3>Traders</h3>
        <div class="table-wrap">
          <table aria-label="Traders">
            <thead>
              <tr>
                <th scope="col">Trader</th>
                <th scope="col">State</th>
                <th scope="col">Mode</th>
                <th scope="col">Clock (ET)</th>
                <th scope="col">Streams</th>
                <th scope="col">Message</th>
                @if (user.isStaff()) {
                  <th scope="col">Control</th>
                }
              </tr>
            </thead>
            <tbody>
              @for (t of a.traders; track t.trader) {
                <tr [attr.data-trader]="t.trader">
                  <th scope="row">{{ t.trader }}</th>
                  <td>
                    <span class="badge state-{{ t.state }}" data-testid="trader-state">{{
                      t.state.replace('_', ' ')
                    }}</span>
                  </td>
                  <td>{{ t.mode ?? '—' }}</td>
                  <td>{{ fmt.marketDateTime(t.market_t) }}</td>
                  <td>
                    @for (s of t.streams; track s.name) {
                      <span
                        class="badge"
                        [class.stale]="s.stale"
                        [title]="'last message ' + fmt.marketDateTime(s.last_message_t)"
                      >
                        {{ s.name }}{{ s.stale ? ' stale' : '' }}
                      </span>
                    } @empty {
                      —
                    }
                  </td>
                  <td class="message">{{ t.message || '—' }}</td>
                  @if (user.isStaff()) {
                    <td class="controls">
                      <tc2-confirm-step
                        [label]="'Start ' + t.trader + ' trader'"
                        [question]="
                          'Start the ' +
                          t.trader +
                          ' trader? It reconciles with the broker, then trades.'
                        "
                        confirmLabel="Start now"
                        [disabled]="busy() || t.state === 'not_running' || t.state === 'running'"
                        (confirmed)="start(t.trader)"
                      />
                      <tc2-confirm-step
                        [label]="'Stop ' + t.trader + ' trader'"
                        [question]="
                          'Stop the ' +
                          t.trader +
                          ' trader? It sends no new orders and cancels its open orders; positions stay.'
                        "
                        confirmLabel="Stop now"
                        [danger]="true"
                        [disabled]="busy() || t.state === 'not_running' || t.state === 'stopped'"
                        (confirmed)="stop(t.trader)"
                      />
                    </td>
                  }
                </tr>
              }
            </tbody>
          </table>
        </div>
        <tc2-staff-only action="start or stop the traders" />
        @if (note(); as n) {
          <p role="status">{{ n }}</p>
        }
        <tc2-error-box [error]="commandError()" />
      } @else if (!error()) {
        <p class="muted">Loading the account…</p>
      }
    </section>
  `,
  styles: `
    .head {
      display: flex;
      gap: 0.75rem;
      align-items: center;
      flex-wrap: wrap;
    }
    .mode-REPLAY {
      background: #7e57c2;
      color: #fff;
    }
    .mode-PAPER {
      background: var(--warn);
      color: #000;
    }
    .mode-LIVE {
      background: var(--bad);
      color: #fff;
    }
    .state-running {
      background: var(--good);
      color: #000;
    }
    .state-not_running,
    .state-stopped {
      background: var(--bad);
      color: #fff;
    }
    .stale {
      background: var(--bad);
      color: #fff;
    }
    .controls {
      display: flex;
      gap: 0.5rem;
      flex-wrap: wrap;
    }
    .message {
      max-width: 28rem;
      overflow-wrap: anywhere;
    }
    .table-wrap {
      overflow-x: auto;
    }
  `,
})
export class AccountPanel {
  protected readonly fmt = fmt;
  protected readonly notes = MODE_NOTES;
  private readonly api = inject(TradingApi);
  protected readonly user = inject(CurrentUser);

  /** The account as last read. */
  readonly account = signal<TradingAccount | null>(null);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly busy = signal(false);
  protected readonly note = signal<string | null>(null);
  protected readonly commandError = signal<ApiError | null>(null);
  /** The mode and the freshest trader's clock at every read. */
  readonly seen = output<{ mode: Mode | null; marketT: number | null }>();

  constructor() {
    whileVisible()
      .pipe(
        exhaustMap(() =>
          this.api.account().pipe(
            catchError((failure: unknown) => {
              this.error.set(apiErrorFrom(failure));
              return EMPTY;
            }),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe((account) => {
        this.account.set(account);
        this.error.set(null);
        const clocks = account.traders
          .map((t) => t.market_t)
          .filter((t): t is number => t !== null);
        this.seen.emit({ mode: account.mode, marketT: clocks.length ? Math.max(...clocks) : null });
      });
  }

  protected start(trader: Trader['trader']): void {
    this.send(this.api.startTrader(trader));
  }

  protected stop(trader: Trader['trader']): void {
    this.send(this.api.stopTrader(trader, false));
  }

  private send(request: ReturnType<TradingApi['startTrader']>): void {
    this.busy.set(true);
    this.note.set(null);
    this.commandError.set(null);
    request.subscribe({
      next: (command) => {
        this.busy.set(false);
        this.note.set(commandNote(command));
      },
      error: (failure: unknown) => {
        this.busy.set(false);
        this.commandError.set(apiErrorFrom(failure));
      },
    });
  }
}
