import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { RouterLink } from '@angular/router';

import { ApiError, apiErrorFrom } from '../../core/api';
import { ErrorBox } from '../../shared/error-box';
import { isFractionSetting, percent } from '../../shared/format';
import { StrategyApi, StrategyDescription, StrategyParameter } from '../strategy-api';
import { StrategyFiles } from './strategy-files';

/**
 * Every registered strategy (built-in or from a strategy file staff added): what it does (its docstring), when it trades, on which bars and
 * symbols, which models it needs, and its parameters with defaults and bounds; each links to
 * a simulation or an evaluation of it. Below, the strategy files themselves (StrategyFiles).
 */
@Component({
  selector: 'tc2-strategies-page',
  imports: [RouterLink, ErrorBox, StrategyFiles],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Strategies</h1>
    <tc2-error-box [error]="error()" />
    @if (strategies() === null && !error()) {
      <p class="muted" role="status">Loading strategies…</p>
    }
    @if (strategies(); as list) {
      <nav class="card toc" aria-label="Strategies on this page">
        <span class="muted">{{ list.length }} strategies:</span>
        @for (strategy of list; track strategy.id) {
          <a [href]="'#' + anchor(strategy)" (click)="jump($event, strategy)">{{ strategy.id }}</a>
        }
      </nav>
      @for (strategy of list; track strategy.id) {
        <article
          class="card strategy"
          [id]="anchor(strategy)"
          [attr.aria-labelledby]="anchor(strategy) + '-name'"
          tabindex="-1"
        >
          <header class="strategy-head">
            <h2 [id]="anchor(strategy) + '-name'">{{ strategy.id }}</h2>
            <span class="badge">{{ strategy.kind }} strategy</span>
            <span class="badge">{{ strategy.resolution }} bars</span>
            @if (strategy.origin === 'uploaded') {
              <span class="badge uploaded" title="From a strategy file staff added">from {{ strategy.file }}</span>
            }
            @if (strategy.experimental) {
              <span class="badge experimental" title="Not allowed to trade live">experimental</span>
            }
            <span class="actions">
              <a [routerLink]="['/strategy/simulations']" [queryParams]="{ strategy: strategy.id }"
                >Simulate a day</a
              >
              <a [routerLink]="['/strategy/evaluations']" [queryParams]="{ strategy: strategy.id }"
                >Evaluate</a
              >
            </span>
          </header>
          <p class="summary">{{ summary(strategy) }}</p>
          @if (details(strategy); as rest) {
            <details>
              <summary>Rules in full</summary>
              <div class="docstring">{{ rest }}</div>
            </details>
          }
          <dl class="facts">
            <dt>Active (New York)</dt>
            <dd>
              @for (window of strategy.active_windows; track $index) {
                <span class="window">{{ window.start }}–{{ window.end }}</span>
              } @empty {
                <span class="muted">no windows</span>
              }
            </dd>
            <dt>Symbols</dt>
            <dd>
              @if (strategy.default_symbols.length) {
                {{ strategy.default_symbols.join(', ') }}
                <span class="muted">{{
                  strategy.fixed_symbols ? '(always these)' : '(by default)'
                }}</span>
              } @else {
                <span class="muted">none by default: choose them per run</span>
              }
            </dd>
            <dt>Models</dt>
            <dd>
              @for (model of strategy.required_models; track model) {
                <span class="badge model">{{ model }}</span>
              } @empty {
                <span class="muted">none</span>
              }
            </dd>
          </dl>
          <h3 [id]="anchor(strategy) + '-params'">Parameters</h3>
          @if (strategy.parameters.length) {
            <div class="scroll">
              <table [attr.aria-label]="'Parameters of ' + strategy.id">
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Type</th>
                    <th scope="col" class="num">Default</th>
                    <th scope="col" class="num">Low</th>
                    <th scope="col" class="num">High</th>
                    <th scope="col">Meaning</th>
                  </tr>
                </thead>
                <tbody>
                  @for (parameter of strategy.parameters; track parameter.name) {
                    <tr>
                      <th scope="row">
                        <code>{{ parameter.name }}</code>
                      </th>
                      <td>{{ parameter.type }}</td>
                      <td class="num">{{ shown(parameter, parameter.default) }}</td>
                      <td class="num">{{ shown(parameter, parameter.low) }}</td>
                      <td class="num">{{ shown(parameter, parameter.high) }}</td>
                      <td>{{ parameter.description || '—' }}</td>
                    </tr>
                  }
                </tbody>
              </table>
            </div>
          } @else {
            <p class="muted">No parameters.</p>
          }
        </article>
      } @empty {
        <p class="muted">No strategies are installed.</p>
      }
    }
    <tc2-strategy-files (changed)="load()" />
  `,
  styles: `
    .toc {
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem 1rem;
      align-items: center;
    }
    .strategy:focus {
      outline: none;
    }
    .strategy-head {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
      align-items: center;
      margin-bottom: 0.5rem;
    }
    .strategy-head h2 {
      margin: 0 0.5rem 0 0;
    }
    .strategy-head .actions {
      margin-left: auto;
      display: flex;
      gap: 1rem;
    }
    .experimental {
      background: var(--warn);
      color: #000;
    }
    .model {
      margin-right: 0.3rem;
    }
    .summary {
      margin: 0.25rem 0 0.5rem;
    }
    .docstring {
      white-space: pre-wrap;
      color: var(--muted);
      margin: 0.5rem 0;
      line-height: 1.45;
    }
    details {
      margin-bottom: 0.75rem;
    }
    .window {
      margin-right: 0.75rem;
      font-variant-numeric: tabular-nums;
    }
    .facts {
      margin-bottom: 0.5rem;
    }
    .scroll {
      overflow-x: auto;
    }
    table th[scope='row'] {
      font-weight: 400;
      color: var(--text);
    }
  `,
})
export class StrategiesPage {
  /** A parameter's value as the forms show it: fractions (``*_pct``) in percent. */
  protected shown(parameter: StrategyParameter, value: unknown): string {
    if (value === null || value === undefined) {
      return '—';
    }
    return parameter.type === 'float' && typeof value === 'number' && isFractionSetting(parameter.name)
      ? percent(value)
      : String(value);
  }

  private readonly api = inject(StrategyApi);
  protected readonly strategies = signal<StrategyDescription[] | null>(null);
  protected readonly error = signal<ApiError | null>(null);

  constructor() {
    this.load();
  }

  protected load(): void {
    this.api.strategies().subscribe({
      next: (list) => this.strategies.set(list),
      error: (e: unknown) => this.error.set(apiErrorFrom(e)),
    });
  }

  protected anchor(strategy: StrategyDescription): string {
    return `strategy-${strategy.id}`;
  }

  /** The docstring's first paragraph: what the strategy does, in a sentence or two. */
  protected summary(strategy: StrategyDescription): string {
    return (
      strategy.description
        .split(/\n\s*\n/)[0]
        .replace(/\s+/g, ' ')
        .trim() || 'No description.'
    );
  }

  /** The rest of the docstring (its documented rules), dedented; '' when there is none. */
  protected details(strategy: StrategyDescription): string {
    const paragraphs = strategy.description.split(/\n\s*\n/).slice(1);
    const lines = paragraphs.join('\n\n').split('\n');
    const indents = lines
      .filter((line) => line.trim())
      .map((line) => line.length - line.trimStart().length);
    const indent = indents.length ? Math.min(...indents) : 0;
    return lines
      .map((line) => line.slice(indent))
      .join('\n')
      .trim();
  }

  /** In-page links without the router: scroll to the strategy and move the focus there. */
  protected jump(event: Event, strategy: StrategyDescription): void {
    event.preventDefault();
    const target = document.getElementById(this.anchor(strategy));
    target?.scrollIntoView({ block: 'start' });
    target?.focus({ preventScroll: true });
  }
}
