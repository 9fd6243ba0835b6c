import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Placeholder while the page is being built. */
@Component({
  selector: 'tc2-strategies-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>Strategies</h1>`,
})
export class StrategiesPage {}
