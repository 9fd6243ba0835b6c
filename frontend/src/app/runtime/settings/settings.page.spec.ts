import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { buttonNamed, fieldErrorTexts, setUpPageTesting, typeInto } from '../../shared/testing/dom';
import { signInAs } from '../../shared/testing/roles';
import { LIVE_REFUSED } from './alpaca-endpoint';
import { toPercent } from './purchase-limits';
import { TradingSettings } from './settings-store';
import { SettingsPage } from './settings.page';

function stored(overrides: Partial<TradingSettings> = {}): TradingSettings {
  return {
    symbols: ['SPY', 'QQQ', 'TXN'],
    alpaca_endpoint: 'paper',
    max_purchase_pct: 0.2,
    max_purchase_usd: 6000,
    strategy_limits: { breakout1: { max_purchase_usd: 2500 } },
    live_trading_allowed: false,
    updated_at: null,
    updated_by: null,
    delivery: { state: 'applied', version: 1, components: { 'data-collector': 1, 'bar-streamer': 1 }, message: 'The running program uses these settings.' },
    ...overrides,
  };
}

const PENDING = { state: 'pending', version: 2, components: { 'data-collector': 1, 'bar-streamer': 2 }, message: 'Waiting for data-collector to apply them.' } as const;
const APPLIED = { state: 'applied', version: 2, components: { 'data-collector': 2, 'bar-streamer': 2 }, message: 'The running program uses these settings.' } as const;

const INVALID = { code: 'validation_failed', message: 'Settings are invalid; nothing was changed.' };

describe('toPercent', () => {
  it('shows fractions as percentages without float noise', () => {
    expect(toPercent(0.07)).toBe(7);
    expect(toPercent(0.2)).toBe(20);
  });
});

