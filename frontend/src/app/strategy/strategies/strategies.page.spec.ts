import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { SMA_CROSS } from '../testing/run-fixtures';
import { StrategiesPage } from './strategies.page';

describe('StrategiesPage', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => http.verify());

  it('shows each strategy with its window, models and parameters with defaults and bounds', async () => {
    const fixture = TestBed.createComponent(StrategiesPage);
    http.expectOne('/api/strategy/list').flush({
      strategies: [
        SMA_CROSS,
        {
          ...SMA_CROSS,
          id: 'LongShortStrategy',
          fixed_symbols: true,
          required_models: ['LS_FAVOR'],
        },
      ],
    });
    await fixture.whenStable();
    const element: HTMLElement = fixture.nativeElement;

    const cards = element.querySelectorAll('article.strategy');
    expect(cards.length).toBe(2);
    expect(cards[0].querySelector('h2')?.textContent).toBe('SmaCrossStrategy');
    expect(cards[0].textContent).toContain('09:30–16:00');
    expect(cards[0].querySelector('.summary')?.textContent).toBe(
      'Moving-average crossover with limit entries and stop exits.',
    );
    expect(cards[0].querySelector('.docstring')?.textContent).toBe('More rules.');
    const qty = Array.from(
      cards[0].querySelectorAll('table[aria-label="Parameters of SmaCrossStrategy"] tbody tr'),
    ).find((row) => row.textContent?.includes('qty'))!;
    expect(Array.from(qty.children).map((cell) => cell.textContent?.trim())).toEqual([
      'qty',
      'int',
      '100',
      '1',
      '1000000',
      'shares',
    ]);
    expect(cards[1].textContent).toContain('(always these)');
    expect(cards[1].textContent).toContain('LS_FAVOR');
    const simulate = cards[0].querySelector<HTMLAnchorElement>('a[href*="simulations"]')!;
    expect(simulate.getAttribute('href')).toBe('/strategy/simulations?strategy=SmaCrossStrategy');
  });

  it('says so when the list cannot be loaded', async () => {
    const fixture = TestBed.createComponent(StrategiesPage);
    http
      .expectOne('/api/strategy/list')
      .flush(
        { error: { code: 'not_authenticated', message: 'Sign in again.', details: {} } },
        { status: 401, statusText: 'Unauthorized' },
      );
    await fixture.whenStable();

    expect(fixture.nativeElement.querySelector('[role="alert"]')?.textContent).toContain(
      'Sign in again.',
    );
  });
});
