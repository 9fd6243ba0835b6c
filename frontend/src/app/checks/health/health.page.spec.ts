import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { setUpPageTesting, typeInto } from '../../shared/testing/dom';
import { HealthCheckList, HealthCheckResult } from './health-checks-api';
import { HealthPage } from './health.page';

const STORE_RESULT: HealthCheckResult = {
  check_type: 'STORE',
  symbol: '',
  status: 'PASSED',
  debug_messages: ["saved 5 days of DUMMY and 1 of DUMMZ (1140 one-second bars each) in namespace 'health_checking'"],
  figures: { namespace: 'health_checking', bars_per_day: 1140, average_load_ms: 0.463 },
  params: { check_type: 'STORE', symbol: null, day_date: null },
  last_updated: '2026-11-21T20:03:22Z',
  duration_s: 0.03,
  job_id: '7f1c2a60-0000-4000-8000-000000000001',
};

const LIST: HealthCheckList = {
  check_types: [
    { check_type: 'STORE', takes_symbol: false, takes_day: false, description: 'Save/load/remove/drop integrity.' },
    { check_type: 'SIM_OUTPUT', takes_symbol: true, takes_day: true, description: 'Realism checks.' },
  ],
  results: [STORE_RESULT],
};

const INVALID = {
  error: {
    code: 'validation_failed',
    message: 'The health check request is invalid; nothing was started.',
    details: { fields: { day_date: ['2024-07-04 is not a trading session'] } },
  },
};

describe('HealthPage', () => {
  let fixture: ComponentFixture<HealthPage>;
  let http: HttpTestingController;

  function latest(checkType: string): TestRequest {
    return http.expectOne((r) => r.url === '/api/health_checks/get' && r.params.get('check_type') === checkType);
  }

  function card(name: string): HTMLElement {
    return fixture.nativeElement.querySelector(`section[aria-label="${name}"]`);
  }


  beforeEach(async () => {
    http = setUpPageTesting();
    fixture = TestBed.createComponent(HealthPage);
    fixture.componentRef.setInput('check', 'SIM_OUTPUT');
    fixture.componentRef.setInput('symbol', 'SPY');
    await fixture.whenStable();
    http.expectOne('/api/health_checks/list').flush(LIST);
    await fixture.whenStable();
    latest('STORE').flush(STORE_RESULT);
    const simOutput = latest('SIM_OUTPUT');
    expect(simOutput.request.params.get('symbol')).toBe('SPY'); // the URL's symbol
    simOutput.flush(null, { status: 204, statusText: 'No Content' });
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  it('shows each check with its latest result: status, messages and figures', () => {
    const store = card('STORE');

    expect(store.querySelector('.badge.status-PASSED')?.textContent?.trim()).toBe('PASSED');
    expect(store.textContent).toContain("namespace 'health_checking'");
    const figures = store.querySelector('[aria-label="STORE figures"]')!.textContent!;
    expect(figures).toContain('Bars per day');
    expect(figures).toContain('Average load (ms)');
    expect(figures).toContain('1,140');
    expect(store.querySelector('button[type="submit"]')!.textContent!.trim()).toBe('Run STORE again');
  });

  it('says "never run" for a check without a result (204)', () => {
    const simOutput = card('SIM_OUTPUT');

    expect(simOutput.querySelector('.badge')!.textContent!.trim()).toBe('never run');
    expect(simOutput.textContent).toContain('SIM_OUTPUT has never run for SPY.');
    expect(simOutput.querySelector('button[type="submit"]')!.textContent!.trim()).toBe('Run SIM_OUTPUT');
    expect(simOutput.classList).toContain('selected');
  });

  it('labels every control', () => {
    for (const control of Array.from<HTMLElement>(fixture.nativeElement.querySelectorAll('input, select'))) {
      expect(fixture.nativeElement.querySelector(`label[for="${control.id}"]`)).not.toBeNull();
    }
  });

  it('names a bad symbol before sending anything', async () => {
    const simOutput = card('SIM_OUTPUT');
    typeInto(simOutput.querySelector('#health-SIM_OUTPUT-symbol')!, 'not a ticker');

    simOutput.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await fixture.whenStable();

    http.expectNone('/api/health_checks/perform');
    expect(simOutput.querySelector('.field-error')!.textContent).toContain('"not a ticker" is not a ticker');
    expect(simOutput.querySelector('#health-SIM_OUTPUT-symbol')!.getAttribute('aria-invalid')).toBe('true');
  });

  it("shows a 422's field messages next to their inputs", async () => {
    const simOutput = card('SIM_OUTPUT');
    typeInto(simOutput.querySelector('#health-SIM_OUTPUT-day')!, '2024-07-04');

    simOutput.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    const perform = http.expectOne((r) => r.url === '/api/health_checks/perform');
    expect(perform.request.method).toBe('POST');
    expect(perform.request.params.get('check_type')).toBe('SIM_OUTPUT');
    expect(perform.request.params.get('symbol')).toBe('SPY');
    expect(perform.request.params.get('day_date')).toBe('2024-07-04');
    perform.flush(INVALID, { status: 422, statusText: 'Unprocessable Entity' });
    await fixture.whenStable();

    const dayError = simOutput.querySelector('#health-SIM_OUTPUT-day-error')!;
    expect(dayError.textContent).toContain('2024-07-04 is not a trading session');
    expect(simOutput.querySelector('#health-SIM_OUTPUT-day')!.getAttribute('aria-describedby')).toBe(dayError.id);
    const box = simOutput.querySelector('.error-box')!;
    expect(box.textContent).toContain('The health check request is invalid; nothing was started.');
    expect(box.textContent).not.toContain('day_date'); // shown by the input, not repeated
  });
});
