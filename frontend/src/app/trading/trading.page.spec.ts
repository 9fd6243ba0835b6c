import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { buttonNamed, setUpPageTesting } from '../shared/testing/dom';
import { stubCharts } from '../shared/testing/chart-stub';
import { signInAs } from '../shared/testing/roles';
import { SymbolChart } from './symbol-chart';
import { account, bars, fill, order, position, risk } from './testing/trading-fixtures';
import { TradingPage } from './trading.page';

/** What the API answers to each of the page's reads. */
function answerOf(request: TestRequest): unknown {
  const url = request.request.url;
  const page = (results: unknown[]) => ({
    count: results.length,
    page: 1,
    page_size: 500,
    results,
  });
  const answers: Record<string, unknown> = {
    '/api/trading/account': account(),
    '/api/trading/positions': { positions: [position()] },
    '/api/trading/orders': { orders: [order()] },
    '/api/trading/risk': risk(),
    '/api/trading/fills': page([fill()]),
    '/api/trading/round_trips': page([]),
    '/api/trading/pnl': { rows: [] },
    '/api/data/bars/SPY': bars(),
  };
  return answers[url];
}

describe('TradingPage', () => {
  let fixture: ComponentFixture<TradingPage>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function answerAll(): string[] {
    const requests = http.match(() => true);
    for (const request of requests) {
      request.flush(answerOf(request) as object);
    }
    fixture.detectChanges();
    return requests.map((request) => request.request.url);
  }

  function settle(): string[] {
    const urls: string[] = [];
    for (let round = 0; round < 4; round++) {
      vi.advanceTimersByTime(1);
      urls.push(...answerAll());
    }
    return urls;
  }

  beforeEach(() => {
    vi.useFakeTimers();
    stubCharts(SymbolChart);
    http = setUpPageTesting();
  });

  afterEach(() => {
    fixture?.destroy();
    vi.useRealTimers();
  });

  function open(): void {
    fixture = TestBed.createComponent(TradingPage);
    element = fixture.nativeElement;
    fixture.detectChanges();
  }

  it('reads every panel and charts the held symbol on the traders session with its fills', () => {
    signInAs('staff');
    open();

    const urls = settle();

    expect(new Set(urls)).toEqual(
      new Set([
        '/api/trading/account',
        '/api/trading/positions',
        '/api/trading/orders',
        '/api/trading/risk',
        '/api/trading/fills',
        '/api/trading/round_trips',
        '/api/trading/pnl',
        '/api/data/bars/SPY',
      ]),
    );
    expect(element.querySelector('h1')?.textContent).toBe('Trading');
    expect(element.querySelector('.chart-stub')?.textContent).toContain('3 candles, 1 markers');
    expect(buttonNamed(element, 'Force exit SPY')).toBeTruthy();
    expect(buttonNamed(element, 'Set HALTED')).toBeTruthy();
  });

  it('shows a viewer every figure and no control, each panel saying why', () => {
    signInAs('user');
    open();
    settle();

    expect(element.querySelector('[data-testid="equity"]')?.textContent).toBe('$100,250.50');
    expect(element.querySelectorAll('tc2-confirm-step')).toHaveLength(0);
    const reasons = [...element.querySelectorAll('.staff-only')].map(
      (note) => note.textContent ?? '',
    );
    expect(reasons).toHaveLength(4);
    expect(reasons.every((reason) => reason.includes('without staff rights'))).toBe(true);
  });
});
