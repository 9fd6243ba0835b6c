import { ChangeDetectionStrategy, Component, computed, signal } from '@angular/core';

import { AccountPanel } from './account-panel';
import { OrdersPanel } from './orders-panel';
import { PnlPanel } from './pnl-panel';
import { PositionsPanel } from './positions-panel';
import { RiskPanel } from './risk-panel';
import { SymbolChart } from './symbol-chart';
import { TradeRecords } from './trade-records';
import { sessionDay } from './trading-logic';
import { Mode } from './trading-api';
import { TRADING_POLL_MS } from './poll';

/**
 * The Trading area: the account and traders, positions and open orders, the risk controls, a live
 * chart of a traded symbol, the fills and round trips, and the realized P&L. Every panel reads
 * the API every second while the tab is visible; controls that change state are staff-only and
 * confirmed inline.
 */
@Component({
  selector: 'tc2-trading-page',
  imports: [
    AccountPanel,
    PositionsPanel,
    OrdersPanel,
    RiskPanel,
    SymbolChart,
    TradeRecords,
    PnlPanel,
  ],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Trading</h1>
    <p class="muted small">
      Live figures, refreshed every {{ pollSeconds }} s while this tab is visible. Times are New
      York (ET).
    </p>
    <tc2-account-panel (seen)="mode.set($event.mode); marketT.set($event.marketT)" />
    <tc2-positions-panel (symbols)="held.set($event)" />
    <tc2-orders-panel />
    <tc2-risk-panel />
    <tc2-symbol-chart
      [symbols]="chartSymbols()"
      [day]="day()"
      [mode]="mode()"
      [until]="marketT()"
    />
    <tc2-trade-records [defaultMode]="mode()" (traded)="traded.set($event)" />
    <tc2-pnl-panel [defaultMode]="mode()" />
  `,
})
export class TradingPage {
  protected readonly pollSeconds = TRADING_POLL_MS / 1000;
  protected readonly mode = signal<Mode | null>(null);
  protected readonly marketT = signal<number | null>(null);
  protected readonly held = signal<string[]>([]);
  protected readonly traded = signal<string[]>([]);
  /** What the chart offers: the symbols held, then those of the latest fills. */
  protected readonly chartSymbols = computed(() => [
    ...new Set([...this.held(), ...this.traded()]),
  ]);
  /** The traders' session: the replay clock's day on the replay market. */
  protected readonly day = computed(() => sessionDay(this.marketT()));
}
