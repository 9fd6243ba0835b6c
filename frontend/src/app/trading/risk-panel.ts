import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { EMPTY, catchError, exhaustMap } from 'rxjs';

import { ApiError, apiErrorFrom } from '../core/api';
import { CurrentUser } from '../core/current-user';
import { ConfirmStep } from '../runtime/confirm-step';
import { ErrorBox } from '../shared/error-box';
import { fmt } from '../shared/format';
import { StaffOnly } from '../shared/staff-only';
import { whileVisible } from './poll';
import { lossLimitUse } from './trading-logic';
import { Risk, RiskChange, RiskState, TradingApi } from './trading-api';

/** What each kill-switch state does, as the controls and the badge say it. */
export const STATE_MEANINGS: Record<RiskState, string> = {
  ACTIVE: 'orders pass the risk rules',
  REDUCING: 'only orders that reduce a position pass',
  HALTED:
    'every order is refused and open orders are cancelled; positions close only on a flatten request',
};
const STATES: RiskState[] = ['ACTIVE', 'REDUCING', 'HALTED'];
/** Rows of the switch's log and of the refusals shown. */
export const RISK_ROWS = 10;

/** The kill switch with its controls (staff), the limits against today's figures, its log and the refusals. */
@Component({
  selector: 'tc2-risk-panel',
  imports: [ErrorBox, StaffOnly, ConfirmStep, ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-label="Risk">
      <h2 id="risk-heading">Risk</h2>
      <tc2-error-box [error]="error()" />
      @if (risk(); as r) {
        <div class="head">
          <span>Kill switch</span>
          <span class="badge switch-{{ r.switch.state }}" data-testid="kill-switch-state">{{
            r.switch.state
          }}</span>
          <span class="muted small">{{ meanings[r.switch.state] }}</span>
        </div>
        @if (r.switch.at !== null) {
          <p class="small">
            Set by {{ r.switch.who }} at {{ fmt.marketDateTime(r.switch.at) }}: {{ r.switch.why }}
          </p>
        }
        @if (user.isStaff()) {
          <div class="controls" role="group" aria-label="Kill switch controls">
            <label
              >Reason
              <input
                [formControl]="why"
                name="why"
                maxlength="500"
                placeholder="why (logged with the change)"
            /></label>
            @for (state of states; track state) {
              <tc2-confirm-step
                [label]="'Set ' + state"
                [question]="'Set the kill switch to ' + state + ': ' + meanings[state] + '?'"
                [confirmLabel]="'Set ' + state + ' now'"
                [danger]="state !== 'ACTIVE'"
                [disabled]="busy() || !reason() || r.switch.state === state"
                (confirmed)="setState(state, r.switch.state)"
              />
            }
            @if (r.switch.state === 'HALTED') {
              <tc2-confirm-step
                label="Flatten all positions"
                question="Close every position of every trader at market now?"
                confirmLabel="Flatten now"
                [danger]="true"
                [disabled]="busy() || !reason()"
                (confirmed)="flatten()"
              />
            }
          </div>
          @if (!reason()) {
            <p class="muted small">Give a reason to change the kill switch.</p>
          }
        }
        <tc2-staff-only action="change the kill switch or flatten" />
        @if (note(); as n) {
          <p role="status">{{ n }}</p>
        }
        <tc2-error-box [error]="changeError()" />

        <h3>
          Today ({{ r.day }}, New York)
          @if (r.mode === 'REPLAY') {
            <span class="badge replay">replay</span>
          }
        </h3>
        <dl class="facts" aria-label="Risk figures">
          <dt>Start-of-day equity</dt>
          <dd>{{ fmt.money(r.day_start_equity) }}</dd>
          <dt>Equity</dt>
          <dd>{{ fmt.money(r.equity) }}</dd>
          <dt>Loss today / limit</dt>
          <dd
            data-testid="day-loss"
            [class.negative]="(r.day_loss ?? 0) > 0"
            [class.positive]="(r.day_loss ?? 0) < 0"
          >
            {{ lossText() }}
          </dd>
          <dt>Orders in the last minute</dt>
          <dd>{{ r.orders_last_minute }} / {{ limitText(r.limits.max_orders_per_minute) }}</dd>
          <dt>Open positions</dt>
          <dd>{{ r.open_positions }} / {{ limitText(r.limits.max_open_positions) }}</dd>
          <dt>Total exposure</dt>
          <dd>
            {{ fmt.money(r.total_exposure) }} / {{ moneyLimit(r.limits.max_total_exposure_usd) }}
          </dd>
          <dt>Per-symbol exposure limit</dt>
          <dd>{{ moneyLimit(r.limits.max_symbol_exposure_usd) }}</dd>
          <dt>Daily loss limits</dt>
          <dd>
            {{ moneyLimit(r.limits.daily_loss_limit_usd) }} or
            {{
              r.limits.daily_loss_limit_pct === null
                ? 'no % limit'
                : fmt.percent(r.limits.daily_loss_limit_pct) + ' of start-of-day equity'
            }}
          </dd>
        </dl>
        @if (r.exposures.length) {
          <table aria-label="Exposures">
            <thead>
              <tr>
                <th scope="col">Symbol</th>
                <th scope="col" class="num">Exposure</th>
              </tr>
            </thead>
            <tbody>
              @for (e of r.exposures; track e.symbol) {
                <tr>
                  <th scope="row">{{ e.symbol }}</th>
                  <td class="num">{{ fmt.money(e.exposure) }}</td>
                </tr>
              }
            </tbody>
          </table>
        }

        <h3>Recent refusals</h3>
        <table aria-label="Recent refusals">
          <thead>
            <tr>
              <th scope="col">Time (ET)</th>
              <th scope="col">Trader</th>
              <th scope="col">Rule</th>
              <th scope="col">Order</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            @for (f of refusals(); track $index) {
              <tr>
                <td>{{ fmt.marketDateTime(f.at) }}</td>
                <td>{{ f.trader }}</td>
                <td>
                  <code>{{ f.rule }}</code>
                </td>
                <td>
                  {{ f.side }} {{ f.qty !== null ? fmt.decimal(f.qty) : fmt.money(f.notional) }}
                  {{ f.symbol }}
                </td>
                <td class="why">{{ f.message }}</td>
              </tr>
            } @empty {
              <tr>
                <td colspan="5" class="muted">No order was refused.</td>
              </tr>
            }
          </tbody>
        </table>

        <h3>Kill switch log</h3>
        <table aria-label="Kill switch log">
          <thead>
            <tr>
              <th scope="col">Time (ET)</th>
              <th scope="col">Change</th>
              <th scope="col">By</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            @for (h of history(); track h.id) {
              <tr>
                <td>{{ fmt.marketDateTime(h.at) }}</td>
                <td>
                  {{
                    h.kind === 'flatten' ? 'flatten request ' + h.seq : h.before + ' → ' + h.after
                  }}
                </td>
                <td>{{ h.who }}</td>
                <td class="why">{{ h.why }}</td>
              </tr>
            } @empty {
              <tr>
                <td colspan="4" class="muted">The kill switch was never changed.</td>
              </tr>
            }
          </tbody>
        </table>
      } @else if (!error()) {
        <p class="muted">Loading the risk controls…</p>
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
    .switch-ACTIVE {
      background: var(--good);
      color: #000;
    }
    .switch-REDUCING {
      background: var(--warn);
      color: #000;
    }
    .switch-HALTED {
      background: var(--bad);
      color: #fff;
    }
    .replay {
      background: #7e57c2;
      color: #fff;
    }
    .controls {
      display: flex;
      gap: 0.5rem;
      align-items: center;
      flex-wrap: wrap;
      margin: 0.5rem 0;
    }
    .why {
      max-width: 32rem;
      overflow-wrap: anywhere;
    }
  `,
})
export class RiskPanel {
  protected readonly fmt = fmt;
  protected readonly meanings = STATE_MEANINGS;
  protected readonly states = STATES;
  private readonly api = inject(TradingApi);
  protected readonly user = inject(CurrentUser);

  readonly risk = signal<Risk | null>(null);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly busy = signal(false);
  protected readonly note = signal<string | null>(null);
  protected readonly changeError = signal<ApiError | null>(null);
  protected readonly why = new FormControl('', { nonNullable: true });
  protected readonly reason = toSignal(this.why.valueChanges, { initialValue: '' });
  protected readonly history = computed(() => this.risk()?.history.slice(0, RISK_ROWS) ?? []);
  protected readonly refusals = computed(() => this.risk()?.refusals.slice(0, RISK_ROWS) ?? []);
  protected readonly lossText = computed(() => {
    const r = this.risk();
    if (!r || r.day_loss === null) {
      return 'not known yet (no start-of-day equity or no running trader)';
    }
    const loss =
      r.day_loss < 0
        ? `${fmt.money(-r.day_loss)} gained`
        : `${fmt.money(r.day_loss)} lost (${fmt.percent(r.day_loss_pct)})`;
    const use = lossLimitUse(r);
    const limit = r.day_loss_limit === null ? 'no limit' : `limit ${fmt.money(r.day_loss_limit)}`;
    return `${loss} / ${limit}${use === null ? '' : `, ${fmt.percent(use)} of it used`}`;
  });

  constructor() {
    whileVisible()
      .pipe(
        exhaustMap(() =>
          this.api.risk().pipe(
            catchError((failure: unknown) => {
              this.error.set(apiErrorFrom(failure));
              return EMPTY;
            }),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe((risk) => {
        this.risk.set(risk);
        this.error.set(null);
      });
  }

  protected limitText(limit: number | null): string {
    return limit === null ? 'no limit' : String(limit);
  }

  protected moneyLimit(limit: number | null): string {
    return limit === null ? 'no limit' : fmt.money(limit);
  }

  protected setState(state: RiskState, current: RiskState): void {
    this.change(this.api.setRiskState(state, this.why.value.trim(), current), (c) =>
      c.changed
        ? `Kill switch set to ${c.switch.state}.`
        : `The kill switch already was ${c.switch.state}.`,
    );
  }

  protected flatten(): void {
    this.change(
      this.api.flatten(this.why.value.trim()),
      (c) => `Flatten request ${c.switch.flatten} sent to every trader.`,
    );
  }

  private change(
    request: ReturnType<TradingApi['flatten']>,
    say: (change: RiskChange) => string,
  ): void {
    this.busy.set(true);
    this.note.set(null);
    this.changeError.set(null);
    request.subscribe({
      next: (change) => {
        this.busy.set(false);
        this.note.set(say(change));
        this.why.setValue('');
        const current = this.risk();
        if (current) {
          this.risk.set({ ...current, switch: change.switch });
        }
      },
      error: (failure: unknown) => {
        this.busy.set(false);
        this.changeError.set(apiErrorFrom(failure));
      },
    });
  }
}
