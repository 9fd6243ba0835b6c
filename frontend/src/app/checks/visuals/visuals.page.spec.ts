import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { ComponentFixture, TestBed } from '@angular/core/testing';

import { stubCharts } from '../../shared/testing/chart-stub';
import { setUpPageTesting } from '../../shared/testing/dom';
import { VisualView } from './visual-view';
import { VisualList, VisualResult } from './visuals-api';
import { VisualsPage } from './visuals.page';

const LIST: VisualList = {
  visual_types: [
    { visual_type: 'PRICE_GRAPH', key_fields: ['symbol'], description: 'Daily candles and coverage.' },
    { visual_type: 'RUN_HISTORY', key_fields: ['mode'], description: 'Profit per run.' },
  ],
  results: [],
};

const STORED: VisualResult = {
  visual_type: 'PRICE_GRAPH',
  key: 'XYZ',
  visual: {
    visual_type: 'PRICE_GRAPH',
    symbol: 'XYZ',
    candles: [{ time: '2024-03-04', open: 100.0, high: 101.0, low: 100.0, close: 100.0, volume: 390000.0 }],
    coverage: [
      { time: '2024-03-04', value: 100.0, minutes: 390, session_minutes: 390, missing: false },
      { time: '2024-03-06', value: 0.0, minutes: 0, session_minutes: 390, missing: true },
    ],
    missing_days: ['2024-03-06'],
  },
  params: { visual_type: 'PRICE_GRAPH', symbol: 'XYZ', days: 90 },
  last_updated: '2024-03-08T01:02:03Z',
  job_id: null,
};

describe('VisualsPage', () => {
  let fixture: ComponentFixture<VisualsPage>;
  let http: HttpTestingController;

  function stored(): TestRequest {
    return http.expectOne((r) => r.url === '/api/visuals/get');
  }

  async function open(query: Record<string, string>): Promise<void> {
    fixture = TestBed.createComponent(VisualsPage);
    for (const [name, value] of Object.entries(query)) {
      fixture.componentRef.setInput(name, value);
    }
    await fixture.whenStable();
    http.expectOne('/api/visuals/list').flush(LIST);
  }

  function text(): string {
    return (fixture.nativeElement as HTMLElement).textContent ?? '';
  }

  beforeEach(() => {
    stubCharts(VisualView);
    http = setUpPageTesting();
  });

  afterEach(() => http.verify());

  it("shows the URL's stored visual first, with when it was generated", async () => {
    await open({ visual_type: 'PRICE_GRAPH', symbol: 'xyz' });

    const get = stored();
    expect(get.request.params.get('visual_type')).toBe('PRICE_GRAPH');
    expect(get.request.params.get('symbol')).toBe('XYZ');
    get.flush(STORED);
    await fixture.whenStable();

    expect(text()).toContain('Generated at');
    expect(fixture.nativeElement.querySelector('time').getAttribute('datetime')).toBe('2024-03-08T01:02:03Z');
    expect(fixture.nativeElement.querySelector('[role="img"]').getAttribute('aria-label')).toContain('PRICE_GRAPH of XYZ');
    expect(text()).toContain('2024-03-06'); // the missing session
    expect(fixture.nativeElement.querySelector('#visual-symbol').value).toBe('XYZ');
  });

  it('says when the visual was never generated (204)', async () => {
    await open({ visual_type: 'RUN_HISTORY', mode: 'simulated' });

    stored().flush(null, { status: 204, statusText: 'No Content' });
    await fixture.whenStable();

    expect(text()).toContain('No Run history for simulated has been generated yet');
  });

  it('asks for nothing stored until the request names a visual', async () => {
    await open({ visual_type: 'PRICE_GRAPH' });

    http.expectNone('/api/visuals/get');
    expect(text()).toContain('Choose a visual and its parameters');
  });

  it('names bad fields before sending anything', async () => {
    await open({ visual_type: 'PRICE_GRAPH', symbol: 'XYZ', days: '0' });
    stored().flush(STORED);
    await fixture.whenStable();

    fixture.nativeElement.querySelector('button[type="submit"]').click();
    await fixture.whenStable();

    http.expectNone('/api/visuals/generate');
    expect(fixture.nativeElement.querySelector('#visual-days-error').textContent).toContain(
      "must be a whole number from 1 to 1000, was '0'",
    );
    expect(fixture.nativeElement.querySelector('#visual-days').getAttribute('aria-invalid')).toBe('true');
  });

  it("shows a 422's field messages next to their inputs", async () => {
    await open({ visual_type: 'PRICE_GRAPH', symbol: 'XYZ' });
    stored().flush(STORED);
    await fixture.whenStable();

    fixture.nativeElement.querySelector('button[type="submit"]').click();
    const generate = http.expectOne((r) => r.url === '/api/visuals/generate');
    expect(generate.request.method).toBe('POST');
    expect(generate.request.params.get('symbol')).toBe('XYZ');
    generate.flush(
      {
        error: {
          code: 'validation_failed',
          message: 'The visual request is invalid; nothing was generated.',
          details: { fields: { symbol: ['no bars of XYZ on file'] } },
        },
      },
      { status: 422, statusText: 'Unprocessable Entity' },
    );
    await fixture.whenStable();

    expect(fixture.nativeElement.querySelector('#visual-symbol-error').textContent).toContain('no bars of XYZ on file');
    expect(fixture.nativeElement.querySelector('#visual-symbol').getAttribute('aria-describedby')).toContain(
      'visual-symbol-error',
    );
    expect(fixture.nativeElement.querySelector('.error-box').textContent).toContain(
      'The visual request is invalid; nothing was generated.',
    );
  });
});
