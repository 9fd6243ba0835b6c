import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Placeholder while the page is being built. */
@Component({
  selector: 'tc2-console-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>Console</h1>`,
})
export class ConsolePage {}
