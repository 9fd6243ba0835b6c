import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Type } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';

import { stubCharts } from '../../shared/testing/chart-stub';
import { typeInto } from '../../shared/testing/dom';
import { SMA_CROSS } from './run-fixtures';

/**
 * A Simulations or Evaluations page under test: routed at ``path`` with its query parameters as
 * inputs, its charts stubbed (jsdom has no canvas), HTTP answered by hand.
 */
export class RunPageTester {
  element!: HTMLElement;

  private constructor(
    private readonly page: Type<unknown>,
    readonly http: HttpTestingController,
    readonly harness: RouterTestingHarness,
  ) {}

  /** Call it in ``beforeEach``. */
  static async create(path: string, page: Type<unknown>): Promise<RunPageTester> {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideRouter([{ path, component: page }], withComponentInputBinding()),
      ],
    });
    stubCharts(page);
    return new RunPageTester(page, TestBed.inject(HttpTestingController), await RouterTestingHarness.create());
  }

  /** Open ``url``; the page's requests are left to answer. */
  async navigate(url: string): Promise<HTMLElement> {
    await this.harness.navigateByUrl(url, this.page);
    this.element = this.harness.routeNativeElement!;
    return this.element;
  }

  /**
   * Answer what the page loads first: the strategies (SmaCrossStrategy), the symbols, the past
   * runs and the sessions of SPY (the strategy's symbol) on file at 1m.
   */
  answerLoads(answers: {
    symbols: { universe: string[]; on_file: string[] };
    runs?: unknown[];
    dates: string[];
  }): void {
    this.http.expectOne('/api/strategy/list').flush({ strategies: [SMA_CROSS] });
    this.http.expectOne('/api/data/symbols').flush(answers.symbols);
    this.http.expectOne((r) => r.url === '/api/strategy/runs').flush({ runs: answers.runs ?? [] });
    this.http
      .expectOne((r) => r.url === '/api/data/dates/SPY' && r.params.get('resolution') === '1m')
      .flush({ symbol: 'SPY', resolution: '1m', dates: answers.dates });
  }

  async settle(): Promise<void> {
    await this.harness.fixture.whenStable();
    this.harness.detectChanges();
  }

  type(selector: string, value: string): void {
    typeInto(this.element.querySelector<HTMLInputElement>(selector), value);
  }

  /** Submit the form, as its button does. */
  async send(): Promise<void> {
    this.element.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await this.settle();
  }
}