describe('SettingsPage', () => {
  let fixture: ComponentFixture<SettingsPage>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function start(settings: TradingSettings = stored()): void {
    fixture = TestBed.createComponent(SettingsPage);
    element = fixture.nativeElement;
    fixture.detectChanges();
    http.expectOne('/api/settings').flush(settings);
    fixture.detectChanges();
    http.expectOne('/api/strategy/list').flush({ strategies: [{ id: 'breakout1' }, { id: 'swing_momentum' }] });
    fixture.detectChanges();
  }

  function type(selector: string, value: string): void {
    typeInto(element.querySelector<HTMLInputElement>(selector), value);
    fixture.detectChanges();
  }

  function button(name: string): HTMLButtonElement {
    return buttonNamed(element, name);
  }

  function click(name: string): void {
    button(name).click();
    fixture.detectChanges();
  }

  function patch(): TestRequest {
    const request = http.expectOne('/api/settings');
    expect(request.request.method).toBe('PATCH');
    return request;
  }

  function fieldErrors(): string[] {
    return fieldErrorTexts(element);
  }

  function delivery(): string {
    return element.querySelector('[data-testid="settings-delivery"]')?.textContent?.replace(/\s+/g, ' ') ?? '';
  }

  beforeEach(() => {
    http = setUpPageTesting();
    signInAs('staff');
  });

  afterEach(() => {
    fixture?.destroy();
    http.verify();
  });

  it('lists the symbol universe', () => {
    start();

    const chips = [...element.querySelectorAll('.chip .mono')].map((s) => s.textContent);
    expect(chips).toEqual(['SPY', 'QQQ', 'TXN']);
    expect(element.textContent).toContain('The defaults; nothing was changed yet.');
  });

  it('refuses a bad symbol before sending anything', () => {
    start();

    type('#new-symbols', 'NOT A TICKER');
    click('Add');

    http.expectNone('/api/settings');
    expect(fieldErrors()).toEqual([
      '"NOT A TICKER" is not a ticker: 1-5 letters, optionally a class suffix like .B (e.g. SPY, BRK.B).',
    ]);
    expect(element.querySelector('#new-symbols')?.getAttribute('aria-invalid')).toBe('true');
  });

  it('refuses a symbol already in the universe before sending', () => {
    start();

    type('#new-symbols', 'spy');
    click('Add');

    http.expectNone('/api/settings');
    expect(fieldErrors()).toEqual(['SPY is already in the universe.']);
  });

  it('adds good symbols, upper-cased, and shows the stored universe', () => {
    start();

    type('#new-symbols', 'nvda, brk.b');
    click('Add');
    const request = patch();
    expect(request.request.body).toEqual({ symbols: ['SPY', 'QQQ', 'TXN', 'NVDA', 'BRK.B'] });
    request.flush(stored({ symbols: ['SPY', 'QQQ', 'TXN', 'NVDA', 'BRK.B'], updated_by: 'admin', updated_at: '2026-11-21T15:00:00Z' }));
    fixture.detectChanges();

    expect([...element.querySelectorAll('.chip .mono')].map((s) => s.textContent)).toContain('BRK.B');
    expect(element.querySelector('[role="status"]')?.textContent).toContain('Added NVDA, BRK.B; collecting their history now.');
    expect((element.querySelector('#new-symbols') as HTMLInputElement).value).toBe('');
  });

  it("shows a 422's field messages next to the input", () => {
    start();

    type('#new-symbols', 'ZZZZZ');
    click('Add');
    patch().flush(
      { error: { ...INVALID, details: { fields: { 'symbols.3': ["'ZZZZZ' is not a listed ticker"] } } } },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    fixture.detectChanges();

    expect(fieldErrors()).toEqual(["'ZZZZZ' is not a listed ticker"]);
    const box = element.querySelector('.error-box');
    expect(box?.textContent).toContain('Settings are invalid; nothing was changed.');
    expect(box?.querySelectorAll('li').length).toBe(0);
  });

  it('removes a symbol, but never the last one', () => {
    start(stored({ symbols: ['SPY', 'QQQ'] }));

    click('Remove QQQ');
    const request = patch();
    expect(request.request.body).toEqual({ symbols: ['SPY'] });
    request.flush(stored({ symbols: ['SPY'] }));
    fixture.detectChanges();

    click('Remove SPY');
    http.expectNone('/api/settings');
    expect(fieldErrors()).toEqual(['SPY is the last symbol; the universe needs at least one.']);
  });

  it('refuses live trading at once when the server does not allow it', () => {
    start();

    const live = element.querySelector('#endpoint-live') as HTMLInputElement;
    live.click();
    fixture.detectChanges();

    expect(element.querySelector('.error-box')?.textContent).toContain(LIVE_REFUSED);
    expect([...element.querySelectorAll('button')].some((b) => b.textContent?.includes('Switch to live'))).toBe(false);
    http.expectNone('/api/settings');
    // The choice goes back to the endpoint in use while the refusal stays in view.
    expect((element.querySelector('#endpoint-paper') as HTMLInputElement).checked).toBe(true);
    expect(live.checked).toBe(false);
    click('Dismiss');
    expect(element.querySelector('.error-box')).toBeNull();
  });

  it('switches to live only after an explicit confirmation', () => {
    start(stored({ live_trading_allowed: true }));

    (element.querySelector('#endpoint-live') as HTMLInputElement).click();
    fixture.detectChanges();
    expect(button('Switch to live trading').disabled).toBe(true);
    (element.querySelector('#confirm-live') as HTMLInputElement).click();
    fixture.detectChanges();
    click('Switch to live trading');

    const request = patch();
    expect(request.request.body).toEqual({ alpaca_endpoint: 'live' });
    request.flush(stored({ live_trading_allowed: true, alpaca_endpoint: 'live' }));
    fixture.detectChanges();
    expect(element.querySelector('[data-testid="current-endpoint"]')?.textContent).toBe('live');
  });

  it("shows the server's refusal of live trading", () => {
    start(stored({ live_trading_allowed: true }));

    (element.querySelector('#endpoint-live') as HTMLInputElement).click();
    fixture.detectChanges();
    (element.querySelector('#confirm-live') as HTMLInputElement).click();
    fixture.detectChanges();
    click('Switch to live trading');
    patch().flush(
      {
        error: {
          ...INVALID,
          details: { fields: { alpaca_endpoint: ['live trading is disabled on this deployment; set TC2_ALLOW_LIVE=1 to allow it'] } },
        },
      },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    fixture.detectChanges();

    expect(fieldErrors()).toContain('live trading is disabled on this deployment; set TC2_ALLOW_LIVE=1 to allow it');
    expect((element.querySelector('#endpoint-paper') as HTMLInputElement).checked).toBe(true);
    expect((element.querySelector('#endpoint-live') as HTMLInputElement).checked).toBe(false);
  });

  it('says when a saved change has reached the running program', async () => {
    vi.useFakeTimers();
    try {
      start();
      expect(delivery()).toContain('In use by the running program.');

      type('#new-symbols', 'nvda');
      click('Add');
      patch().flush({ ...stored({ symbols: ['SPY', 'QQQ', 'TXN', 'NVDA'], delivery: PENDING }), history_jobs: [] });
      fixture.detectChanges();
      expect(delivery()).toContain('On its way to the running program');
      expect(delivery()).toContain('Waiting for data-collector');

      await vi.advanceTimersByTimeAsync(1_000);
      http.expectOne('/api/settings').flush(stored({ symbols: ['SPY', 'QQQ', 'TXN', 'NVDA'], delivery: APPLIED }));
      fixture.detectChanges();
      expect(delivery()).toContain('In use by the running program.');
      await vi.advanceTimersByTimeAsync(5_000);
      http.expectNone('/api/settings'); // it stops asking once the change has arrived
    } finally {
      vi.useRealTimers();
    }
  });

  it('shows the job collecting the history of an added symbol', () => {
    start();
    type('#new-symbols', 'NVDA');
    click('Add');
    const job = {
      id: 'j1', type: 'data_catch_up', params: { symbols: ['NVDA'] }, status: 'queued', progress: 0,
      progress_message: '', result: null, error: '', cancel_requested: false, worker: '',
      created_at: '2026-12-07T14:30:00Z', started_at: null, finished_at: null, requested_by: 'admin',
    } as const;
    patch().flush({ ...stored({ symbols: ['SPY', 'QQQ', 'TXN', 'NVDA'] }), history_jobs: [job] });
    fixture.detectChanges();

    expect(element.textContent).toContain('Added NVDA; collecting its history now.');
    expect(element.textContent).toContain('Collecting the history of NVDA');
    expect(element.querySelector('[aria-label="Job data_catch_up queued"]')).not.toBeNull();
    http.match('/api/jobs/j1').forEach((request) => request.flush({ ...job, status: 'succeeded', progress: 100 }));
  });

  it('says the program picks up the settings when it starts, while it is stopped', () => {
    start(stored({ delivery: { state: 'program_stopped', version: 3, components: {}, message: 'TC2Program is not running; it uses these settings when it starts.' } }));
    expect(delivery()).toContain('it uses these settings when it starts');
  });

  it('lists every strategy with the limit that applies to it', () => {
    start();

    const rows = [...element.querySelectorAll('tbody tr')].map((row) =>
      [...row.querySelectorAll('th, td')].slice(0, 3).map((cell) => cell.textContent?.replace(/\s+/g, ' ').trim()),
    );
    expect(rows).toEqual([
      ['breakout1', '20.00 % default', '$2,500.00 override'],
      ['swing_momentum', '20.00 % default', '$6,000.00 default'],
    ]);
    expect((element.querySelector('#default-pct') as HTMLInputElement).value).toBe('20');
  });

  it('checks the default limits before sending and sends the percentage as a fraction', () => {
    start();

    type('#default-pct', '150');
    click('Save default limits');
    http.expectNone('/api/settings');
    expect(fieldErrors()).toEqual(['Max % of equity: Enter a percentage above 0 and at most 100.']);

    type('#default-pct', '12.5');
    type('#default-usd', '4000');
    click('Save default limits');
    const request = patch();
    expect(request.request.body).toEqual({ max_purchase_pct: 0.125, max_purchase_usd: 4000 });
    request.flush(stored({ max_purchase_pct: 0.125, max_purchase_usd: 4000 }));
    fixture.detectChanges();
    expect(element.querySelector('[role="status"]')?.textContent).toContain('Saved the default limits.');
  });

  it('sets, and removes, a strategy override', () => {
    start();

    click('Save override');
    http.expectNone('/api/settings');
    expect(fieldErrors()).toContain('Strategy: Choose a strategy.');
    expect(fieldErrors()).toContain('Enter a max % of equity, max dollars, or both.');

    type('#override-strategy', 'swing_momentum');
    type('#override-pct', '5');
    click('Save override');
    const request = patch();
    expect(request.request.body).toEqual({ strategy_limits: { swing_momentum: { max_purchase_pct: 0.05 } } });
    request.flush(stored());
    fixture.detectChanges();

    click('Remove the override of breakout1');
    expect(patch().request.body).toEqual({ strategy_limits: { breakout1: null } });
  });

  it('shows a load failure with a way to try again', () => {
    fixture = TestBed.createComponent(SettingsPage);
    element = fixture.nativeElement;
    fixture.detectChanges();
    http.expectOne('/api/settings').error(new ProgressEvent('error'), { status: 0 });
    fixture.detectChanges();

    expect(element.querySelector('.error-box')?.textContent).toContain('cannot be reached');
    click('Try again');
    http.expectOne('/api/settings').flush(stored());
    fixture.detectChanges();
    http.expectOne('/api/strategy/list').flush({ strategies: [] });
    expect(element.querySelectorAll('.chip').length).toBe(3);
  });

  it('shows a viewer the settings with every control disabled and says why', () => {
    signInAs('user');
    start();

    const controls = [...element.querySelectorAll<HTMLElement>('input, button, select')];
    expect(controls.length).toBeGreaterThan(5);
    expect(controls.every((control) => control.matches(':disabled'))).toBe(true);
    expect(element.querySelector('.staff-only')?.textContent).toContain(
      'Only staff can change the settings; you can read them: you are signed in as trader, without staff rights.',
    );
    expect([...element.querySelectorAll('.chip .mono')].map((s) => s.textContent)).toEqual(['SPY', 'QQQ', 'TXN']);
  });

  it('enables the controls and shows no note for staff', () => {
    start();

    expect(button('Add').matches(':disabled')).toBe(false);
    expect(element.querySelector('.staff-only')).toBeNull();
  });
});
