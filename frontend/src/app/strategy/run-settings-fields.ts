import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';

import { ErrorBox } from '../shared/error-box';
import { describedBy } from '../shared/form-rules';
import { RunPage } from './run-page';
import { StrategyParams } from './strategy-params';

const RESOLUTION_LABELS: Record<string, string> = {
  '1s': '1-second',
  '1m': '1-minute',
  '1d': 'daily (1d)',
};

/**
 * The run form's common fields, in a grid: the strategy first, then the page's own fields (its
 * content), then warm-up days, fill model, starting cash and the checkboxes (models, short
 * selling, closing at the end), then what it
 * projects as ``[runFieldsEnd]``; below them the strategy's parameters, the request's error and
 * the submit button (the page's ``<form>`` sends).
 * Ids are ``<idPrefix>-strategy``, ``<idPrefix>-warmup``, … and ``<idPrefix>-param-<name>``.
 */
@Component({
  selector: 'tc2-run-settings-fields',
  imports: [ReactiveFormsModule, ErrorBox, StrategyParams],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './run-settings-fields.html',
  styleUrl: './run-page.css',
  styles: `
    label.check.filters {
      margin-top: 1.9rem;
    }
  `,
})
export class RunSettingsFields {
  readonly page = input.required<RunPage>();
  readonly idPrefix = input.required<string>();
  readonly submitLabel = input.required<string>();
  /** Name the strategy's active windows in its hint. */
  readonly showWindows = input(false);
  readonly warmupHint = input.required<string>();
  readonly cashLabel = input('Starting cash ($)');

  protected readonly describedBy = describedBy;

  protected resolutionLabel(resolution: string): string {
    return RESOLUTION_LABELS[resolution] ?? resolution;
  }
}
