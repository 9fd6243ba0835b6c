import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { buttonNamed, setUpPageTesting } from '../../shared/testing/dom';
import { signInAs } from '../../shared/testing/roles';
import { ConsolePage, TAIL_POLL_MS } from './console.page';
import { filterLogLines, toLogLines } from './log-lines';

const INFO = '2026-11-21 09:30:00.123 INFO [program] TC2Program starting (pid 42, env live)';
const WARN = '2026-11-21 09:30:01.000 WARNING [supervisor] data-collector backing off';
const ERROR = '2026-11-21 09:30:02.000 ERROR [program] Lost the program lock';

function tailUrl(feed: string, since: number): (request: { urlWithParams: string }) => boolean {
  return (request) => request.urlWithParams === `/api/logs/${feed}?since=${since}`;
}

describe('log lines', () => {
  it('reads the level of each line and numbers lines within their file', () => {
    const lines = toLogLines([INFO, 'no prefix here', ERROR], 10);

    expect(lines.map((line) => [line.number, line.level])).toEqual([
      [11, 'INFO'],
      [12, null],
      [13, 'ERROR'],
    ]);
  });

  it('filters by minimum level and by text, case-insensitively', () => {
    const lines = toLogLines([INFO, WARN, ERROR], 0);

    expect(filterLogLines(lines, 'WARNING', '').map((line) => line.level)).toEqual(['WARNING', 'ERROR']);
    expect(filterLogLines(lines, 'DEBUG', 'tc2program').map((line) => line.number)).toEqual([1]);
  });
});

