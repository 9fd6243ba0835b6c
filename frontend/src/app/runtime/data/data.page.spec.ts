import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { Job, Schemas } from '../../core/api';
import { stubCharts } from '../../shared/testing/chart-stub';
import { buttonNamed, fieldErrorTexts, setUpPageTesting, typeInto } from '../../shared/testing/dom';
import { signInAs } from '../../shared/testing/roles';
import { isoDaysAgo } from './data-actions';
import { DataPage } from './data.page';
import { PriceCoverageChart } from './price-coverage-chart';

const SPY_ROW: Schemas['SymbolCoverage'] = {
  symbol: 'SPY',
  sessions_on_file: 6,
  first_day: '2026-11-12',
  last_day: '2026-11-20',
  missing_days: ['2026-11-17'],
  checked: 6,
  valid: 4,
  invalid: [
    { day: '2026-11-12', reasons: ['prices do not move'] },
    { day: '2026-11-18', reasons: ['fewer than 380 bars (100)'] },
  ],
};

const STATUS: Schemas['DataStatusOutput'] = {
  resolution: '1m',
  symbols: [
    SPY_ROW,
    { symbol: 'QQQ', sessions_on_file: 0, first_day: null, last_day: null, missing_days: [], checked: 0, valid: 0, invalid: [] },
  ],
};

function session(day: string, covered: number, valid: boolean | null): Schemas['SessionCoverage'] {
  return {
    day,
    on_file: covered > 0,
    session_minutes: 390,
    covered_minutes: covered,
    coverage_pct: Math.round((10_000 * covered) / 390) / 100,
    valid,
    candle: covered > 0 ? { open: 500, high: 505, low: 498, close: 504, volume: 1e6 } : null,
  };
}

