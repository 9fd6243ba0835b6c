import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Placeholder while the page is being built. */
@Component({
  selector: 'tc2-data-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>Data</h1>`,
})
export class DataPage {}
