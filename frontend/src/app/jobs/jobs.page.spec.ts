import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { Job } from '../core/api';
import { buttonNamed, setUpPageTesting } from '../shared/testing/dom';
import { signInAs } from '../shared/testing/roles';
import { jobSubject, parameterRows, resultRows } from './job-subject';
import { JobsPage } from './jobs.page';

function job(overrides: Partial<Job> = {}): Job {
  return {
    id: 'a1b2',
    type: 'strategy_simulate',
    params: {
      strategy: 'breakout1',
      symbol: 'SPY',
      day: '2026-12-04',
      params: { max_stop_pct: 0.006 },
      fill_model: 'realistic',
      start_time: null,
      warmup_days: 1,
      starting_cash: 30000,
      model_filters: true,
    },
    status: 'succeeded',
    progress: 100,
    progress_message: 'done',
    result: { run_id: 'r1', trades: 2, profit: 12.5, started_at: 1796653805 },
    error: '',
    cancel_requested: false,
    worker: 'host:1',
    created_at: '2026-12-07T14:30:05Z',
    started_at: '2026-12-07T14:30:06Z',
    finished_at: '2026-12-07T14:30:09Z',
    requested_by: 'admin',
    ...overrides,
  };
}

describe('jobSubject', () => {
  it('says what each kind of job is about', () => {
    expect(jobSubject(job())).toBe('breakout1 · SPY · 2026-12-04');
    expect(jobSubject({ type: 'visual_generate', params: { visual_type: 'PRICE_GRAPH', symbol: 'QQQ', days: 30 } })).toBe(
      'Price graph · QQQ',
    );
    expect(jobSubject({ type: 'data_patch', params: { symbols: ['SPY', 'QQQ'], start_date: '2026-11-02', end_date: null } })).toBe(
      'SPY, QQQ · from 2026-11-02',
    );
    expect(jobSubject({ type: 'health_check', params: { check_type: 'DATA', symbol: null, day_date: null } })).toBe('Data');
    expect(jobSubject({ type: 'strategy_simulate', params: { strategy: '/srv/mine.py:MyStrategy', symbol: 'SPY' } })).toBe(
      'MyStrategy · SPY',
    );
  });

  it('lists parameters as labelled values, never JSON or epoch seconds', () => {
    const rows = parameterRows(job().params as Record<string, unknown>);
    expect(rows).toContainEqual({ name: 'Params', value: 'Max stop 0.60 %' });
    expect(rows).toContainEqual({ name: 'Starting cash', value: '$30,000.00' });
    expect(resultRows(job().result)).toContainEqual({ name: 'Started at', value: '2026-12-07 09:30:05 ET' });
    expect(parameterRows({ path: '/srv/TC2_data/imports/x.txt', symbol: 'SPY' })).toEqual([{ name: 'Symbol', value: 'SPY' }]);
  });
});

describe('JobsPage', () => {
  let fixture: ComponentFixture<JobsPage>;
  let http: HttpTestingController;
  let element: HTMLElement;

  beforeEach(() => {
    http = setUpPageTesting();
    fixture = TestBed.createComponent(JobsPage);
    element = fixture.nativeElement;
    fixture.detectChanges();
  });

  afterEach(() => {
    fixture.destroy();
    http.verify();
  });

  function list(jobs: Job[], url = '/api/jobs?limit=50'): void {
    http.expectOne(url).flush({ jobs });
    fixture.detectChanges();
  }

  function cells(): string[][] {
    return [...element.querySelectorAll('tbody tr')].map((row) =>
      [...row.querySelectorAll('td')].map((cell) => cell.textContent?.replace(/\s+/g, ' ').trim() ?? ''),
    );
  }

  it('lists each job with what it is about, in New York time', () => {
    list([job()]);

    expect(cells()[0].slice(0, 5)).toEqual(['Simulation', 'breakout1 · SPY · 2026-12-04', 'succeeded', '100 % done', '2026-12-07 09:30:05 ET']);
    expect(element.textContent).toContain('Created (ET)');
    expect(element.textContent).not.toMatch(/\{"|\b\d{10}\b/);
  });

  it('filters by kind and status', () => {
    list([job()]);
    const kind = element.querySelector('#job-type-filter') as HTMLSelectElement;
    kind.value = 'visual_generate';
    kind.dispatchEvent(new Event('change'));
    fixture.detectChanges();
    list([], '/api/jobs?limit=50&type=visual_generate');
    const status = element.querySelector('#job-status-filter') as HTMLSelectElement;
    status.value = 'failed';
    status.dispatchEvent(new Event('change'));
    fixture.detectChanges();
    list([], '/api/jobs?limit=50&type=visual_generate&status=failed');

    expect(element.textContent).toContain('No jobs match the filters.');
  });

  it('cancels a job that has not ended', () => {
    signInAs('staff');
    list([job({ status: 'running', progress: 40, result: null, finished_at: null })]);

    buttonNamed(element, 'Cancel Simulation breakout1 · SPY · 2026-12-04').click();
    http.expectOne('/api/jobs/a1b2/cancel').flush(job({ status: 'canceled' }));
    list([job({ status: 'canceled' })]);

    expect(cells()[0][2]).toBe('canceled');
    expect(element.querySelectorAll('tbody button').length).toBe(0);
  });

  it("offers a viewer no cancel for another user's job", () => {
    signInAs('user');
    list([job({ status: 'running', progress: 40, result: null, finished_at: null })]);

    expect(element.querySelectorAll('tbody button').length).toBe(0);
  });
});
