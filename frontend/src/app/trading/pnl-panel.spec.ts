import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { setUpPageTesting } from '../shared/testing/dom';
import { signInAs } from '../shared/testing/roles';
import { PnlPanel } from './pnl-panel';
import { pnlRow } from './testing/trading-fixtures';
import { PnlRow } from './trading-api';

describe('PnlPanel', () => {
  let fixture: ComponentFixture<PnlPanel>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function answer(days: PnlRow[], strategies: PnlRow[]): string[] {
    const byDay = http.expectOne(
      (r) => r.url === '/api/trading/pnl' && r.params.get('by') === 'day',
    );
    const byStrategy = http.expectOne(
      (r) => r.url === '/api/trading/pnl' && r.params.get('by') === 'strategy',
    );
    byDay.flush({ rows: days });
    byStrategy.flush({ rows: strategies });
    fixture.detectChanges();
    return [byDay.request.params.get('mode') ?? '', byStrategy.request.params.get('mode') ?? ''];
  }

  beforeEach(() => {
    vi.useFakeTimers();
    http = setUpPageTesting();
    signInAs('user');
    fixture = TestBed.createComponent(PnlPanel);
    element = fixture.nativeElement;
  });

  afterEach(() => {
    fixture?.destroy();
    http.verify();
    vi.useRealTimers();
  });

  it('colours each New York day by the sign of its P&L and lists the strategies best first', () => {
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
    const modes = answer(
      [
        pnlRow({ day: '2026-05-28', gain_value: 174.75, round_trips: 2 }),
        pnlRow({ day: '2026-05-29', gain_value: -80.1 }),
      ],
      [
        pnlRow({ strategy: 'Gap', gain_value: -80.1 }),
        pnlRow({ strategy: 'SmaCross', gain_value: 174.75 }),
      ],
    );

    expect(modes).toEqual(['REPLAY', 'REPLAY']);
    const gain = element.querySelector('td[data-day="2026-05-28"]')!;
    expect(gain.classList).toContain('tone-gain');
    expect(gain.textContent).toContain('+$174.75');
    expect(element.querySelector('td[data-day="2026-05-29"]')!.classList).toContain('tone-loss');
    expect(element.querySelector('td[data-day="2026-05-27"]')!.classList).toContain('tone-none');
    expect(element.querySelector('caption')?.textContent).toContain('+$94.65');
    const strategies = [
      ...element.querySelectorAll('table[aria-label="P&L per strategy"] tbody th'),
    ].map((th) => th.textContent);
    expect(strategies).toEqual(['SmaCross', 'Gap']);
  });

  it('shows the traders mode and says when nothing closed', () => {
    fixture.componentRef.setInput('defaultMode', 'PAPER');
    fixture.detectChanges();
    vi.advanceTimersByTime(1);

    expect(answer([], [])).toEqual(['PAPER', 'PAPER']);
    expect(element.textContent).toContain('No round trip has closed in PAPER mode.');
  });
});
