import { Component, input } from '@angular/core';

import { ChartSpec } from '../../shared/chart';

/** jsdom has no canvas: a stand-in for ``tc2-chart`` that says what it was asked to draw. */
@Component({
  selector: 'tc2-chart',
  template: `<div class="chart-stub" role="img" [attr.aria-label]="label()">
    {{ spec().candles?.length ?? 0 }} candles, {{ spec().markers?.length ?? 0 }} markers,
    {{ spec().lines?.length ?? 0 }} lines
  </div>`,
})
export class ChartStub {
  readonly spec = input.required<ChartSpec>();
  readonly label = input('chart');
  readonly height = input(360);
}
