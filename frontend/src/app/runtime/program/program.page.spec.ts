import { HttpTestingController } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { Schemas } from '../../core/api';
import { buttonNamed, setUpPageTesting } from '../../shared/testing/dom';
import { signInAs } from '../../shared/testing/roles';
import { formatDuration } from './durations';
import { PROGRAM_POLL_MS, ProgramPage } from './program.page';

const NOW = 1_795_000_000;

function status(overrides: Partial<Schemas['ProgramStatusOutput']> = {}): Schemas['ProgramStatusOutput'] {
  return {
    state: 'running',
    pid: 4242,
    host: 'tc2-host',
    started_at: NOW - 3 * 3600 - 120,
    lock_owner: 'tc2-host:4242',
    conditions: ['data_loaded'],
    updated_at: NOW - 1,
    age_s: 1,
    components: [
      {
        name: 'data-collector',
        kind: 'process',
        state: 'running',
        pid: 4300,
        thread_name: null,
        restarts: 2,
        last_error: 'exited with code 1\nTraceback (most recent call last): ...',
        last_heartbeat: NOW - 4,
        started_at: NOW - 600,
      },
      {
        name: 'job-janitor',
        kind: 'thread',
        state: 'backing-off',
        pid: null,
        thread_name: 'job-janitor',
        restarts: 0,
        last_error: null,
        last_heartbeat: null,
        started_at: null,
      },
    ],
    ...overrides,
  };
}

describe('formatDuration', () => {
  it('reads at a glance', () => {
    expect(formatDuration(42.7)).toBe('42 s');
    expect(formatDuration(725)).toBe('12 min 5 s');
    expect(formatDuration(3 * 3600 + 120)).toBe('3 h 2 min');
    expect(formatDuration(2 * 86_400 + 4 * 3600)).toBe('2 d 4 h');
  });
});

describe('ProgramPage', () => {
  let fixture: ComponentFixture<ProgramPage>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function start(answer: Schemas['ProgramStatusOutput']): void {
    fixture = TestBed.createComponent(ProgramPage);
    element = fixture.nativeElement;
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
    http.expectOne('/api/program/status').flush(answer);
    fixture.detectChanges();
  }

  function button(name: string): HTMLButtonElement {
    return buttonNamed(element, name);
  }

  function rowOf(name: string): string[] {
    const row = [...element.querySelectorAll('tbody tr')].find((r) => r.querySelector('th')?.textContent === name);
    return [...(row?.querySelectorAll('th, td') ?? [])].map((cell) => cell.textContent?.trim() ?? '');
  }

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(NOW * 1000);
    http = setUpPageTesting();
    signInAs('staff');
  });

  afterEach(() => {
    fixture?.destroy();
    http.verify();
    vi.useRealTimers();
  });

  it('shows every component with its state, restarts, uptime and last error', () => {
    start(status());

    expect(element.querySelector('[data-testid="program-state"]')?.textContent).toBe('running');
    expect(element.textContent).toContain('3 h 2 min');
    const collector = rowOf('data-collector');
    expect(collector.slice(0, 6)).toEqual(['data-collector', 'process', 'running', '4300', '2', '10 min 0 s']);
    expect(collector[6]).toBe('4 s ago');
    expect(collector[7]).toContain('exited with code 1');
    expect(rowOf('job-janitor').slice(2, 4)).toEqual(['backing-off', 'job-janitor']);
  });

  it('keeps the status current by polling', () => {
    start(status());

    vi.advanceTimersByTime(PROGRAM_POLL_MS);
    http.expectOne('/api/program/status').flush(status({ state: 'restarting' }));
    fixture.detectChanges();

    expect(element.querySelector('[data-testid="program-state"]')?.textContent).toBe('restarting');
  });

  it('restarts only after the confirmation', () => {
    start(status());

    button('Restart program').click();
    fixture.detectChanges();
    http.expectNone('/api/program/restart');
    expect(element.textContent).toContain('Stop and start every component again?');

    button('Restart now').click();
    fixture.detectChanges();
    const request = http.expectOne('/api/program/restart');
    expect(request.request.method).toBe('POST');
    request.flush({ status: 'restart requested' }, { status: 202, statusText: 'Accepted' });
    fixture.detectChanges();

    expect(element.querySelector('[role="status"]')?.textContent).toContain('Restart requested');
  });

  it('cancels the restart with the Cancel button', () => {
    start(status());

    button('Restart program').click();
    fixture.detectChanges();
    button('Cancel').click();
    fixture.detectChanges();

    http.expectNone('/api/program/restart');
    expect(button('Restart program')).toBeTruthy();
  });

  it('says how to start a stopped program and offers no restart', () => {
    start({ state: 'stopped', lock_owner: null, components: [] });

    expect(element.textContent).toContain('TC2Program is not running');
    expect(button('Restart program').disabled).toBe(true);
  });

  it('shows a refused restart in words', () => {
    start(status());

    button('Restart program').click();
    fixture.detectChanges();
    button('Restart now').click();
    http
      .expectOne('/api/program/restart')
      .flush(
        { error: { code: 'permission_denied', message: 'You do not have permission to perform this action.', details: {} } },
        { status: 403, statusText: 'Forbidden' },
      );
    fixture.detectChanges();

    expect(element.querySelector('.error-box')?.textContent).toContain('You do not have permission');
  });

  it('says when the server cannot be reached', () => {
    fixture = TestBed.createComponent(ProgramPage);
    element = fixture.nativeElement;
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
    http.expectOne('/api/program/status').error(new ProgressEvent('error'), { status: 0 });
    fixture.detectChanges();

    expect(element.querySelector('.error-box')?.textContent).toContain('cannot be reached');
  });

  it('shows a viewer the status with the restart disabled and the reason', () => {
    signInAs('user');
    start(status());

    expect(button('Restart program').disabled).toBe(true);
    expect(element.querySelector('.staff-only')?.textContent).toContain('Only staff can restart the program');
  });
});