/** The chart of SPY: the same row as the table's, and its window's sessions. */
const COVERAGE: Schemas['DataCoverageOutput'] = {
  ...SPY_ROW,
  resolution: '1m',
  window_start: '2026-11-12',
  window_end: '2026-11-20',
  sessions: [
    session('2026-11-12', 390, false),
    session('2026-11-13', 390, true),
    session('2026-11-16', 390, true),
    session('2026-11-17', 0, null),
    session('2026-11-18', 100, false),
    session('2026-11-19', 372, true),
    session('2026-11-20', 390, true),
  ],
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

  function start(coverage: Schemas['DataCoverageOutput'] = COVERAGE): void {
    fixture = TestBed.createComponent(DataPage);
    element = fixture.nativeElement;
    render();
    http.expectOne('/api/data/symbols').flush({ universe: ['SPY', 'QQQ'], on_file: ['SPY'] });
    http.expectOne('/api/data/status?resolution=1m').flush(STATUS);
    render();
    http.expectOne('/api/data/coverage/SPY?resolution=1m').flush(coverage);
    render();
  }

  function cells(symbol: string): string[] {
    const row = [...element.querySelectorAll('tbody tr')].find((tr) => tr.querySelector('th')?.textContent?.trim().startsWith(symbol));
    return [...(row?.querySelectorAll('td') ?? [])].map((td) => td.textContent!.replace(/\s+/g, ' ').trim());
  }

  function chartText(): string {
    return (element.querySelector('tc2-price-coverage-chart') as HTMLElement).textContent!.replace(/\s+/g, ' ');
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

  it('shows coverage per symbol: sessions on file, first to last, without data, validity and why', () => {
    start();

    expect(cells('SPY').slice(0, 4)).toEqual(['6', '2026-11-12 to 2026-11-20', '1', '4 / 6']);
    const spy = element.querySelector('tbody tr') as HTMLElement;
    expect(spy.textContent).toContain('2 invalid days');
    expect(spy.textContent).toContain('2026-11-18: fewer than 380 bars (100)');
    expect(cells('QQQ').slice(0, 4)).toEqual(['0', '—', '0', '—']);
    expect(cells('QQQ')[4]).toBe('no data on file');
  });

  it('charts the sessions on file, from the first to the last, and labels the window', () => {
    start();

    expect(chartText()).toContain('SPY: daily prices and coverage (1-minute bars)');
    expect(chartText()).toContain('Window: 2026-11-12 to 2026-11-20 (New York session dates): 7 sessions, every session on file');
    const stub = element.querySelector('tc2-price-coverage-chart [role="img"]');
    expect(stub?.getAttribute('aria-label')).toBe('SPY daily candles and data coverage per session');
    expect(stub?.textContent).toContain('6 candles');
    expect(chartText()).toContain('2026-11-18 25.64 %');
  });

  it('gives the same figures under the chart as in the table', () => {
    start();

    const [onFile, span, without, valid] = cells('SPY');
    const figures = (element.querySelector('[aria-label="Coverage figures"]') as HTMLElement).textContent!.replace(/\s+/g, ' ');
    expect(figures).toContain(`${onFile} sessions on file (${span})`);
    expect(figures).toContain(`${without} without data between the first and the last (2026-11-17)`);
    const [good, checked] = valid.split(' / ');
    expect(figures).toContain(`of the last ${checked} checked: ${good} valid, 2 invalid (2026-11-12, 2026-11-18)`);
  });

  it('reads the table and the chart again, at the new bar size, when the bar size changes', () => {
    start();

    const select = element.querySelector('#coverage-resolution') as HTMLSelectElement;
    select.value = '1s';
    select.dispatchEvent(new Event('change'));
    render();

    http.expectOne('/api/data/symbols').flush({ universe: ['SPY', 'QQQ'], on_file: ['SPY'] });
    http.expectOne('/api/data/status?resolution=1s').flush({ ...STATUS, resolution: '1s' });
    render();
    http.expectOne('/api/data/coverage/SPY?resolution=1s').flush({ ...COVERAGE, resolution: '1s' });
    render();
    expect(chartText()).toContain('SPY: daily prices and coverage (1-second bars)');
  });

  it('says so when daily bars are on file but not checked', () => {
    start();
    const select = element.querySelector('#coverage-resolution') as HTMLSelectElement;
    select.value = '1d';
    select.dispatchEvent(new Event('change'));
    render();
    const daily = { ...SPY_ROW, missing_days: [], checked: 0, valid: 0, invalid: [] };
    http.expectOne('/api/data/symbols').flush({ universe: ['SPY'], on_file: ['SPY'] });
    http.expectOne('/api/data/status?resolution=1d').flush({ resolution: '1d', symbols: [daily] });
    render();
    http.expectOne('/api/data/coverage/SPY?resolution=1d').flush({ ...COVERAGE, ...daily, resolution: '1d', sessions: [] });
    render();

    expect(cells('SPY')[3]).toBe('—');
    expect(cells('SPY')[4]).toBe('not checked: the rules are for intraday bars');
    expect(chartText()).toContain('daily bars are not checked by the intraday rules');
  });

  it('charts another symbol on request', () => {
    start();

    click('Show the chart of QQQ');
    http.expectOne('/api/data/coverage/QQQ?resolution=1m').flush({
      ...STATUS.symbols[1],
      resolution: '1m',
      window_start: null,
      window_end: null,
      sessions: [],
    });
    render();

    expect(chartText()).toContain('QQQ: daily prices and coverage');
    expect(chartText()).toContain('Window: No sessions on file');
    expect(element.querySelector('tc2-price-coverage-chart [role="img"]')).toBeNull();
  });

  it('heals the universe, shows the progress, then reads the table and the chart again', () => {
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
    render();
    http.expectOne('/api/data/coverage/SPY?resolution=1m').flush(COVERAGE);
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
    expect(body.get('non_session')).toBe('refuse');
    const choices = [...(element.querySelector('#import-non-session') as HTMLSelectElement).options];
    expect(choices.map((option) => option.value)).toEqual(['refuse', 'skip']); // keep: daily files only
    request.flush(
      { error: { code: 'validation_failed', message: '1 bad row; nothing was imported.', details: { fields: { file: ['line 1: high 2 is below ...'] } } } },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    render();
    expect(fieldErrors()).toEqual(['line 1: high 2 is below ...']);
    expect(element.textContent).toContain('1 bad row; nothing was imported.');
  });

  it('imports a daily file skipping its holiday rows, and lists the lines skipped', () => {
    start();

    const input = element.querySelector('#import-file') as HTMLInputElement;
    Object.defineProperty(input, 'files', { value: [new File(['Date,Open,High,Low,Close,Volume\n'], 'daily.csv')] });
    input.dispatchEvent(new Event('change'));
    const format = element.querySelector('#import-format') as HTMLSelectElement;
    format.value = 'yahoo';
    format.dispatchEvent(new Event('change'));
    render();
    const nonSession = element.querySelector('#import-non-session') as HTMLSelectElement;
    expect([...nonSession.options].map((option) => option.value)).toEqual(['refuse', 'skip', 'keep']);
    nonSession.value = 'skip';
    nonSession.dispatchEvent(new Event('change'));
    type('#import-symbol', 'xyz');
    click('Import file');

    const request = http.expectOne('/api/data/import');
    const body = request.request.body as FormData;
    expect(body.get('non_session')).toBe('skip');
    expect(body.has('resolution')).toBe(false);
    const queued = job({ type: 'data_import' });
    request.flush(queued, { status: 202, statusText: 'Accepted' });
    render();
    vi.advanceTimersByTime(0);
    http.expectOne(`/api/jobs/${queued.id}`).flush({
      ...queued,
      status: 'succeeded',
      progress: 100,
      result: {
        symbol: 'XYZ', bars: 248, sessions: 248, first_day: '2006-01-03', last_day: '2006-12-29',
        non_session_rows: 1,
        non_session_skipped: [{ line: 2, reason: '2006-01-02 (New York) is not a trading session' }],
      },
    });
    render();
    expect(element.textContent).toContain('Skipped 1 rows on days that are not sessions.');
    expect(element.textContent).toContain('line 2: 2006-01-02 (New York) is not a trading session');
    http.match(() => true);
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
