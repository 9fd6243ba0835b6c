import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Router } from '@angular/router';

import { RunPageTester } from '../testing/run-page-tester';
import { evaluation, runDetail } from '../testing/run-fixtures';
import { EvaluationsPage } from './evaluations.page';

const FIRST = '33333333-3333-4333-8333-333333333333';
const SECOND = '44444444-4444-4444-8444-444444444444';

function evaluateRun(id: string, result = evaluation()) {
  return runDetail({
    id,
    kind: 'evaluate',
    day: null,
    start: result.start,
    end: result.end,
    profit: result.tc2_metrics.net_profit,
    result: result as unknown as Record<string, unknown>,
  });
}

describe('EvaluationsPage', () => {
  let page: RunPageTester;
  let http: HttpTestingController;
  let element: HTMLElement;

  async function open(url: string, runs: unknown[] = []): Promise<void> {
    element = await page.navigate(url);
    page.answerLoads({
      symbols: { universe: ['SPY', 'QQQ'], on_file: ['QQQ', 'SPY'] },
      runs,
      dates: Array.from({ length: 15 }, (_, i) => `2026-02-${String(i + 10).padStart(2, '0')}`),
    });
    await page.settle();
  }

  beforeEach(async () => {
    page = await RunPageTester.create('strategy/evaluations', EvaluationsPage);
    http = page.http;
  });

  afterEach(() => http.verify());

  it("starts with the strategy's symbols and the last ten sessions on file", async () => {
    await open('/strategy/evaluations');

    expect(element.querySelector<HTMLInputElement>('#eval-symbol-SPY')!.checked).toBe(true);
    expect(element.querySelector<HTMLInputElement>('#eval-symbol-QQQ')!.checked).toBe(false);
    expect(element.querySelector<HTMLInputElement>('#eval-start')!.value).toBe('2026-02-15');
    expect(element.querySelector<HTMLInputElement>('#eval-end')!.value).toBe('2026-02-24');
  });

  it('refuses a range that ends before it starts, and no symbols, before sending', async () => {
    await open('/strategy/evaluations');

    page.type('#eval-end', '2026-02-01');
    element.querySelector<HTMLInputElement>('#eval-symbol-SPY')!.click();
    await page.send();

    http.expectNone('/api/strategy/evaluate');
    expect(element.querySelector('#eval-end-error')?.textContent).toContain(
      'must not be before the start 2026-02-15, was 2026-02-01',
    );
    expect(element.querySelector('#eval-symbols-error')?.textContent).toContain(
      'choose at least one symbol',
    );
  });

  it('sends the evaluation and shows a 422 about the symbols beside them', async () => {
    await open('/strategy/evaluations');
    element.querySelector<HTMLInputElement>('#eval-symbol-QQQ')!.click();
    // The range hint follows the first chosen symbol; the chosen range stays.
    http
      .expectOne((r) => r.url === '/api/data/dates/QQQ')
      .flush({ symbol: 'QQQ', resolution: '1m', dates: ['2026-02-24'] });
    page.type('#eval-param-qty', '10');
    const accounts = element.querySelector<HTMLSelectElement>('#eval-accounts')!;
    accounts.value = 'shared';
    accounts.dispatchEvent(new Event('change'));
    page.type('#eval-benchmark', ' qqq ');

    await page.send();
    const request = http.expectOne('/api/strategy/evaluate');
    expect(request.request.body).toEqual({
      strategy: 'SmaCrossStrategy',
      symbols: ['QQQ', 'SPY'],
      start: '2026-02-15',
      end: '2026-02-24',
      params: { fast: 10, qty: 10 },
      fill_model: 'realistic',
      adjustment: 'split',
      warmup_days: 1,
      starting_cash: 30000,
      model_filters: true,
      allow_short: false,
      close_at_end: false,
      risk_free_rate: 0,
      resolution: '1m',
      accounts: 'shared',
      benchmark: 'QQQ',
      on_error: 'continue',
    });
    request.flush(
      {
        error: {
          code: 'validation_failed',
          message: 'The evaluation request is invalid; nothing was run.',
          details: {
            fields: { symbols: ['no 1m bars of QQQ on file from 2026-02-15 to 2026-02-24'] },
          },
        },
      },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    await page.settle();

    expect(element.querySelector('#eval-symbols-error')?.textContent).toContain(
      'no 1m bars of QQQ on file',
    );
    expect(element.querySelector('form .error-box')?.textContent).toContain(
      'The evaluation request is invalid',
    );
  });

  it('takes the risk-free rate in percent, checks it and sends the fraction', async () => {
    await open('/strategy/evaluations');
    page.type('#eval-param-qty', '10');
    page.type('#eval-risk-free-rate', '25');

    await page.send();
    http.expectNone('/api/strategy/evaluate');
    expect(element.querySelector('#eval-risk-free-rate-error')?.textContent).toContain(
      'must be an annual rate from 0 to 20 %, was 25',
    );

    page.type('#eval-risk-free-rate', '4.1');
    element.querySelector<HTMLInputElement>('#eval-allow-short')!.click();
    await page.send();
    const request = http.expectOne('/api/strategy/evaluate');
    expect(request.request.body).toMatchObject({ risk_free_rate: 0.041, allow_short: true });
    request.flush(
      {
        error: {
          code: 'validation_failed',
          message: 'The evaluation request is invalid; nothing was run.',
          details: {
            fields: { risk_free_rate: ['must be an annual rate from 0 to 0.2, was 0.041'] },
          },
        },
      },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    await page.settle();

    expect(element.querySelector('#eval-risk-free-rate-error')?.textContent).toContain(
      'from 0 to 0.2, was 0.041',
    );
  });

  it('runs a strategy that supports daily bars on 1d: the range and the request follow', async () => {
    await open('/strategy/evaluations');
    const select = element.querySelector<HTMLSelectElement>('#eval-resolution')!;
    expect([...select.options].map((option) => option.value)).toEqual(['1m', '1d']);
    expect(select.value).toBe('1m');

    select.value = '1d';
    select.dispatchEvent(new Event('change'));
    await page.settle();
    http
      .expectOne((r) => r.url === '/api/data/dates/SPY' && r.params.get('resolution') === '1d')
      .flush({ symbol: 'SPY', resolution: '1d', dates: ['2026-02-23', '2026-02-24'] });
    await page.settle();
    expect(element.textContent).toContain('SPY has 1d bars from 2026-02-23');

    await page.send();
    const request = http.expectOne('/api/strategy/evaluate');
    expect(request.request.body.resolution).toBe('1d');
    request.flush(
      {
        error: {
          code: 'validation_failed',
          message: 'The evaluation request is invalid; nothing was run.',
          details: { fields: { resolution: ['SmaCrossStrategy runs on 1m, 1d, not 1s'] } },
        },
      },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    await page.settle();
    expect(element.querySelector('#eval-resolution-error')?.textContent).toContain(
      'runs on 1m, 1d',
    );
  });

  it('shows a finished evaluation: equity chart, metrics and per-day results', async () => {
    await open(`/strategy/evaluations?run=${FIRST}`);
    http.expectOne(`/api/strategy/runs/${FIRST}`).flush(evaluateRun(FIRST));
    await page.settle();

    expect(
      element.querySelector('[role="img"][aria-label="Equity and drawdown chart"]')?.textContent,
    ).toContain('1 lines');
    expect(element.querySelector('table[aria-label="Metrics"]')?.textContent).toContain('+$30.00');
    const days = element.querySelectorAll('table[aria-label="Per-day results"] tbody tr');
    expect(days.length).toBe(3);
    expect(days[2].textContent).toContain('skipped: no 1m bars on file');
  });

  it('draws the benchmark as a second line of the equity chart, and warns of missing bars', async () => {
    const withBenchmark = evaluation({
      benchmark: {
        symbol: 'SPY',
        days: ['2026-03-02', '2026-03-03', '2026-03-04'],
        equity: [30100, 30100, 30300],
        total_return: 0.01,
        alpha: 0.12,
        beta: 0.8,
        warning: 'benchmark SPY has no bars on file for 1 of the sessions (2026-03-03)',
      },
    });
    await open(`/strategy/evaluations?run=${FIRST}`);
    http.expectOne(`/api/strategy/runs/${FIRST}`).flush(evaluateRun(FIRST, withBenchmark));
    await page.settle();

    expect(
      element.querySelector('[role="img"][aria-label="Equity and drawdown chart"]')?.textContent,
    ).toContain('2 lines');
    expect(element.querySelector('#eval-benchmark-warning')?.textContent).toContain(
      'no bars on file for 1 of the sessions (2026-03-03)',
    );
    expect(element.querySelector('table[aria-label="Metrics"]')?.textContent).toContain('12.00 %');
  });

  it('compares two evaluations side by side, from the URL', async () => {
    const better = evaluation({
      params: { fast: 12, qty: 10 },
      tc2_metrics: { ...evaluation().tc2_metrics, net_profit: 90 },
    });
    await open(`/strategy/evaluations?run=${FIRST}&compare=${SECOND}`);
    http.expectOne(`/api/strategy/runs/${FIRST}`).flush(evaluateRun(FIRST));
    http.expectOne(`/api/strategy/runs/${SECOND}`).flush(evaluateRun(SECOND, better));
    await page.settle();

    const rows = Array.from(element.querySelectorAll('table[aria-label="Comparison"] tbody tr'));
    const net = rows.find((row) => row.textContent?.includes('Net profit'))!;
    expect(net.querySelectorAll('td')[0].textContent).toContain('+$30.00');
    expect(net.querySelectorAll('td')[1].textContent).toContain('+$90.00');
    expect(net.querySelectorAll('td')[1].classList).toContain('better');
    const setup = element.querySelector('table[aria-label="Setups compared"] tr.differs');
    expect(setup?.textContent).toContain('fast');
    expect(element.querySelector('[role="img"][aria-label="Comparison chart"]')).not.toBeNull();

    element
      .querySelector<HTMLButtonElement>(
        '#eval-compare-heading ~ .row button, .compare-head button',
      )!
      .click();
    await page.settle();
    expect(TestBed.inject(Router).url).toBe(`/strategy/evaluations?run=${FIRST}`);
  });
});
