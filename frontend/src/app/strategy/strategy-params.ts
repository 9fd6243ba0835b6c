import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';

import { ApiError } from '../core/api';
import { describedBy } from '../shared/form-rules';
import { isFractionSetting, percent } from '../shared/format';
import { PercentInput } from '../shared/percent-input';
import { ParameterValue, ParametersForm, fieldMessages } from './run-form';
import { StrategyParameter } from './strategy-api';

/**
 * A strategy's parameters as inputs: each labelled by its name, with its default, bounds and
 * meaning beside it, and what is wrong with it (the form's check or the server's
 * ``params.<name>`` message) below it.
 */
@Component({
  selector: 'tc2-strategy-params',
  imports: [ReactiveFormsModule, PercentInput],
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './run-page.css',
  template: `
    <fieldset class="params" [formGroup]="form()">
      <legend>Parameters of {{ strategyId() }}</legend>
      @if (!parameters().length) {
        <p class="muted">This strategy has no parameters.</p>
      }
      <div class="params-grid">
        @for (parameter of parameters(); track parameter.name) {
          @let id = idPrefix() + '-' + parameter.name;
          @let messages = messagesOf(parameter.name);
          <div class="param">
            @if (parameter.type === 'bool') {
              <label class="check" [for]="id">
                <input
                  type="checkbox"
                  [id]="id"
                  [formControlName]="parameter.name"
                  [attr.aria-invalid]="messages.length > 0"
                  [attr.aria-describedby]="describedBy(id, messages)"
                />
                {{ parameter.name }}
              </label>
            } @else if (inPercent(parameter)) {
              <label [for]="id">{{ parameter.name }} <span class="muted">(%)</span></label>
              <div class="percent">
                <input
                  tc2Percent
                  type="text"
                  inputmode="decimal"
                  [id]="id"
                  [formControlName]="parameter.name"
                  [attr.aria-invalid]="messages.length > 0"
                  [attr.aria-describedby]="describedBy(id, messages)"
                />
                <span aria-hidden="true">%</span>
              </div>
            } @else {
              <label [for]="id">{{ parameter.name }}</label>
              <input
                type="number"
                [id]="id"
                [formControlName]="parameter.name"
                [attr.min]="parameter.low"
                [attr.max]="parameter.high"
                [attr.step]="parameter.type === 'int' ? 1 : 'any'"
                [attr.aria-invalid]="messages.length > 0"
                [attr.aria-describedby]="describedBy(id, messages)"
              />
            }
            <small class="muted field-hint" [id]="id + '-hint'">{{ hintOf(parameter) }}</small>
            @if (messages.length) {
              <p class="field-error" [id]="id + '-error'">{{ messages.join(' ') }}</p>
            }
          </div>
        }
      </div>
      @if (parameters().length) {
        <button type="button" class="secondary" (click)="resetToDefaults()">
          Reset parameters to defaults
        </button>
      }
    </fieldset>
  `,
  styles: `
    .params {
      border: 1px solid var(--line);
      border-radius: 6px;
      padding: 0.5rem 1rem 1rem;
      margin: 1rem 0 0;
    }
    .params legend {
      color: var(--muted);
      padding: 0 0.3rem;
    }
    .params-grid {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr));
      gap: 0 1rem;
      margin-bottom: 0.75rem;
    }
    .param input[type='number'] {
      width: 100%;
    }
    .percent {
      display: flex;
      align-items: center;
      gap: 0.3rem;
    }
    .percent input {
      flex: 1;
      min-width: 0;
    }
    .param label {
      overflow-wrap: anywhere;
    }
  `,
})
export class StrategyParams {
  readonly form = input.required<ParametersForm>();
  readonly parameters = input.required<readonly StrategyParameter[]>();
  readonly strategyId = input('');
  readonly error = input<ApiError | null>(null);
  /** Show every problem, touched or not (after a refused send). */
  readonly submitted = input(false);
  readonly idPrefix = input('param');

  protected readonly describedBy = describedBy;

  protected messagesOf(name: string): string[] {
    return fieldMessages(
      this.form().controls[name],
      `params.${name}`,
      this.error(),
      this.submitted(),
    );
  }

  /** Fractions (``*_pct``) are read and typed in percent; the form keeps the fraction. */
  protected inPercent(parameter: StrategyParameter): boolean {
    return parameter.type === 'float' && isFractionSetting(parameter.name);
  }

  protected hintOf(parameter: StrategyParameter): string {
    if (this.inPercent(parameter)) {
      return parameterHint(parameter);
    }
    const bounds =
      parameter.low !== null && parameter.high !== null
        ? `, ${parameter.low} to ${parameter.high}`
        : parameter.low !== null
          ? `, at least ${parameter.low}`
          : parameter.high !== null
            ? `, at most ${parameter.high}`
            : '';
    const kind =
      parameter.type === 'int' ? 'whole number' : parameter.type === 'float' ? 'number' : 'yes/no';
    return `${kind}, default ${String(parameter.default)}${bounds}${parameter.description ? ' — ' + parameter.description : ''}`;
  }

  protected resetToDefaults(): void {
    for (const parameter of this.parameters()) {
      this.form().controls[parameter.name]?.reset(parameter.default as ParameterValue);
    }
  }
}

/** A percent parameter's hint: ``percent, default 0.15 %, 0.00 % to 5.00 % — …``. */
export function parameterHint(parameter: StrategyParameter): string {
  const value = (x: unknown) => (typeof x === 'number' ? percent(x) : String(x));
  const { low, high } = parameter;
  const bounds =
    low !== null && high !== null
      ? `, ${value(low)} to ${value(high)}`
      : low !== null
        ? `, at least ${value(low)}`
        : high !== null
          ? `, at most ${value(high)}`
          : '';
  return `percent, default ${value(parameter.default)}${bounds}${parameter.description ? ' — ' + parameter.description : ''}`;
}

/** The API fields this component shows next to its inputs (for ``tc2-error-box``'s shownFields). */
export function parameterFields(parameters: readonly StrategyParameter[]): string[] {
  return parameters.map((parameter) => `params.${parameter.name}`);
}
