import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { Job, Schemas } from '../../core/api';
import { stubCharts } from '../../shared/testing/chart-stub';
import { buttonNamed, fieldErrorTexts, setUpPageTesting, typeInto } from '../../shared/testing/dom';
import { signInAs } from '../../shared/testing/roles';
import { isoDaysAgo } from './data-actions';
import { DataPage } from './data.page';
import { PriceCoverageChart } from './price-coverage-chart';

const STATUS: Schemas['DataStatusOutput'] = {
  resolution: '1m',
  symbols: [
    {
      symbol: 'SPY',
      sessions_on_file: 120,
      checked: 40,
      valid: 38,
      invalid: [
        { day: '2026-11-18', reasons: ['fewer than 380 bars (100)'] },
        { day: '2026-11-12', reasons: ['prices do not move'] },
      ],
      last_day: '2026-11-20',
    },
    { symbol: 'QQQ', sessions_on_file: 0, checked: 0, valid: 0, invalid: [], last_day: null },
  ],
};

const GRAPH = {
  visual_type: 'PRICE_GRAPH',
  symbol: 'SPY',
  candles: [
    { time: '2026-11-19', open: 500, high: 505, low: 498, close: 504, volume: 1e6 },
    { time: '2026-11-20', open: 504, high: 506, low: 501, close: 502, volume: 1e6 },
  ],
  coverage: [
    { time: '2026-11-18', value: 0, minutes: 0, session_minutes: 390, missing: true },
    { time: '2026-11-19', value: 100, minutes: 390, session_minutes: 390, missing: false },
    { time: '2026-11-20', value: 95.38, minutes: 372, session_minutes: 390, missing: false },
  ],
  missing_days: ['2026-11-18'],
};

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: '0b7c6a52-8d52-4a1e-9f7e-2d0f3a1b9c11',
    type: 'data_heal',
    params: { symbols: ['SPY', 'QQQ'] },
    status: 'queued',
    progress: 0,
    progress_message: '',
    result: null,
    error: '',
    cancel_requested: false,
    worker: '',
    created_at: '2026-11-21T15:00:00Z',
    started_at: null,
    finished_at: null,
    requested_by: 'admin',
    ...overrides,
  };
}

