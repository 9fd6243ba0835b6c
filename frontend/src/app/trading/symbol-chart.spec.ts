import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { setUpPageTesting } from '../shared/testing/dom';
import { stubCharts } from '../shared/testing/chart-stub';
import { signInAs } from '../shared/testing/roles';
import { TRADING_POLL_MS } from './poll';
import { SymbolChart, sameBars } from './symbol-chart';
import { bars, fill } from './testing/trading-fixtures';

describe('SymbolChart', () => {
  let fixture: ComponentFixture<SymbolChart>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function answer(fills = [fill()]): void {
    const barsRequest = http.expectOne((r) => r.url === '/api/data/bars/SPY');
    expect(barsRequest.request.params.get('day')).toBe('2026-05-28');
    barsRequest.flush(bars());
    const fillsRequest = http.expectOne((r) => r.url === '/api/trading/fills');
    expect(fillsRequest.request.params.get('symbol')).toBe('SPY');
    expect(fillsRequest.request.params.get('day')).toBe('2026-05-28');
    expect(fillsRequest.request.params.get('mode')).toBe('REPLAY');
    fillsRequest.flush({ count: fills.length, page: 1, page_size: 500, results: fills });
    fixture.detectChanges();
  }

  beforeEach(() => {
    vi.useFakeTimers();
    stubCharts(SymbolChart);
    http = setUpPageTesting();
    signInAs('user');
    fixture = TestBed.createComponent(SymbolChart);
    element = fixture.nativeElement;
  });

  afterEach(() => {
    fixture?.destroy();
    http.verify();
    vi.useRealTimers();
  });

  it("charts the first symbol held on the traders' session with its fills, and keeps it current", () => {
    fixture.componentRef.setInput('symbols', ['SPY']);
    fixture.componentRef.setInput('day', '2026-05-28');
    fixture.componentRef.setInput('mode', 'REPLAY');
    fixture.detectChanges();
    vi.advanceTimersByTime(1);
    answer();

    const chart = element.querySelector('.chart-stub')!;
    expect(chart.textContent).toContain('3 candles, 1 markers');
    expect(chart.getAttribute('aria-label')).toBe(
      'SPY minute bars on 2026-05-28 (New York time) with its fills',
    );

    vi.advanceTimersByTime(TRADING_POLL_MS);
    answer([fill(), fill({ fill_id: 'f-2', side: 'sell', t: '2026-05-28T14:32:10Z' })]);
    expect(element.querySelector('.chart-stub')?.textContent).toContain('3 candles, 2 markers');
  });

  it('keeps the chart as it is when a read brings nothing new', () => {
    fixture.componentRef.setInput('symbols', ['SPY']);
    fixture.componentRef.setInput('day', '2026-05-28');
    fixture.componentRef.setInput('mode', 'REPLAY');
    fixture.detectChanges();
    vi.advanceTimersByTime(1);
    answer();
    const drawn = fixture.componentInstance.bars();

    vi.advanceTimersByTime(TRADING_POLL_MS);
    answer();

    expect(fixture.componentInstance.bars()).toBe(drawn);
    expect(sameBars(bars(), { ...bars(), count: 4, t: [...bars().t, 0] })).toBe(false);
  });

  it('says when there is no session to chart', () => {
    fixture.componentRef.setInput('symbols', ['SPY']);
    fixture.detectChanges();
    vi.advanceTimersByTime(1);

    expect(element.textContent).toContain('No trader is running, so there is no session to chart.');
  });
});
