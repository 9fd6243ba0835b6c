import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  signal,
} from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { FormControl, ReactiveFormsModule } from '@angular/forms';
import { EMPTY, catchError, exhaustMap, forkJoin, map, startWith, switchMap } from 'rxjs';

import { ApiError, apiErrorFrom } from '../core/api';
import { ErrorBox } from '../shared/error-box';
import { fmt } from '../shared/format';
import { whileVisible } from './poll';
import { MODES, calendarMonths, strategyRows } from './trading-logic';
import { Mode, PnlRow, TradingApi } from './trading-api';

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'];

/** Realized P&L per New York day (a calendar coloured by sign) and per strategy, for one mode. */
@Component({
  selector: 'tc2-pnl-panel',
  imports: [ErrorBox, ReactiveFormsModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-label="Realized P&amp;L">
      <div class="head">
        <h2 id="pnl-heading">Realized P&amp;L</h2>
        <label
          >P&amp;L mode
          <select [formControl]="mode" name="pnl-mode">
            @for (m of modes; track m) {
              <option [value]="m">{{ m }}</option>
            }
          </select>
        </label>
      </div>
      <tc2-error-box [error]="error()" />
      <h3>Per New York day</h3>
      @for (month of months(); track month.month) {
        <table class="calendar" [attr.aria-label]="'P&L calendar ' + month.month">
          <caption>
            {{
              month.month
            }}
            ·
            <span [class.positive]="month.total > 0" [class.negative]="month.total < 0">{{
              fmt.signedMoney(month.total)
            }}</span>
          </caption>
          <thead>
            <tr>
              @for (d of weekdays; track d) {
                <th scope="col">{{ d }}</th>
              }
            </tr>
          </thead>
          <tbody>
            @for (week of month.weeks; track $index) {
              <tr>
                @for (cell of week; track $index) {
                  @if (cell) {
                    <td
                      class="day tone-{{ cell.tone }}"
                      [attr.data-day]="cell.day"
                      [title]="
                        cell.value === null
                          ? cell.day + ': no round trip closed'
                          : cell.day + ': ' + cell.roundTrips + ' round trips'
                      "
                    >
                      <span class="date">{{ cell.day.slice(8) }}</span>
                      <span class="value">{{
                        cell.value === null ? '' : fmt.signedMoney(cell.value)
                      }}</span>
                    </td>
                  } @else {
                    <td class="pad"></td>
                  }
                }
              </tr>
            }
          </tbody>
        </table>
      } @empty {
        <p class="muted">No round trip has closed in {{ mode.value }} mode.</p>
      }

      <h3>Per strategy</h3>
      <table aria-label="P&L per strategy">
        <thead>
          <tr>
            <th scope="col">Strategy</th>
            <th scope="col" class="num">Net P&amp;L</th>
            <th scope="col" class="num">Fees</th>
            <th scope="col" class="num">Round trips</th>
            <th scope="col" class="num">Wins</th>
            <th scope="col" class="num">Losses</th>
          </tr>
        </thead>
        <tbody>
          @for (row of strategies(); track row.strategy) {
            <tr>
              <th scope="row">{{ row.strategy }}</th>
              <td
                class="num"
                [class.positive]="row.gain_value > 0"
                [class.negative]="row.gain_value < 0"
              >
                {{ fmt.signedMoney(row.gain_value) }}
              </td>
              <td class="num">{{ fmt.money(row.fees) }}</td>
              <td class="num">{{ row.round_trips }}</td>
              <td class="num">{{ row.wins }}</td>
              <td class="num">{{ row.losses }}</td>
            </tr>
          } @empty {
            <tr>
              <td colspan="6" class="muted">
                No strategy has closed a round trip in {{ mode.value }} mode.
              </td>
            </tr>
          }
        </tbody>
      </table>
    </section>
  `,
  styles: `
    .head {
      display: flex;
      gap: 0.75rem;
      align-items: center;
      justify-content: space-between;
    }
    .calendar {
      width: auto;
      margin-bottom: 1rem;
    }
    .calendar caption {
      text-align: left;
      font-weight: 600;
      padding: 0.25rem 0;
    }
    .calendar td {
      width: 6.5rem;
      height: 3rem;
      vertical-align: top;
      border: 1px solid #2a2e39;
    }
    .calendar .date {
      display: block;
      font-size: 0.75rem;
      opacity: 0.8;
    }
    .calendar .value {
      display: block;
      text-align: right;
      font-variant-numeric: tabular-nums;
    }
    .tone-gain {
      background: rgba(38, 166, 154, 0.35);
    }
    .tone-loss {
      background: rgba(239, 83, 80, 0.35);
    }
    .tone-flat {
      background: rgba(120, 123, 134, 0.3);
    }
  `,
})
export class PnlPanel {
  protected readonly fmt = fmt;
  protected readonly modes = MODES;
  protected readonly weekdays = WEEKDAYS;
  private readonly api = inject(TradingApi);
  /** The mode shown until the user picks one (the traders' mode). */
  readonly defaultMode = input<Mode | null>(null);

  protected readonly mode = new FormControl<Mode>('REPLAY', { nonNullable: true });
  readonly days = signal<PnlRow[]>([]);
  private readonly byStrategy = signal<PnlRow[]>([]);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly months = computed(() => calendarMonths(this.days()));
  protected readonly strategies = computed(() => strategyRows(this.byStrategy()));
  private readonly picked = toSignal(this.mode.valueChanges.pipe(map(() => true)), {
    initialValue: false,
  });

  constructor() {
    effect(() => {
      const mode = this.defaultMode();
      if (mode && !this.picked() && mode !== this.mode.value) {
        this.mode.setValue(mode);
      }
    });
    const ticks = whileVisible();
    this.mode.valueChanges
      .pipe(
        startWith(this.mode.value),
        switchMap((mode) =>
          ticks.pipe(
            exhaustMap(() =>
              forkJoin([this.api.pnl('day', { mode }), this.api.pnl('strategy', { mode })]).pipe(
                catchError((failure: unknown) => {
                  this.error.set(apiErrorFrom(failure));
                  return EMPTY;
                }),
              ),
            ),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe(([days, strategies]) => {
        this.days.set(days);
        this.byStrategy.set(strategies);
        this.error.set(null);
      });
  }
}
