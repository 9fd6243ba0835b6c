import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  computed,
  inject,
  linkedSignal,
  signal,
  viewChild,
} from '@angular/core';

import { Schemas } from '../../core/api';
import { ErrorBox } from '../../shared/error-box';
import { fieldMessagesUnder, fieldNamesUnder } from '../../shared/form-rules';
import { SettingsSave, SettingsStore } from './settings-store';

type Endpoint = Schemas['AlpacaEndpointEnum'];

export const LIVE_REFUSED =
  'Live trading is not enabled on this server. An administrator must set TC2_ALLOW_LIVE=1 in the ' +
  "server's environment and start TC2 again; until then TC2 trades on the paper endpoint only.";

/**
 * Paper or live: choosing the other endpoint asks for an explicit confirmation (for live, also a
 * tick acknowledging real money). When the server does not allow live trading, choosing live shows
 * that refusal at once, sends nothing and puts the choice back on the endpoint in use; should the
 * server refuse anyway, its message shows and the choice goes back too.
 */
@Component({
  selector: 'tc2-alpaca-endpoint',
  imports: [ErrorBox],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" aria-labelledby="endpoint-title">
      <h2 id="endpoint-title">Alpaca endpoint</h2>
      <p>
        Orders go to the
        <span class="badge" [class]="'badge endpoint-' + current()" data-testid="current-endpoint">{{ current() }}</span>
        endpoint.
        @if (!allowed()) {
          <span class="muted">Live trading is disabled on this server.</span>
        }
      </p>
      <fieldset>
        <legend>Send orders to</legend>
        <div class="choice">
          <input #paper type="radio" id="endpoint-paper" name="alpaca-endpoint" value="paper" [checked]="chosen() === 'paper'"
                 (change)="choose('paper')" />
          <label for="endpoint-paper">Paper — simulated money</label>
        </div>
        <div class="choice">
          <input #live type="radio" id="endpoint-live" name="alpaca-endpoint" value="live" [checked]="chosen() === 'live'"
                 (change)="choose('live')" />
          <label for="endpoint-live">Live — real money</label>
        </div>
      </fieldset>
      @if (refusal()) {
        <div class="error-box" role="alert">
          <strong>{{ refused }}</strong> Nothing was changed; orders still go to the {{ current() }} endpoint.
          <div class="keep"><button type="button" class="secondary" (click)="refusal.set(false)">Dismiss</button></div>
        </div>
      }
      @if (chosen() !== current()) {
          <div class="confirm-box" role="group" aria-label="Confirm the endpoint change">
            @if (chosen() === 'live') {
              <p><strong>Switch to LIVE trading?</strong> From now on every order TC2 places goes to Alpaca's live endpoint and spends real money.</p>
              <input type="checkbox" id="confirm-live" [checked]="acknowledged()" (change)="acknowledged.set($any($event.target).checked)" />
              <label for="confirm-live" class="inline">I understand that live orders spend real money</label>
            } @else {
              <p><strong>Switch to paper trading?</strong> Orders go to Alpaca's paper endpoint with simulated money.</p>
            }
            <div class="row">
              <button type="button" [class.danger]="chosen() === 'live'" [disabled]="saving.busy() || (chosen() === 'live' && !acknowledged())"
                      (click)="apply()">Switch to {{ chosen() }} trading</button>
              <button type="button" class="secondary" (click)="choose(current())">Cancel</button>
            </div>
          </div>
      }
      @for (message of endpointMessages(); track $index) {
        <p class="field-error" role="alert">{{ message }}</p>
      }
      <tc2-error-box [error]="saving.error()" [shownFields]="shownFields()" />
      @if (saving.saved(); as note) {
        <p role="status">{{ note }}</p>
      }
    </section>
  `,
  styles: `
    fieldset { border: 1px solid var(--line); border-radius: 4px; padding: 0.5rem 0.75rem; margin: 0 0 0.75rem; }
    legend { color: var(--muted); padding: 0 0.25rem; }
    .choice { display: flex; align-items: center; gap: 0.5rem; margin: 0.25rem 0; }
    .choice label, label.inline { display: inline; margin: 0; color: var(--text); }
    .confirm-box { border: 1px solid var(--warn); border-radius: 4px; padding: 0.6rem 0.8rem; margin: 0.5rem 0; }
    .confirm-box p { margin: 0 0 0.5rem; }
    .confirm-box .row, .keep { margin-top: 0.5rem; }
    .endpoint-paper { background: var(--good); color: #000; }
    .endpoint-live { background: var(--bad); color: #fff; }
  `,
})
export class AlpacaEndpointSetting {
  private readonly store = inject(SettingsStore);

  protected readonly refused = LIVE_REFUSED;
  protected readonly current = computed<Endpoint>(() => this.store.settings()?.alpaca_endpoint ?? 'paper');
  protected readonly allowed = computed(() => this.store.settings()?.live_trading_allowed ?? false);
  protected readonly chosen = linkedSignal<Endpoint>(() => this.current());
  protected readonly acknowledged = signal(false);
  /** Live was chosen on a server that does not allow it. */
  protected readonly refusal = signal(false);
  protected readonly saving = new SettingsSave();
  private readonly paperRadio = viewChild.required<ElementRef<HTMLInputElement>>('paper');
  private readonly liveRadio = viewChild.required<ElementRef<HTMLInputElement>>('live');
  protected readonly endpointMessages = computed(() => fieldMessagesUnder(this.saving.error(), 'alpaca_endpoint'));
  protected readonly shownFields = computed(() => fieldNamesUnder(this.saving.error(), 'alpaca_endpoint'));

  protected choose(endpoint: Endpoint): void {
    this.acknowledged.set(false);
    this.saving.clear();
    this.refusal.set(endpoint === 'live' && !this.allowed() && this.current() !== 'live');
    this.chosen.set(this.refusal() ? this.current() : endpoint);
    this.showChosen();
  }

  /** The radios show what is chosen, also when the browser ticked one the page refused. */
  private showChosen(): void {
    this.paperRadio().nativeElement.checked = this.chosen() === 'paper';
    this.liveRadio().nativeElement.checked = this.chosen() === 'live';
  }

  protected apply(): void {
    const endpoint = this.chosen();
    if (endpoint === 'live' && (!this.allowed() || !this.acknowledged())) {
      return;
    }
    this.saving.save(
      { alpaca_endpoint: endpoint },
      (settings) => `Orders now go to the ${settings.alpaca_endpoint ?? endpoint} endpoint.`,
      () => this.acknowledged.set(false),
      () => {
        this.chosen.set(this.current());
        this.acknowledged.set(false);
        this.showChosen();
      },
    );
  }
}
