import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Placeholder while the page is being built. */
@Component({
  selector: 'tc2-program-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>Program</h1>`,
})
export class ProgramPage {}
