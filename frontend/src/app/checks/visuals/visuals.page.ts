import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Placeholder while the page is being built. */
@Component({
  selector: 'tc2-visuals-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>Visuals</h1>`,
})
export class VisualsPage {}
