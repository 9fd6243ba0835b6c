import { ChangeDetectionStrategy, Component, input } from '@angular/core';

import { MetricRow } from './run-figures';

/** A run's figures as a two-column table, named for assistive technology by ``label``. */
@Component({
  selector: 'tc2-metrics-table',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <table class="metrics" [attr.aria-label]="label()">
      <tbody>
        @for (row of rows(); track row.label) {
          <tr>
            <th scope="row" [attr.title]="row.hint ?? null">{{ row.label }}</th>
            <td
              class="num"
              [class.positive]="row.tone === 'positive'"
              [class.negative]="row.tone === 'negative'"
            >
              {{ row.value }}
            </td>
          </tr>
        }
      </tbody>
    </table>
  `,
  styles: `
    .metrics th {
      font-weight: 400;
      white-space: nowrap;
    }
    .metrics td {
      overflow-wrap: anywhere;
    }
  `,
})
export class MetricsTable {
  readonly rows = input.required<readonly MetricRow[]>();
  readonly label = input('Metrics');
}