describe('ConsolePage', () => {
  let fixture: ComponentFixture<ConsolePage>;
  let http: HttpTestingController;
  let element: HTMLElement;

  function start(feed = ''): void {
    fixture = TestBed.createComponent(ConsolePage);
    fixture.componentRef.setInput('feed', feed);
    element = fixture.nativeElement;
    fixture.detectChanges();
    vi.advanceTimersByTime(0);
  }

  function render(): void {
    fixture.detectChanges();
  }

  function tick(ms: number): void {
    vi.advanceTimersByTime(ms);
    render();
  }

  function button(name: string): HTMLButtonElement {
    return buttonNamed(element, name);
  }

  function flushFilenames(feed: string, filenames: string[]): void {
    http.expectOne(`/api/logs/${feed}_filenames`).flush({ feed, filenames });
  }

  function flushTail(feed: string, since: number, lines: string[], total: number, file = '2026-11-21_0'): TestRequest {
    const request = http.expectOne(tailUrl(feed, since));
    request.flush({ feed, filename: `${feed}/${file}`, total_lines: total, since, lines });
    render();
    return request;
  }

  function viewport(): HTMLElement {
    return element.querySelector('[role="log"]') as HTMLElement;
  }

  beforeEach(() => {
    vi.useFakeTimers();
    http = setUpPageTesting();
    signInAs('staff');
  });

  afterEach(() => {
    fixture?.destroy();
    http.verify();
    vi.useRealTimers();
  });

  it('offers every log feed and tails the program feed by default, coloured by level', () => {
    start();
    flushFilenames('program', ['2026-11-20_0', '2026-11-21_0']);
    flushTail('program', 0, [INFO, WARN], 2);

    const options = [...element.querySelectorAll('#console-feed option')].map((o) => (o as HTMLOptionElement).value);
    expect(options).toEqual(['program', 'data', 'live_trading', 'simulation', 'optimization', 'health', 'visuals', 'api']);
    const lines = viewport().querySelectorAll('.line');
    expect(lines.length).toBe(2);
    expect(lines[0].classList).toContain('log-INFO');
    expect(lines[1].classList).toContain('log-WARNING');
    expect(lines[0].textContent).toContain('TC2Program starting');
    expect(element.textContent).toContain('Live');
  });

  it('fetches only the new lines of the newest file, without reloading', () => {
    start();
    flushFilenames('program', ['2026-11-21_0']);
    flushTail('program', 0, [INFO], 1);

    tick(TAIL_POLL_MS);
    flushTail('program', 1, [WARN, ERROR], 3);

    const lines = [...viewport().querySelectorAll('.line')].map((line) => line.textContent);
    expect(lines.length).toBe(3);
    expect(lines[2]).toContain('Lost the program lock');
  });

  it('starts over when the feed rolls over to a new file', () => {
    start();
    flushFilenames('program', ['2026-11-21_0']);
    flushTail('program', 0, [INFO, WARN], 2);

    tick(TAIL_POLL_MS);
    http.expectOne(tailUrl('program', 2)).flush({
      feed: 'program',
      filename: 'program/2026-11-21_1',
      total_lines: 1,
      since: 2,
      lines: [],
    });
    flushTail('program', 0, [ERROR], 1, '2026-11-21_1');
    flushFilenames('program', ['2026-11-21_0', '2026-11-21_1']);
    render();

    const lines = viewport().querySelectorAll('.line');
    expect(lines.length).toBe(1);
    expect(lines[0].textContent).toContain('Lost the program lock');
  });

  it('pauses auto-scroll when the user scrolls up and resumes on request', () => {
    start();
    flushFilenames('program', ['2026-11-21_0']);
    const log = viewport();
    Object.defineProperty(log, 'scrollHeight', { configurable: true, get: () => 1000 });
    Object.defineProperty(log, 'clientHeight', { configurable: true, get: () => 200 });
    flushTail('program', 0, [INFO, WARN], 2);
    expect(log.scrollTop).toBe(1000);

    log.scrollTop = 300;
    log.dispatchEvent(new Event('scroll'));
    render();
    tick(TAIL_POLL_MS);
    flushTail('program', 2, [ERROR], 3);

    expect(log.scrollTop).toBe(300);
    expect((element.querySelector('#console-follow') as HTMLInputElement).checked).toBe(false);
    button('1 new line — jump to newest').click();
    render();
    expect(log.scrollTop).toBe(1000);
    expect((element.querySelector('#console-follow') as HTMLInputElement).checked).toBe(true);
  });

  it('steps to the previous file and reads it whole, and back to live with next', () => {
    start();
    flushFilenames('program', ['2026-11-19_0', '2026-11-20_0', '2026-11-21_0']);
    flushTail('program', 0, [INFO], 1);

    button('Previous file').click();
    render();
    flushFilenames('program', ['2026-11-19_0', '2026-11-20_0', '2026-11-21_0']);
    http
      .expectOne((request) => request.urlWithParams === '/api/logs/file/?filename=program/2026-11-20_0')
      .flush({ filename: 'program/2026-11-20_0', total_lines: 1, lines: [ERROR] });
    render();

    expect(viewport().textContent).toContain('Lost the program lock');
    expect(element.textContent).toContain('Older file');
    tick(TAIL_POLL_MS * 3);
    http.expectNone(tailUrl('program', 1));

    button('Next file').click();
    render();
    vi.advanceTimersByTime(0);
    flushFilenames('program', ['2026-11-19_0', '2026-11-20_0', '2026-11-21_0']);
    flushTail('program', 0, [INFO], 1);
    expect(element.textContent).toContain('Live');
  });

  it('tails the feed chosen in the selector', () => {
    start();
    flushFilenames('program', []);
    flushTail('program', 0, [], 0);

    const select = element.querySelector('#console-feed') as HTMLSelectElement;
    select.value = 'data';
    select.dispatchEvent(new Event('change'));
    render();
    vi.advanceTimersByTime(0);

    flushFilenames('data', ['2026-11-21_0']);
    flushTail('data', 0, ['2026-11-21 09:31:00.000 INFO [collector] Catch-up 50%'], 1);
    expect(viewport().textContent).toContain('Catch-up 50%');
  });

  it('clears the logs only after the confirmation', () => {
    start();
    flushFilenames('program', ['2026-11-21_0']);
    flushTail('program', 0, [INFO], 1);

    button('Clear all logs').click();
    render();
    http.expectNone('/api/logs');
    button('Delete all log files').click();
    render();

    const request = http.expectOne('/api/logs');
    expect(request.request.method).toBe('DELETE');
    request.flush(null, { status: 204, statusText: 'No Content' });
    render();
    vi.advanceTimersByTime(0);
    flushFilenames('program', []);
    http.expectOne(tailUrl('program', 0)).flush({ feed: 'program', filename: null, total_lines: 0, since: 0, lines: [] });
    render();
    expect(element.textContent).toContain('All log files were deleted.');
    expect(viewport().querySelectorAll('.line').length).toBe(0);
  });

  it('shows a refusal from the server in the error box', () => {
    start();
    flushFilenames('program', ['2026-11-21_0']);
    flushTail('program', 0, [INFO], 1);

    button('Clear all logs').click();
    render();
    button('Delete all log files').click();
    http
      .expectOne('/api/logs')
      .flush(
        { error: { code: 'permission_denied', message: 'Only administrators may clear the logs.', details: {} } },
        { status: 403, statusText: 'Forbidden' },
      );
    render();

    expect(element.querySelector('.error-box')?.textContent).toContain('Only administrators may clear the logs.');
  });

  it('shows a viewer the logs with clearing disabled and the reason', () => {
    signInAs('user');
    start();
    flushFilenames('program', ['2026-11-21_0']);
    flushTail('program', 0, [INFO], 1);

    expect(button('Clear all logs').disabled).toBe(true);
    expect(element.querySelector('.staff-only')?.textContent).toContain('Only staff can clear the logs');
  });
});
