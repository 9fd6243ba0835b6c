import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { buttonNamed, setUpPageTesting, typeInto } from '../shared/testing/dom';
import { signInAs } from '../shared/testing/roles';
import { TRADING_POLL_MS } from './poll';
import { T0, fill } from './testing/trading-fixtures';
import { TradeRecords } from './trade-records';
import { Fill, RoundTrip } from './trading-api';

function trip(): RoundTrip {
  return {
    run_id: 1,
    strategy: 'SmaCross',
    mode: 'REPLAY',
    symbol: 'SPY',
    direction: 'long',
    start: '2026-05-28T14:31:12Z',
    end: '2026-05-28T15:02:00Z',
    qty: 50,
    entry_price: 500,
    exit_price: 503.5,
    stop_price: 495,
    fees: 0.25,
    gain_value: 174.75,
    gain_percentage: 0.7,
    r_units: 0.7,
  };
}

describe('TradeRecords', () => {
  let fixture: ComponentFixture<TradeRecords>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function answer(
    fills: Fill[] = [fill()],
    trips: RoundTrip[] = [trip()],
  ): { fills: TestRequest; trips: TestRequest } {
    const requests = {
      fills: http.expectOne((r) => r.url === '/api/trading/fills'),
      trips: http.expectOne((r) => r.url === '/api/trading/round_trips'),
    };
    requests.fills.flush({ count: fills.length, page: 1, page_size: 500, results: fills });
    requests.trips.flush({ count: trips.length, page: 1, page_size: 500, results: trips });
    fixture.detectChanges();
    return requests;
  }

  function start(): void {
    fixture = TestBed.createComponent(TradeRecords);
    element = fixture.nativeElement;
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
    answer();
  }

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0 * 1000);
    http = setUpPageTesting();
    signInAs('user');
  });

  afterEach(() => {
    fixture?.destroy();
    http.verify();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('shows fills and round trips in New York time with money to the cent', () => {
    start();

    const fillRow = element.querySelector('table[aria-label="Fills"] tbody tr')!;
    expect(fillRow.textContent).toContain('2026-05-28 10:31:12 ET');
    expect(fillRow.textContent).toContain('500.00');
    const tripRow = element.querySelector('table[aria-label="Round trips"] tbody tr')!;
    expect(tripRow.textContent).toContain('2026-05-28 11:02:00 ET');
    expect(tripRow.textContent).toContain('+$174.75');
    expect(tripRow.textContent).toContain('0.70 %');
  });

  it('filters by day, strategy, symbol and mode, and keeps reading with the filters', () => {
    start();

    typeInto(element.querySelector<HTMLInputElement>('input[name="day"]'), '2026-05-28');
    typeInto(element.querySelector<HTMLInputElement>('input[name="symbol"]'), 'spy');
    const mode = element.querySelector<HTMLSelectElement>('select[name="mode"]')!;
    mode.value = 'PAPER';
    mode.dispatchEvent(new Event('change'));
    vi.advanceTimersByTime(350);
    const { fills } = answer([], []);

    expect(fills.request.params.get('day')).toBe('2026-05-28');
    expect(fills.request.params.get('symbol')).toBe('SPY');
    expect(fills.request.params.get('mode')).toBe('PAPER');
    expect(fills.request.params.has('strategy')).toBe(false);
    expect(element.textContent).toContain('No fills match.');

    vi.advanceTimersByTime(TRADING_POLL_MS);
    expect(answer().fills.request.params.get('mode')).toBe('PAPER');
  });

  it('exports the fills shown as CSV', async () => {
    start();
    const made: Blob[] = [];
    const create = vi.fn((blob: Blob) => {
      made.push(blob);
      return 'blob:fills';
    });
    Object.assign(URL, { createObjectURL: create, revokeObjectURL: vi.fn() });
    const click = vi
      .spyOn(HTMLAnchorElement.prototype, 'click')
      .mockImplementation(() => undefined);

    buttonNamed(element, 'Export fills CSV').click();

    expect(click).toHaveBeenCalledOnce();
    const text = await made[0].text();
    expect(text.split('\r\n')[1]).toContain('2026-05-28 10:31:12,REPLAY,SmaCross,1,SPY,buy');
  });

  it('starts on the traders mode until the user picks one', () => {
    fixture = TestBed.createComponent(TradeRecords);
    fixture.componentRef.setInput('defaultMode', 'REPLAY');
    element = fixture.nativeElement;
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
    answer(); // the first read, before the mode is known
    vi.advanceTimersByTime(350);

    expect(answer().fills.request.params.get('mode')).toBe('REPLAY');
  });
});
