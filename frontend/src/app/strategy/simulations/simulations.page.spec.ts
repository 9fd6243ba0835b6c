import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';

import { RunPageTester } from '../testing/run-page-tester';
import { minuteBars, runDetail } from '../testing/run-fixtures';
import { SimulationsPage } from './simulations.page';

const RUN_ID = runDetail().id;

describe('SimulationsPage', () => {
  let page: RunPageTester;
  let http: HttpTestingController;
  let element: HTMLElement;

  async function open(url: string): Promise<void> {
    element = await page.navigate(url);
    page.answerLoads({
      symbols: { universe: ['SPY', 'QQQ'], on_file: ['SPY'] },
      dates: ['2026-03-05', '2026-03-06'],
    });
    await page.settle();
  }

  beforeEach(async () => {
    page = await RunPageTester.create('strategy/simulations', SimulationsPage);
    http = page.http;
  });

  afterEach(() => http.verify());

  it('offers the strategy, its parameters with their bounds and the latest session on file', async () => {
    await open('/strategy/simulations');

    expect(element.querySelector<HTMLSelectElement>('#sim-strategy')!.value).toBe(
      'SmaCrossStrategy',
    );
    expect(element.querySelector<HTMLSelectElement>('#sim-day')!.value).toBe('2026-03-06');
    const qty = element.querySelector<HTMLInputElement>('#sim-param-qty')!;
    expect(qty.value).toBe('100');
    expect(element.querySelector('label[for="sim-param-qty"]')?.textContent?.trim()).toBe('qty');
    expect(element.querySelector('#sim-param-qty-hint')?.textContent).toContain(
      'default 100, 1 to 1000000',
    );
  });

  it('refuses an out-of-bounds parameter before sending and says why next to it', async () => {
    await open('/strategy/simulations');

    page.type('#sim-param-qty', '0');
    await page.send();

    http.expectNone('/api/strategy/simulate_day');
    const qty = element.querySelector<HTMLInputElement>('#sim-param-qty')!;
    expect(qty.getAttribute('aria-invalid')).toBe('true');
    expect(qty.getAttribute('aria-describedby')).toContain('sim-param-qty-error');
    expect(element.querySelector('#sim-param-qty-error')?.textContent).toContain(
      'must be from 1 to 1000000, was 0',
    );
  });

  it('refuses a warm-up beyond the limit and a start time outside regular hours', async () => {
    await open('/strategy/simulations');

    page.type('#sim-warmup', '11');
    page.type('#sim-start-time', '18:00');
    await page.send();

    http.expectNone('/api/strategy/simulate_day');
    expect(element.querySelector('#sim-warmup-error')?.textContent).toContain(
      'from 0 to 10, was 11',
    );
    expect(element.querySelector('#sim-start-time-error')?.textContent).toContain(
      'within regular hours',
    );
  });

  it("shows a 422's field messages next to their inputs and the sentence above", async () => {
    await open('/strategy/simulations');
    page.type('#sim-param-qty', '10');

    await page.send();
    const request = http.expectOne('/api/strategy/simulate_day');
    expect(request.request.body).toEqual({
      strategy: 'SmaCrossStrategy',
      symbol: 'SPY',
      day: '2026-03-06',
      params: { fast: 10, qty: 10 },
      fill_model: 'realistic',
      adjustment: 'split',
      warmup_days: 1,
      starting_cash: 30000,
      model_filters: true,
      allow_short: false,
      close_at_end: false,
      resolution: '1m',
    });
    request.flush(
      {
        error: {
          code: 'validation_failed',
          message: 'The simulation request is invalid; nothing was run.',
          details: {
            fields: {
              day: ['no 1m bars of SPY on file for 2026-03-06; collect or import them first'],
              'params.qty': ['qty must be <= 1000.0, was 10'],
              fill_model: ['fill model must be one of backtrader, pyalgotrade, realistic, tc2'],
              adjustment: ["adjustment must be one of raw, split, all, was 'forward'"],
              mystery: ['a field the form does not have'],
            },
          },
        },
      },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    await page.settle();

    expect(element.querySelector('#sim-day-error')?.textContent).toContain(
      'no 1m bars of SPY on file for 2026-03-06',
    );
    expect(element.querySelector('#sim-param-qty-error')?.textContent).toContain(
      'qty must be <= 1000.0, was 10',
    );
    expect(element.querySelector('#sim-fill-model-error')?.textContent).toContain(
      'fill model must be one of',
    );
    expect(element.querySelector('#sim-adjustment-error')?.textContent).toContain(
      'adjustment must be one of raw, split, all',
    );
    const box = element.querySelector('form .error-box')!;
    expect(box.textContent).toContain('The simulation request is invalid; nothing was run.');
    expect(box.textContent).toContain('mystery');
    expect(box.textContent).not.toContain('no 1m bars'); // shown beside the day instead
  });

  it('sends short selling and closing at the end when checked', async () => {
    await open('/strategy/simulations');
    page.type('#sim-param-qty', '10');
    element.querySelector<HTMLInputElement>('#sim-allow-short')!.click();
    element.querySelector<HTMLInputElement>('#sim-close-at-end')!.click();

    await page.send();
    const request = http.expectOne('/api/strategy/simulate_day');

    expect(request.request.body).toMatchObject({ allow_short: true, close_at_end: true });
  });

  it('sends a valid request, keeps the run in the URL and shows its chart, metrics and orders', async () => {
    await open('/strategy/simulations');
    page.type('#sim-param-qty', '10');
    page.type('#sim-start-time', '10:00');

    await page.send();
    const request = http.expectOne('/api/strategy/simulate_day');
    expect(request.request.body).toMatchObject({ start_time: '10:00', params: { qty: 10 } });
    const { result: _result, ...queued } = runDetail({ status: 'queued', result: null });
    request.flush(queued, { status: 202, statusText: 'Accepted' });
    await page.settle();

    expect(TestBed.inject(Router).url).toBe(`/strategy/simulations?run=${RUN_ID}`);
    // Queued when sent, done by the time the page asks (it only follows unfinished runs).
    http.expectOne(`/api/strategy/runs/${RUN_ID}`).flush(runDetail());
    await page.settle();
    const bars = http.expectOne((r) => r.url === '/api/data/bars/SPY');
    expect(bars.request.params.get('day')).toBe('2026-03-06');
    expect(bars.request.params.get('resolution')).toBe('1m');
    // The prices the run saw: split-adjusted to its last session.
    expect(bars.request.params.get('adjustment')).toBe('split');
    expect(bars.request.params.get('reference')).toBe('2026-03-06');
    bars.flush(minuteBars(5));
    await page.settle();

    expect(element.querySelector('[role="img"][aria-label="Price chart"]')?.textContent).toContain(
      '5 candles, 2 markers',
    );
    expect(element.querySelector('#sim-marker-summary')?.textContent).toMatch(
      /1 buy fills.*1 sell fills/s,
    );
    const metrics = element.querySelector('table[aria-label="Metrics"]')!;
    expect(metrics.textContent).toContain('Profit');
    expect(metrics.textContent).toContain('+$10.50');
    const orders = element.querySelectorAll('table[aria-label="Orders and fills"] tbody tr');
    expect(orders.length).toBe(2);
    expect(orders[0].textContent).toContain('sim-000001');
    expect(element.querySelectorAll('table[aria-label="Decision timeline"] tbody tr').length).toBe(
      2,
    );
  });

  it('reopens a run from the URL, and lists past runs to reopen', async () => {
    element = await page.navigate(`/strategy/simulations?run=${RUN_ID}`);
    const { result: _result, ...summary } = runDetail();
    page.answerLoads({
      symbols: { universe: ['SPY'], on_file: ['SPY'] },
      runs: [summary],
      dates: ['2026-03-06'],
    });
    await page.settle();
    http.expectOne(`/api/strategy/runs/${RUN_ID}`).flush(runDetail());
    await page.settle();
    http.expectOne((r) => r.url === '/api/data/bars/SPY').flush(minuteBars(5));
    await page.settle();

    expect(element.querySelector('#sim-run-heading')?.textContent).toContain(
      'SmaCrossStrategy on SPY, 2026-03-06',
    );
    const link = element.querySelector<HTMLAnchorElement>(
      'table[aria-label="Past simulations"] a',
    )!;
    expect(link.getAttribute('href')).toBe(`/strategy/simulations?run=${RUN_ID}`);
    expect(link.getAttribute('aria-label')).toBe('Open SmaCrossStrategy on SPY 2026-03-06');
  });

  it("copies the open run's whole request into the form", async () => {
    await open(`/strategy/simulations?run=${RUN_ID}`);
    http.expectOne(`/api/strategy/runs/${RUN_ID}`).flush(runDetail());
    await page.settle();
    http.expectOne((r) => r.url === '/api/data/bars/SPY').flush(minuteBars(5));
    await page.settle();

    const button = Array.from(element.querySelectorAll('button')).find(
      (b) => b.textContent?.trim() === 'Use these settings',
    )!;
    button.click();
    http.expectOne(`/api/jobs/${runDetail().job_id}`).flush({
      id: runDetail().job_id,
      type: 'strategy_simulate',
      params: {
        strategy: 'SmaCrossStrategy',
        symbol: 'SPY',
        day: '2026-03-05',
        params: { fast: 12, qty: 10 },
        fill_model: 'tc2',
        adjustment: 'all',
        start_time: '10:15',
        warmup_days: 2,
        starting_cash: 50000,
        model_filters: false,
      },
      status: 'succeeded',
      progress: 100,
      progress_message: 'done',
      result: null,
      error: '',
      cancel_requested: false,
      worker: 'host:1',
      created_at: '2026-03-07T10:00:00Z',
      started_at: '2026-03-07T10:00:01Z',
      finished_at: '2026-03-07T10:00:02Z',
      requested_by: 'admin',
    });
    await page.settle();

    const value = (selector: string) => element.querySelector<HTMLInputElement>(selector)!.value;
    expect(value('#sim-day')).toBe('2026-03-05');
    expect(value('#sim-param-fast')).toBe('12');
    expect(value('#sim-param-qty')).toBe('10');
    expect(value('#sim-start-time')).toBe('10:15');
    expect(value('#sim-warmup')).toBe('2');
    expect(value('#sim-fill-model')).toBe('tc2');
    expect(value('#sim-adjustment')).toBe('all');
    expect(value('#sim-cash')).toBe('50000');
    expect(element.querySelector<HTMLInputElement>('#sim-model-filters')!.checked).toBe(false);
  });
});
