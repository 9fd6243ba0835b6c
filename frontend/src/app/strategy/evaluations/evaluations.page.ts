import { ChangeDetectionStrategy, Component } from '@angular/core';

/** Placeholder while the page is being built. */
@Component({
  selector: 'tc2-evaluations-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<h1>Evaluations</h1>`,
})
export class EvaluationsPage {}
