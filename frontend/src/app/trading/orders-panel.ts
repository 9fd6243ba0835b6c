import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
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
import { OpenOrder, TradingApi } from './trading-api';

/** The traders' open orders, newest first, each with a cancel (staff). */
@Component({
  selector: 'tc2-orders-panel',
  imports: [ErrorBox, StaffOnly, ConfirmStep],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-label="Open orders">
      <h2 id="orders-heading">
        Open orders <span class="muted">({{ orders().length }})</span>
      </h2>
      <tc2-error-box [error]="error()" />
      <div class="table-wrap">
        <table aria-label="Open orders">
          <thead>
            <tr>
              <th scope="col">Submitted (ET)</th>
              <th scope="col">Symbol</th>
              <th scope="col">Side</th>
              <th scope="col">Type</th>
              <th scope="col" class="num">Qty</th>
              <th scope="col" class="num">Filled</th>
              <th scope="col" class="num">Limit</th>
              <th scope="col" class="num">Stop</th>
              <th scope="col">Status</th>
              <th scope="col">Strategy</th>
              <th scope="col">Order id</th>
              @if (user.isStaff()) {
                <th scope="col">Control</th>
              }
            </tr>
          </thead>
          <tbody>
            @for (o of orders(); track o.client_order_id) {
              <tr [attr.data-order]="o.client_order_id">
                <td>{{ fmt.marketDateTime(o.submitted_t) }}</td>
                <th scope="row">{{ o.symbol }}</th>
                <td [class.positive]="o.side === 'buy'" [class.negative]="o.side === 'sell'">
                  {{ o.side }}
                </td>
                <td>{{ o.type }}</td>
                <td class="num">
                  {{ o.qty !== null ? fmt.decimal(o.qty) : fmt.money(o.notional) }}
                </td>
                <td class="num">{{ fmt.decimal(o.filled_qty) }}</td>
                <td class="num">{{ fmt.price(o.limit_price) }}</td>
                <td class="num">{{ fmt.price(o.stop_price) }}</td>
                <td>{{ o.status }}</td>
                <td>{{ o.strategy ?? '—' }}</td>
                <td class="mono small">{{ o.client_order_id }}</td>
                @if (user.isStaff()) {
                  <td class="control">
                    <tc2-confirm-step
                      label="Cancel order"
                      [accessibleName]="'Cancel order ' + o.client_order_id"
                      [question]="
                        'Cancel this ' + o.side + ' ' + o.type + ' order for ' + o.symbol + '?'
                      "
                      confirmLabel="Cancel the order"
                      [danger]="true"
                      [disabled]="busy()"
                      (confirmed)="cancelOrder(o.client_order_id)"
                    />
                  </td>
                }
              </tr>
            } @empty {
              <tr>
                <td colspan="12" class="muted">No open orders.</td>
              </tr>
            }
          </tbody>
        </table>
      </div>
      <tc2-staff-only action="cancel an order" />
      @if (note(); as n) {
        <p role="status">{{ n }}</p>
      }
      <tc2-error-box [error]="commandError()" />
    </section>
  `,
  styles: `
    .control {
      white-space: nowrap;
    }
    .table-wrap {
      overflow-x: auto;
    }
  `,
})
export class OrdersPanel {
  protected readonly fmt = fmt;
  private readonly api = inject(TradingApi);
  protected readonly user = inject(CurrentUser);

  readonly orders = signal<OpenOrder[]>([]);
  protected readonly error = signal<ApiError | null>(null);
  protected readonly busy = signal(false);
  protected readonly note = signal<string | null>(null);
  protected readonly commandError = signal<ApiError | null>(null);

  constructor() {
    whileVisible()
      .pipe(
        exhaustMap(() =>
          this.api.orders().pipe(
            catchError((failure: unknown) => {
              this.error.set(apiErrorFrom(failure));
              return EMPTY;
            }),
          ),
        ),
        takeUntilDestroyed(),
      )
      .subscribe((orders) => {
        this.orders.set(orders);
        this.error.set(null);
      });
  }

  protected cancelOrder(clientOrderId: string): void {
    this.busy.set(true);
    this.note.set(null);
    this.commandError.set(null);
    this.api.cancelOrder(clientOrderId).subscribe({
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
