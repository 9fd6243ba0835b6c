import { ChangeDetectionStrategy, Component, Type, input } from '@angular/core';
import { TestBed } from '@angular/core/testing';

import { Chart, ChartSpec } from '../chart';

/** jsdom has no canvas: a stand-in for ``tc2-chart``, named like it, that says what it was asked to draw. */
@Component({
  selector: 'tc2-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
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

/** Draw the charts of these components with ``ChartStub`` (call it before anything is injected). */
export function stubCharts(...components: Type<unknown>[]): void {
  for (const component of components) {
    TestBed.overrideComponent(component, { remove: { imports: [Chart] }, add: { imports: [ChartStub] } });
  }
}
