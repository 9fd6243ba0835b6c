import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { buttonNamed, setUpPageTesting } from '../shared/testing/dom';
import { signInAs } from '../shared/testing/roles';
import { TRADING_POLL_MS } from './poll';
import { PositionsPanel } from './positions-panel';
import { command, position } from './testing/trading-fixtures';

describe('PositionsPanel', () => {
  let fixture: ComponentFixture<PositionsPanel>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function start(positions = [position()]): void {
    fixture = TestBed.createComponent(PositionsPanel);
    element = fixture.nativeElement;
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
    http.expectOne('/api/trading/positions').flush({ positions });
    fixture.detectChanges();
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

  it('shows each position with its mark and unrealized P&L, updated at the next read', () => {
    start();
    const row = element.querySelector('tr[data-symbol="SPY"]')!;
    expect(row.textContent).toContain('505.25');
    expect(row.querySelector('[data-testid="unrealized-pl"]')?.textContent?.trim()).toBe(
      '+$262.50',
    );
    expect(row.querySelector('.replay')).not.toBeNull();

    vi.advanceTimersByTime(TRADING_POLL_MS);
    http
      .expectOne('/api/trading/positions')
      .flush({ positions: [position({ mark: 498, unrealized_pl: -100, market_value: 24_900 })] });
    fixture.detectChanges();

    const cell = element.querySelector('tr[data-symbol="SPY"] [data-testid="unrealized-pl"]')!;
    expect(cell.textContent?.trim()).toBe('-$100.00');
    expect(cell.classList).toContain('negative');
  });

  it('force-exits a position only after the confirmation', () => {
    start();

    buttonNamed(element, 'Force exit SPY').click();
    fixture.detectChanges();
    expect(element.textContent).toContain('Close 50 SPY at market now');
    http.expectNone('/api/trading/positions/SPY/force_exit');
    buttonNamed(element, 'Close at market').click();
    const request = http.expectOne('/api/trading/positions/SPY/force_exit');
    expect(request.request.method).toBe('POST');
    request.flush(command());
    fixture.detectChanges();

    expect(element.querySelector('[role="status"]')?.textContent).toContain(
      'force exit sent to the day trader: done',
    );
  });

  it('shows a refused force exit in words', () => {
    start();
    buttonNamed(element, 'Force exit SPY').click();
    fixture.detectChanges();
    buttonNamed(element, 'Close at market').click();
    http.expectOne('/api/trading/positions/SPY/force_exit').flush(
      {
        error: {
          code: 'command_not_done',
          message: 'The day trader did not force_exit: refused: market closed',
          details: {},
        },
      },
      { status: 409, statusText: 'Conflict' },
    );
    fixture.detectChanges();

    expect(element.querySelector('.error-box')?.textContent).toContain('refused: market closed');
  });

  it('hides the force exit from a viewer and says why', () => {
    signInAs('user');
    start();

    expect(() => buttonNamed(element, 'Force exit SPY')).toThrow();
    expect(element.querySelector('.staff-only')?.textContent).toContain(
      'Only staff can force-exit a position',
    );
  });

  it('says when nothing is held', () => {
    start([]);
    expect(element.textContent).toContain('No open positions.');
  });
});
