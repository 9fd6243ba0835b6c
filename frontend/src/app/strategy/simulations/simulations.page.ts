import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Placeholder while the page is being built. */
@Component({
  selector: 'tc2-simulations-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>Simulations</h1>`,
})
export class SimulationsPage {}
