import { ChangeDetectionStrategy, Component, inject } from '@angular/core';

import { CurrentUser } from '../../core/current-user';
import { ErrorBox } from '../../shared/error-box';
import { StaffOnly } from '../../shared/staff-only';
import { marketDateTime } from '../../shared/format';
import { AlpacaEndpointSetting } from './alpaca-endpoint';
import { PurchaseLimits } from './purchase-limits';
import { SettingsDelivery } from './settings-delivery';
import { SettingsStore } from './settings-store';
import { SymbolUniverse } from './symbol-universe';

/** The trader's settings: symbol universe, Alpaca endpoint, maximum purchase per strategy. */
@Component({
  selector: 'tc2-settings-page',
  imports: [ErrorBox, StaffOnly, SettingsDelivery, SymbolUniverse, AlpacaEndpointSetting, PurchaseLimits],
  providers: [SettingsStore],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Settings</h1>
    @if (store.loadError(); as error) {
      <tc2-error-box [error]="error" />
      <button type="button" (click)="store.load()">Try again</button>
    }
    @if (store.settings(); as settings) {
      <p class="muted">
        @if (settings.updated_at) {
          Last changed {{ time(settings.updated_at) }} by {{ settings.updated_by ?? 'unknown' }}.
        } @else {
          The defaults; nothing was changed yet.
        }
        Every change is checked by the server; a refused change leaves everything as it was. A
        saved change reaches the running program within seconds, without a restart.
      </p>
      <tc2-settings-delivery />
      <tc2-staff-only action="change the settings; you can read them" />
      <!-- A disabled fieldset disables every control inside it: the settings stay readable. -->
      <fieldset class="plain" [disabled]="!user.isStaff()">
        <tc2-symbol-universe />
        <tc2-alpaca-endpoint />
        <tc2-purchase-limits />
      </fieldset>
    } @else if (!store.loadError()) {
      <p class="muted">Loading the settings…</p>
    }
  `,
})
export class SettingsPage {
  protected readonly store = inject(SettingsStore);
  protected readonly user = inject(CurrentUser);
  protected readonly time = marketDateTime;

  constructor() {
    this.store.load();
  }
}
