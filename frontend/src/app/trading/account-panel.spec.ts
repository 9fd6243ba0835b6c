import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { buttonNamed, setUpPageTesting } from '../shared/testing/dom';
import { signInAs } from '../shared/testing/roles';
import { AccountPanel } from './account-panel';
import { TRADING_POLL_MS } from './poll';
import { account, command } from './testing/trading-fixtures';

describe('AccountPanel', () => {
  let fixture: ComponentFixture<AccountPanel>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function start(answer = account()): void {
    fixture = TestBed.createComponent(AccountPanel);
    element = fixture.nativeElement;
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
    http.expectOne('/api/trading/account').flush(answer);
    fixture.detectChanges();
  }

  function text(testId: string): string {
    return element.querySelector(`[data-testid="${testId}"]`)?.textContent?.trim() ?? '';
  }

  beforeEach(() => {
    vi.useFakeTimers();
    http = setUpPageTesting();
    signInAs('staff');
  });

  afterEach(() => {
    fixture?.destroy();
    http.verify();
    vi.useRealTimers();
  });

  it('shows the account in dollars with the mode, replay figures marked as replay', () => {
    start();

    expect(text('equity')).toBe('$100,250.50');
    expect(text('cash')).toBe('$75,000.00');
    expect(text('buying-power')).toBe('$150,000.00');
    expect(text('day-trades-left')).toBe('2');
    expect(text('trading-mode')).toBe('REPLAY');
    expect(text('mode-note')).toContain('Replay market');
    expect(element.querySelector('.replay-note')?.textContent).toContain('Replay figures');
  });

  it('shows each trader with its state and its clock in New York time', () => {
    start();

    const day = element.querySelector('tr[data-trader="day"]')!;
    expect(day.querySelector('[data-testid="trader-state"]')?.textContent?.trim()).toBe('running');
    expect(day.textContent).toContain('2026-05-28 14:30:00 ET');
    expect(element.querySelector('tr[data-trader="swing"]')?.textContent).toContain('not running');
  });

  it('reads the account again within 2 s and tells the page the mode and the clock', () => {
    const seen: unknown[] = [];
    fixture = TestBed.createComponent(AccountPanel);
    fixture.componentInstance.seen.subscribe((value) => seen.push(value));
    element = fixture.nativeElement;
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
    http.expectOne('/api/trading/account').flush(account());

    vi.advanceTimersByTime(TRADING_POLL_MS);
    http
      .expectOne('/api/trading/account')
      .flush(
        account({ account: { cash: 1, equity: 99_000, buying_power: 2, day_trades_left: null } }),
      );
    fixture.detectChanges();

    expect(text('equity')).toBe('$99,000.00');
    expect(text('day-trades-left')).toContain('not limited');
    expect(seen[0]).toEqual({ mode: 'REPLAY', marketT: account().traders[0].market_t });
  });

  it('stops the day trader only after the confirmation and says what it did', () => {
    start();

    buttonNamed(element, 'Stop day trader').click();
    fixture.detectChanges();
    http.expectNone('/api/trading/traders/day/stop');
    buttonNamed(element, 'Stop now').click();
    const request = http.expectOne('/api/trading/traders/day/stop');
    expect(request.request.method).toBe('POST');
    expect(request.request.body).toEqual({ liquidate: false });
    request.flush(command({ kind: 'stop', message: 'stopped; 1 order cancelled' }));
    fixture.detectChanges();

    expect(element.querySelector('[role="status"]')?.textContent).toContain(
      'stop sent to the day trader: done — stopped; 1 order cancelled',
    );
  });

  it('offers no start for a running trader, and nothing for one not running', () => {
    start();

    expect(buttonNamed(element, 'Start day trader').disabled).toBe(true);
    expect(buttonNamed(element, 'Start swing trader').disabled).toBe(true);
    expect(buttonNamed(element, 'Stop swing trader').disabled).toBe(true);
  });

  it('hides start and stop from a viewer and says why', () => {
    signInAs('user');
    start();

    expect(() => buttonNamed(element, 'Stop day trader')).toThrow();
    expect(element.querySelector('.staff-only')?.textContent).toContain(
      'Only staff can start or stop the traders',
    );
  });

  it('shows an unreachable API in words', () => {
    fixture = TestBed.createComponent(AccountPanel);
    element = fixture.nativeElement;
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
    http.expectOne('/api/trading/account').flush(
      {
        error: {
          code: 'service_unavailable',
          message: 'Redis is unavailable (ConnectionError)',
          details: {},
        },
      },
      { status: 503, statusText: 'Unavailable' },
    );
    fixture.detectChanges();

    expect(element.querySelector('.error-box')?.textContent).toContain('Redis is unavailable');
  });
});
