import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { buttonNamed, setUpPageTesting, typeInto } from '../shared/testing/dom';
import { signInAs } from '../shared/testing/roles';
import { RiskPanel } from './risk-panel';
import { T0, risk } from './testing/trading-fixtures';
import { Risk } from './trading-api';

describe('RiskPanel', () => {
  let fixture: ComponentFixture<RiskPanel>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function start(answer: Risk = risk()): void {
    fixture = TestBed.createComponent(RiskPanel);
    element = fixture.nativeElement;
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
    http.expectOne('/api/trading/risk').flush(answer);
    fixture.detectChanges();
  }

  function giveReason(why: string): void {
    typeInto(element.querySelector<HTMLInputElement>('input[name="why"]'), why);
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

  it("shows the switch, today's loss against the limit and the limits in dollars", () => {
    start();

    expect(element.querySelector('[data-testid="kill-switch-state"]')?.textContent).toBe('ACTIVE');
    expect(element.querySelector('[data-testid="day-loss"]')?.textContent?.trim()).toBe(
      '$750.00 lost (0.74 %) / limit $5,050.00, 14.85 % of it used',
    );
    expect(element.textContent).toContain('Today (2026-05-28, New York)');
    expect(element.textContent).toContain('$25,262.50 / $50,000.00');
    expect(element.textContent).toContain('3 / 60');
    expect(element.textContent).toContain('No order was refused.');
  });

  it('lists the refusals with their rule and figures, and the log of changes', () => {
    start(
      risk({
        switch: {
          state: 'REDUCING',
          who: 'risk engine',
          why: 'daily loss limit: lost $5,100.00',
          at: T0,
          seq: 1,
          flatten: 0,
        },
        refusals: [
          {
            at: T0,
            trader: 'day',
            rule: 'daily_loss',
            message: 'daily loss $5,100.00 >= limit $5,050.00',
            symbol: 'QQQ',
            side: 'buy',
            qty: 10,
            notional: null,
            client_order_id: null,
          },
        ],
        history: [
          {
            id: '1-0',
            kind: 'state',
            before: 'ACTIVE',
            after: 'REDUCING',
            who: 'risk engine',
            why: 'daily loss limit',
            at: T0,
            seq: 1,
          },
        ],
      }),
    );

    expect(element.textContent).toContain('Set by risk engine at 2026-05-28 14:30:00 ET');
    const refusal = element.querySelector('table[aria-label="Recent refusals"] tbody tr')!;
    expect(refusal.textContent).toContain('daily_loss');
    expect(refusal.textContent).toContain('buy 10 QQQ');
    expect(refusal.textContent).toContain('>= limit $5,050.00');
    expect(
      element.querySelector('table[aria-label="Kill switch log"] tbody tr')?.textContent,
    ).toContain('ACTIVE → REDUCING');
  });

  it('halts only with a reason and after the confirmation, expecting the state it showed', () => {
    start();

    expect(buttonNamed(element, 'Set HALTED').disabled).toBe(true);
    expect(buttonNamed(element, 'Set ACTIVE').disabled).toBe(true); // already ACTIVE
    giveReason('feed looks wrong');
    buttonNamed(element, 'Set HALTED').click();
    fixture.detectChanges();
    http.expectNone('/api/trading/risk/state');
    buttonNamed(element, 'Set HALTED now').click();

    const request = http.expectOne('/api/trading/risk/state');
    expect(request.request.body).toEqual({
      state: 'HALTED',
      why: 'feed looks wrong',
      expect: 'ACTIVE',
    });
    request.flush({
      changed: true,
      switch: {
        state: 'HALTED',
        who: 'admin',
        why: 'feed looks wrong',
        at: T0,
        seq: 1,
        flatten: 0,
      },
      transition: null,
    });
    fixture.detectChanges();

    expect(element.querySelector('[data-testid="kill-switch-state"]')?.textContent).toBe('HALTED');
    expect(element.querySelector('[role="status"]')?.textContent).toContain(
      'Kill switch set to HALTED.',
    );
    expect(buttonNamed(element, 'Flatten all positions')).toBeTruthy();
  });

  it('says when someone changed the switch meanwhile', () => {
    start();
    giveReason('resume');
    buttonNamed(element, 'Set REDUCING').click();
    fixture.detectChanges();
    buttonNamed(element, 'Set REDUCING now').click();
    http.expectOne('/api/trading/risk/state').flush(
      {
        error: {
          code: 'conflict',
          message:
            'The kill switch is HALTED, not ACTIVE as expected: someone changed it meanwhile; nothing was changed.',
          details: {},
        },
      },
      { status: 409, statusText: 'Conflict' },
    );
    fixture.detectChanges();

    expect(element.querySelector('.error-box')?.textContent).toContain(
      'someone changed it meanwhile',
    );
  });

  it('asks for a flatten in HALTED after the confirmation', () => {
    start(
      risk({ switch: { state: 'HALTED', who: 'admin', why: 'stop', at: T0, seq: 1, flatten: 0 } }),
    );
    giveReason('close everything');

    buttonNamed(element, 'Flatten all positions').click();
    fixture.detectChanges();
    buttonNamed(element, 'Flatten now').click();
    const request = http.expectOne('/api/trading/risk/flatten');
    expect(request.request.body).toEqual({ why: 'close everything' });
    request.flush({
      changed: true,
      switch: { state: 'HALTED', who: 'admin', why: 'stop', at: T0, seq: 1, flatten: 1 },
      transition: null,
    });
    fixture.detectChanges();

    expect(element.querySelector('[role="status"]')?.textContent).toContain(
      'Flatten request 1 sent to every trader.',
    );
  });

  it('offers no flatten outside HALTED', () => {
    start();
    expect(() => buttonNamed(element, 'Flatten all positions')).toThrow();
  });

  it('hides the kill switch controls from a viewer and says why, showing the figures still', () => {
    signInAs('user');
    start(
      risk({ switch: { state: 'HALTED', who: 'admin', why: 'stop', at: T0, seq: 1, flatten: 0 } }),
    );

    expect(element.querySelector('input[name="why"]')).toBeNull();
    expect(() => buttonNamed(element, 'Set ACTIVE')).toThrow();
    expect(() => buttonNamed(element, 'Flatten all positions')).toThrow();
    expect(element.querySelector('.staff-only')?.textContent).toContain(
      'Only staff can change the kill switch or flatten',
    );
    expect(element.querySelector('[data-testid="kill-switch-state"]')?.textContent).toBe('HALTED');
  });
});
