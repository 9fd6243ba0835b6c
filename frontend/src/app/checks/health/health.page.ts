import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Placeholder while the page is being built. */
@Component({
  selector: 'tc2-health-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>Health checks</h1>`,
})
export class HealthPage {}
