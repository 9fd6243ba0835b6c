import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { ApplicationRef } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';

import { Schemas } from '../../core/api';
import { buttonNamed } from '../../shared/testing/dom';
import { signInAs } from '../../shared/testing/roles';
import { SMA_CROSS } from '../testing/run-fixtures';
import { StrategiesPage } from './strategies.page';

const FILE: Schemas['StrategyFile'] = {
  name: 'my_cycle.py',
  size: 120,
  sha256: 'ab'.repeat(32),
  modified: '2026-12-01T15:00:00Z',
  strategies: ['MyCycle'],
  problems: [],
};
const SOURCE = 'class MyCycle(CycleStrategy):\n    pass\n';

describe('StrategiesPage', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideRouter([])],
    });
    http = TestBed.inject(HttpTestingController);
    signInAs('staff');
  });

  afterEach(() => http.verify());

  it('shows each strategy with its window, models and parameters with defaults and bounds', async () => {
    const fixture = TestBed.createComponent(StrategiesPage);
    http.expectOne('/api/strategy/files').flush({ files: [] });
    http.expectOne('/api/strategy/list').flush({
      strategies: [
        SMA_CROSS,
        {
          ...SMA_CROSS,
          id: 'LongShortStrategy',
          fixed_symbols: true,
          required_models: ['LS_FAVOR'],
        },
      ],
    });
    await fixture.whenStable();
    const element: HTMLElement = fixture.nativeElement;

    const cards = element.querySelectorAll('article.strategy');
    expect(cards.length).toBe(2);
    expect(cards[0].querySelector('h2')?.textContent).toBe('SmaCrossStrategy');
    expect(cards[0].textContent).toContain('09:30–16:00');
    expect(cards[0].querySelector('.summary')?.textContent).toBe(
      'Moving-average crossover with limit entries and stop exits.',
    );
    expect(cards[0].querySelector('.docstring')?.textContent).toBe('More rules.');
    const qty = Array.from(
      cards[0].querySelectorAll('table[aria-label="Parameters of SmaCrossStrategy"] tbody tr'),
    ).find((row) => row.textContent?.includes('qty'))!;
    expect(Array.from(qty.children).map((cell) => cell.textContent?.trim())).toEqual([
      'qty',
      'int',
      '100',
      '1',
      '1000000',
      'shares',
    ]);
    expect(cards[1].textContent).toContain('(always these)');
    expect(cards[1].textContent).toContain('LS_FAVOR');
    const simulate = cards[0].querySelector<HTMLAnchorElement>('a[href*="simulations"]')!;
    expect(simulate.getAttribute('href')).toBe('/strategy/simulations?strategy=SmaCrossStrategy');
  });

  it('says so when the list cannot be loaded', async () => {
    const fixture = TestBed.createComponent(StrategiesPage);
    http.expectOne('/api/strategy/files').flush({ files: [] });
    http
      .expectOne('/api/strategy/list')
      .flush(
        { error: { code: 'not_authenticated', message: 'Sign in again.', details: {} } },
        { status: 401, statusText: 'Unauthorized' },
      );
    await fixture.whenStable();

    expect(fixture.nativeElement.querySelector('[role="alert"]')?.textContent).toContain(
      'Sign in again.',
    );
  });

  describe('strategy files', () => {
    async function open(files: Schemas['StrategyFile'][] = [FILE]): Promise<HTMLElement> {
      const fixture = TestBed.createComponent(StrategiesPage);
      http.expectOne('/api/strategy/files').flush({ files });
      http.expectOne('/api/strategy/list').flush({
        strategies: [SMA_CROSS, { ...SMA_CROSS, id: 'MyCycle', origin: 'uploaded', file: 'my_cycle.py' }],
      });
      await fixture.whenStable();
      return fixture.nativeElement as HTMLElement;
    }

    function choose(element: HTMLElement, file: File): void {
      const input = element.querySelector<HTMLInputElement>('#strategy-file')!;
      Object.defineProperty(input, 'files', { value: [file], configurable: true });
      input.dispatchEvent(new Event('change'));
    }

    it('shows a viewer each file with its strategies and source, but no upload or remove, and why', async () => {
      signInAs('user');
      const element = await open();

      const file = element.querySelector('[aria-label="Strategy file my_cycle.py"]')!;
      expect(file.textContent).toContain('MyCycle');
      expect(element.querySelector('#strategy-MyCycle')?.textContent).toContain(
        'from my_cycle.py',
      );
      expect(element.querySelector('#strategy-file')).toBeNull();
      expect([...element.querySelectorAll('button')].some((b) => b.textContent?.includes('Remove'))).toBe(false);
      expect(element.querySelector('.staff-only')?.textContent).toContain('Only staff can add or remove strategy files');

      const details = file.querySelector('details')!;
      details.open = true;
      details.dispatchEvent(new Event('toggle'));
      http.expectOne('/api/strategy/files/my_cycle.py').flush({ ...FILE, source: SOURCE });
      await TestBed.inject(ApplicationRef).whenStable();
      expect(file.querySelector('pre.source')?.textContent).toBe(SOURCE);
    });

    it('uploads a file for staff, then lists it and its strategies', async () => {
      const element = await open([]);
      choose(element, new File(['class MyCycle: ...'], 'my_cycle.py', { type: 'text/x-python' }));

      buttonNamed(element, 'Upload').click();
      const request = http.expectOne('/api/strategy/files');
      expect(request.request.method).toBe('POST');
      expect((request.request.body as FormData).get('file')).toBeInstanceOf(File);
      request.flush(FILE, { status: 201, statusText: 'Created' });
      http.expectOne('/api/strategy/files').flush({ files: [FILE] });
      http.expectOne('/api/strategy/list').flush({ strategies: [SMA_CROSS] });
      await TestBed.inject(ApplicationRef).whenStable();

      expect(element.querySelector('[role="status"]')?.textContent).toContain('Added my_cycle.py: MyCycle.');
      expect(element.querySelector('[aria-label="Strategy file my_cycle.py"]')).not.toBeNull();
    });

    it('checks the file name before sending and shows the server refusal by the field', async () => {
      const element = await open([]);
      choose(element, new File(['x'], 'My Strategy.py'));
      buttonNamed(element, 'Upload').click();
      http.expectNone('/api/strategy/files');
      await TestBed.inject(ApplicationRef).whenStable();
      expect(element.querySelector('#strategy-file-errors')?.textContent).toContain('lower-case letters');

      choose(element, new File(['x'], 'odd.py'));
      buttonNamed(element, 'Upload').click();
      http.expectOne('/api/strategy/files').flush(
        {
          error: {
            code: 'validation_failed',
            message: 'The strategy file was not added; nothing was changed.',
            details: { fields: { file: ['Odd: line 3: make is neither defined in the file nor imported from tc2'] } },
          },
        },
        { status: 422, statusText: 'Unprocessable Entity' },
      );
      await TestBed.inject(ApplicationRef).whenStable();
      expect(element.querySelector('#strategy-file-errors')?.textContent).toContain('Odd: line 3');
      expect(element.querySelector('.error-box')?.textContent).toContain('The strategy file was not added');
    });

    it('removes a file only after the confirmation', async () => {
      const element = await open();

      buttonNamed(element, 'Remove my_cycle.py').click();
      await TestBed.inject(ApplicationRef).whenStable();
      http.expectNone((r) => r.method === 'DELETE');
      buttonNamed(element, 'Remove file').click();
      const request = http.expectOne('/api/strategy/files/my_cycle.py');
      expect(request.request.method).toBe('DELETE');
      request.flush(null, { status: 204, statusText: 'No Content' });
      http.expectOne('/api/strategy/files').flush({ files: [] });
      http.expectOne('/api/strategy/list').flush({ strategies: [SMA_CROSS] });
      await TestBed.inject(ApplicationRef).whenStable();

      expect(element.textContent).toContain('Removed my_cycle.py.');
      expect(element.textContent).toContain('No strategy files yet.');
    });
  });
});