describe('DataPage', () => {
  let fixture: ComponentFixture<DataPage>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function render(): void {
    fixture.detectChanges();
  }

  function start(graph: object | null = { visual_type: 'PRICE_GRAPH', key: 'SPY', visual: GRAPH, params: {}, last_updated: '2026-11-21T14:00:00Z', job_id: null }): void {
    fixture = TestBed.createComponent(DataPage);
    element = fixture.nativeElement;
    render();
    http.expectOne('/api/data/symbols').flush({ universe: ['SPY', 'QQQ'], on_file: ['SPY'] });
    http.expectOne('/api/data/status?resolution=1m').flush(STATUS);
    render();
    const visual = http.expectOne('/api/visuals/get?visual_type=PRICE_GRAPH&symbol=SPY');
    if (graph === null) {
      visual.flush(null, { status: 204, statusText: 'No Content' });
    } else {
      visual.flush(graph);
    }
    render();
  }

  function type(selector: string, value: string): void {
    typeInto(element.querySelector<HTMLInputElement>(selector), value);
    render();
  }

  function button(name: string): HTMLButtonElement {
    return buttonNamed(element, name);
  }

  function click(name: string): void {
    button(name).click();
    render();
  }

  function poll(id: string, answer: Job): void {
    vi.advanceTimersByTime(1_000);
    http.expectOne(`/api/jobs/${id}`).flush(answer);
    render();
  }

  function fieldErrors(): string[] {
    return fieldErrorTexts(element);
  }

  beforeEach(() => {
    vi.useFakeTimers();
    stubCharts(PriceCoverageChart);
    http = setUpPageTesting();
    signInAs('staff');
  });

  afterEach(() => {
    fixture?.destroy();
    http.verify();
    vi.useRealTimers();
  });

  it('shows coverage per symbol with the invalid days and their reasons', () => {
    start();

    const spy = element.querySelector('tbody tr') as HTMLElement;
    expect(spy.textContent).toContain('120');
    expect(spy.textContent).toContain('38 / 40');
    expect(spy.textContent).toContain('2 invalid days');
    expect(spy.textContent).toContain('2026-11-18: fewer than 380 bars (100)');
    expect(element.querySelectorAll('tbody tr')[1].textContent).toContain('no data on file');
  });

  it('charts the first symbol with its missing and incomplete sessions', () => {
    start();

    const chart = element.querySelector('tc2-price-coverage-chart') as HTMLElement;
    expect(chart.textContent).toContain('SPY: daily prices and coverage');
    const stub = chart.querySelector('[role="img"]');
    expect(stub?.getAttribute('aria-label')).toBe('SPY daily candles and data coverage per session');
    expect(stub?.textContent).toContain('2 candles');
    expect(chart.textContent).toContain('1 without data');
    expect(chart.textContent).toContain('2026-11-18');
    expect(chart.textContent).toContain('2026-11-20 95.38 %');
  });

  it('charts another symbol on request', () => {
    start();

    click('Show the chart of QQQ');
    http.expectOne('/api/visuals/get?visual_type=PRICE_GRAPH&symbol=QQQ').flush({
      visual_type: 'PRICE_GRAPH',
      key: 'QQQ',
      visual: { ...GRAPH, symbol: 'QQQ', missing_days: [] },
      params: {},
      last_updated: '2026-11-21T14:00:00Z',
      job_id: null,
    });
    render();

    expect(element.querySelector('tc2-price-coverage-chart')?.textContent).toContain('QQQ: daily prices and coverage');
  });

  it('generates a chart that was never made, showing the job until it is ready', () => {
    start(null);

    const generate = http.expectOne('/api/visuals/generate?visual_type=PRICE_GRAPH&symbol=SPY');
    expect(generate.request.method).toBe('POST');
    const queued = job({ type: 'visual_generate', params: { visual_type: 'PRICE_GRAPH', symbol: 'SPY' } });
    generate.flush(queued, { status: 202, statusText: 'Accepted' });
    render();
    vi.advanceTimersByTime(0);
    http.expectOne(`/api/jobs/${queued.id}`).flush({ ...queued, status: 'running', progress: 40 });
    render();
    expect(element.querySelector('tc2-price-coverage-chart progress')?.getAttribute('value')).toBe('40');

    poll(queued.id, { ...queued, status: 'succeeded', progress: 100 });
    http
      .expectOne('/api/visuals/get?visual_type=PRICE_GRAPH&symbol=SPY')
      .flush({ visual_type: 'PRICE_GRAPH', key: 'SPY', visual: GRAPH, params: {}, last_updated: '2026-11-21T15:00:00Z', job_id: queued.id });
    render();
    expect(element.querySelector('tc2-price-coverage-chart')?.textContent).toContain('1 without data');
  });

  it('heals the universe, shows the progress, then reads the coverage again', () => {
    start();

    click('Heal');
    const request = http.expectOne('/api/data/heal');
    expect(request.request.body).toEqual({});
    const queued = job();
    request.flush(queued, { status: 202, statusText: 'Accepted' });
    render();
    vi.advanceTimersByTime(0);
    http.expectOne(`/api/jobs/${queued.id}`).flush({ ...queued, status: 'running', progress: 55, progress_message: 'SPY 2026-11-18' });
    render();
    expect(element.textContent).toContain('SPY 2026-11-18');

    poll(queued.id, {
      ...queued,
      status: 'succeeded',
      progress: 100,
      result: { sessions: 30, saved: 2, on_file: 58, invalid: 0, failed: 0, problems: [] },
    });
    expect(element.textContent).toContain('Done: 30 sessions per symbol; 2 saved, 58 already on file, 0 invalid, 0 failed.');
    http.expectOne('/api/data/symbols').flush({ universe: ['SPY', 'QQQ'], on_file: ['SPY'] });
    http.expectOne('/api/data/status?resolution=1m').flush(STATUS);
    // The charted symbol was healed: its chart is made again.
    http.expectOne('/api/visuals/generate?visual_type=PRICE_GRAPH&symbol=SPY').flush(job({ type: 'visual_generate' }), { status: 202, statusText: 'Accepted' });
  });

  it('follows the job already running when the server refuses a second one', () => {
    start();

    click('Heal');
    const running = job({ status: 'running', progress: 10 });
    http.expectOne('/api/data/heal').flush(
      { error: { code: 'conflict', message: 'a data_heal job is already queued or running', details: { job_id: running.id, status: 'running' } } },
      { status: 409, statusText: 'Conflict' },
    );
    http.expectOne(`/api/jobs/${running.id}`).flush(running);
    render();

    expect(element.textContent).toContain('a data_heal job is already queued or running; showing that job.');
    expect(element.querySelector('.error-box')).toBeNull();
    vi.advanceTimersByTime(0);
    http.expectOne(`/api/jobs/${running.id}`).flush({ ...running, status: 'canceled' });
  });

  it('checks the patch form before sending', () => {
    start();

    type('#patch-symbols', 'spy, $$$');
    type('#patch-end', '2020-01-01');
    click('Patch');

    http.expectNone('/api/data/patch');
    expect(fieldErrors()).toEqual([
      '"$$$" is not a ticker: 1-5 letters, optionally a class suffix like .B (e.g. SPY, BRK.B).',
      'Last day: The last day is before the first day.',
    ]);
  });

  it('patches the invalid days of a symbol from the coverage table', () => {
    start();

    click('Patch the invalid days of SPY');
    expect((element.querySelector('#patch-symbols') as HTMLInputElement).value).toBe('SPY');
    click('Patch');

    const request = http.expectOne('/api/data/patch');
    expect(request.request.body).toEqual({ symbols: ['SPY'], start_date: '2026-11-12', end_date: '2026-11-18' });
    request.flush(
      { error: { code: 'validation_failed', message: 'Invalid data job parameters.', details: { fields: { end_date: ['must not be before start_date 2026-11-12'] } } } },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    render();
    expect(fieldErrors()).toContain('Last day: must not be before start_date 2026-11-12');
  });

  it('recollects only after the confirmation', () => {
    start();

    type('#recollect-symbol', 'spy');
    type('#recollect-start', isoDaysAgo(10));
    click('Recollect…');
    http.expectNone((r) => r.url === '/api/data/recollect');
    expect(element.textContent).toContain(`Delete SPY's bars from ${isoDaysAgo(10)} to the last session and collect them again?`);

    click('Delete and recollect');
    const request: TestRequest = http.expectOne((r) => r.url === '/api/data/recollect');
    expect(request.request.params.get('symbol')).toBe('SPY');
    expect(request.request.params.get('start_date')).toBe(isoDaysAgo(10));
    expect(request.request.params.has('end_date')).toBe(false);
    request.flush(job({ type: 'data_recollect' }), { status: 202, statusText: 'Accepted' });
    vi.advanceTimersByTime(0);
    http.expectOne(`/api/jobs/${job().id}`).flush(job({ type: 'data_recollect', status: 'failed', error: 'source unreachable' }));
    render();
    expect(element.textContent).toContain('source unreachable');
  });

  it('imports a file and lists the bad rows the server found', () => {
    start();

    click('Import file');
    http.expectNone('/api/data/import');
    expect(fieldErrors()).toEqual(['Choose the bar file to import.', 'Name the symbol the bars are of.']);

    const input = element.querySelector('#import-file') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [new File(['20261120 143100;1;2;0.5;1.5;100\n'], 'bars.txt')] });
    input.dispatchEvent(new Event('change'));
    type('#import-symbol', 'txn');
    click('Import file');

    const request = http.expectOne('/api/data/import');
    const body = request.request.body as FormData;
    expect(body.get('symbol')).toBe('TXN');
    expect(body.get('format')).toBe('ninjatrader');
    expect(body.get('resolution')).toBe('1m');
    expect(body.has('timezone')).toBe(false);
    request.flush(
      { error: { code: 'validation_failed', message: '1 bad row; nothing was imported.', details: { fields: { file: ['line 1: high 2 is below ...'] } } } },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    render();
    expect(fieldErrors()).toEqual(['line 1: high 2 is below ...']);
    expect(element.textContent).toContain('1 bad row; nothing was imported.');
  });

  it('resets the collection attempts', () => {
    start();

    click('Reset collection attempts');
    http.expectOne('/api/data/reset_collection_attempts').flush({ reset: 3 });
    render();

    expect(element.textContent).toContain('Forgot 3 failed attempt counts; heal tries every day again.');
  });

  it('shows a viewer the coverage but no data action, and says why', () => {
    signInAs('user');
    start();

    const actions = element.querySelector('tc2-data-actions') as HTMLElement;
    const controls = [...actions.querySelectorAll<HTMLElement>('input, button, select')];
    expect(controls.length).toBeGreaterThan(5);
    expect(controls.every((control) => control.matches(':disabled'))).toBe(true);
    expect(actions.querySelector('.staff-only')?.textContent).toContain('Only staff can heal, patch, recollect or import');
    expect(element.querySelector('[aria-label="Patch the invalid days of SPY"]')).toBeNull();
    expect(element.querySelector('[aria-label="Show the chart of SPY"]')?.matches(':disabled')).toBe(false);
  });
});
