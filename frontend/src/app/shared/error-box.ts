import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

import { ApiError } from '../core/api';

/**
 * An API error as a person reads it: the sentence, then each bad field with its messages.
 * Fields a form shows next to its own inputs can be left out with ``shownFields``.
 */
@Component({
  selector: 'tc2-error-box',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (error(); as e) {
      <div class="error-box" role="alert">
        <strong>{{ e.message }}</strong>
        @if (otherFields().length) {
          <ul>
            @for (field of otherFields(); track field[0]) {
              <li><code>{{ field[0] }}</code>: {{ field[1].join(' ') }}</li>
            }
          </ul>
        }
      </div>
    }
  `,
})
export class ErrorBox {
  readonly error = input<ApiError | null>(null);
  readonly shownFields = input<readonly string[]>([]);
  protected readonly otherFields = computed(() => {
    const e = this.error();
    const shown = new Set(this.shownFields());
    return e ? Object.entries(e.fields).filter(([name]) => !shown.has(name)) : [];
  });
}
