import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { RouterLink } from '@angular/router';

import { signedDollars, toneOf } from './run-figures';
import { StrategyRun } from './strategy-api';
import { fmt } from '../shared/format';

/**
 * Past runs of one kind, newest first: each opens on its page (``?run=<id>``), so a reload or
 * a shared link shows it again. With ``compareWith`` (the open evaluation) each other finished
 * run also offers to be compared with it (``?run=<open>&compare=<id>``).
 */
@Component({
  selector: 'tc2-run-list',
  imports: [RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="card" [attr.aria-labelledby]="headingId()">
      <div class="list-head">
        <h2 [id]="headingId()">{{ title() }}</h2>
        <button type="button" class="secondary" (click)="refresh.emit()">Refresh list</button>
      </div>
      <div class="scroll">
        <table [attr.aria-label]="title()">
          <thead>
            <tr>
              <th scope="col">Requested</th>
              <th scope="col">Strategy</th>
              <th scope="col">Symbols</th>
              <th scope="col">{{ kind() === 'simulate' ? 'Day' : 'Range' }}</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">Profit</th>
              @if (compareWith()) {
                <th scope="col">Compare</th>
              }
            </tr>
          </thead>
          <tbody>
            @for (run of runs(); track run.id) {
              <tr
                [class.selected]="run.id === selectedId()"
                [attr.aria-current]="run.id === selectedId() ? 'true' : null"
              >
                <td>
                  <a
                    [routerLink]="[]"
                    [queryParams]="{ run: run.id }"
                    [attr.aria-label]="'Open ' + describe(run)"
                  >
                    {{ fmt.marketDateTime(run.created_at) }}
                  </a>
                </td>
                <td>{{ run.strategy }}</td>
                <td>{{ run.symbols.join(', ') }}</td>
                <td>{{ kind() === 'simulate' ? run.day : run.start + ' to ' + run.end }}</td>
                <td>
                  <span class="badge" [class]="'badge status-' + run.status">{{ run.status }}</span>
                </td>
                <td
                  class="num"
                  [class.positive]="tone(run) === 'positive'"
                  [class.negative]="tone(run) === 'negative'"
                >
                  {{ profit(run) }}
                </td>
                @if (compareWith(); as open) {
                  <td>
                    @if (run.id !== open && run.status === 'succeeded') {
                      <a
                        [routerLink]="[]"
                        [queryParams]="{ run: open, compare: run.id }"
                        [attr.aria-label]="'Compare with ' + describe(run)"
                        >Compare</a
                      >
                    }
                  </td>
                }
              </tr>
            } @empty {
              <tr>
                <td [attr.colspan]="compareWith() ? 7 : 6" class="muted">No runs yet.</td>
              </tr>
            }
          </tbody>
        </table>
      </div>
    </section>
  `,
  styles: `
    .list-head {
      display: flex;
      justify-content: space-between;
      align-items: center;
      gap: 1rem;
    }
    .scroll {
      max-height: 24rem;
      overflow: auto;
    }
    tr.selected td {
      background: rgba(76, 141, 255, 0.12);
    }
  `,
})
export class RunList {
  protected readonly fmt = fmt;
  readonly runs = input.required<readonly StrategyRun[]>();
  readonly kind = input.required<'simulate' | 'evaluate'>();
  readonly title = input('Past runs');
  readonly selectedId = input<string | null>(null);
  readonly compareWith = input<string | null>(null);
  readonly refresh = output<void>();

  protected headingId(): string {
    return `${this.kind()}-runs-heading`;
  }

  protected describe(run: StrategyRun): string {
    const when = this.kind() === 'simulate' ? run.day : `${run.start} to ${run.end}`;
    return `${run.strategy} on ${run.symbols.join(', ')} ${when}`;
  }

  protected profit(run: StrategyRun): string {
    return run.profit === null ? '—' : signedDollars(run.profit);
  }

  protected tone(run: StrategyRun): string | null {
    return toneOf(run.profit);
  }
}
