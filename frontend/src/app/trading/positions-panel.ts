import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  output,
  signal,
} from '@angular/core';
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
import { Position, TradingApi } from './trading-api';

/** The traders' positions with their marks and unrealized P&L, each with a force exit (staff). */
@Component({
  selector: 'tc2-positions-panel',
  imports: [ErrorBox, StaffOnly, ConfirmStep],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-label="Positions">
      <h2 id="positions-heading">
        Positions <span class="muted">({{ positions().length }})</span>
      </h2>
      <tc2-error-box [error]="error()" />
      <div class="table-wrap">
        <table aria-label="Positions">
          <thead>
            <tr>
              <th scope="col">Symbol</th>
              <th scope="col">Trader</th>
              <th scope="col">Strategy</th>
              <th scope="col" class="num">Qty</th>
              <th scope="col" class="num">Avg price</th>
              <th scope="col" class="num">Mark</th>
              <th scope="col" class="num">Market value</th>
              <th scope="col" class="num">Unrealized P&amp;L</th>
              @if (user.isStaff()) {
                <th scope="col">Control</th>
              }
            </tr>
          </thead>
          <tbody>
            @for (p of positions(); track p.trader + p.symbol) {
              <tr [attr.data-symbol]="p.symbol">
                <th scope="row">
                  {{ p.symbol }}
                  @if (p.mode === 'REPLAY') {
                    <span class="badge replay" title="Replay figures">replay</span>
                  }
                </th>
                <td>{{ p.trader }}</td>
                <td>{{ p.strategy ?? '—' }}</td>
                <td class="num">{{ fmt.decimal(p.qty) }}</td>
                <td class="num">{{ fmt.price(p.avg_price) }}</td>
                <td class="num">{{ fmt.price(p.mark) }}</td>
                <td class="num">{{ fmt.money(p.market_value) }}</td>
                <td
                  class="num"
                  data-testid="unrealized-pl"
                  [class.positive]="p.unrealized_pl > 0"
                  [class.negative]="p.unrealized_pl < 0"
                >
                  {{ fmt.signedMoney(p.unrealized_pl) }}
                </td>
                @if (user.isStaff()) {
                  <td class="control">
                    <tc2-confirm-step
                      [label]="'Force exit ' + p.symbol"
                      [question]="
                        'Close ' +
                        fmt.decimal(p.qty) +
                        ' ' +
                        p.symbol +
                        ' at market now, cancelling its open orders?'
                      "
                      confirmLabel="Close at market"
                      [danger]="true"
                      [disabled]="busy()"
                      (confirmed)="forceExit(p.symbol)"
                    />
                  </td>
                }
              </tr>
            } @empty {
              <tr>
                <td colspan="9" class="muted">No open positions.</td>
              </tr>
            }
          </tbody>
          @if (positions().length) {
            <tfoot>
              <tr>
                <th scope="row" colspan="6">Total</th>
                <td class="num">{{ fmt.money(totals().value) }}</td>
                <td
                  class="num"
                  [class.positive]="totals().unrealized > 0"
                  [class.negative]="totals().unrealized < 0"
                >
                  {{ fmt.signedMoney(totals().unrealized) }}
                </td>
              </tr>
            </tfoot>
          }
        </table>
      </div>
      <tc2-staff-only action="force-exit a position" />
      @if (note(); as n) {
        <p role="status">{{ n }}</p>
      }
      <tc2-error-box [error]="commandError()" />
    </section>
  `,
  styles: `
    .replay {
      background: #7e57c2;
      color: #fff;
      font-weight: normal;
    }
    .control {
      white-space: nowrap;
    }
    .table-wrap {
      overflow-x: auto;
    }
  `,
})
export class PositionsPanel {
  protected readonly fmt = fmt;
  private readonly api = inject(TradingApi);
  protected readonly user = inject(CurrentUser);

  readonly positions = signal<Position[]>([]);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly busy = signal(false);
  protected readonly note = signal<string | null>(null);
  protected readonly commandError = signal<ApiError | null>(null);
  protected readonly totals = computed(() =>
    this.positions().reduce(
      (sum, p) => ({
        value: sum.value + p.market_value,
        unrealized: sum.unrealized + p.unrealized_pl,
      }),
      { value: 0, unrealized: 0 },
    ),
  );
  /** The symbols held, at every read (the chart offers them). */
  readonly symbols = output<string[]>();

  constructor() {
    whileVisible()
      .pipe(
        exhaustMap(() =>
          this.api.positions().pipe(
            catchError((failure: unknown) => {
              this.error.set(apiErrorFrom(failure));
              return EMPTY;
            }),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe((positions) => {
        this.positions.set(positions);
        this.error.set(null);
        this.symbols.emit([...new Set(positions.map((p) => p.symbol))]);
      });
  }

  protected forceExit(symbol: string): void {
    this.busy.set(true);
    this.note.set(null);
    this.commandError.set(null);
    this.api.forceExit(symbol).subscribe({
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
