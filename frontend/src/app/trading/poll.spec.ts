import { DOCUMENT } from '@angular/common';
import { TestBed } from '@angular/core/testing';

import { TRADING_POLL_MS, whileVisible } from './poll';

describe('whileVisible', () => {
  let state: DocumentVisibilityState;

  beforeEach(() => {
    vi.useFakeTimers();
    state = 'visible';
    vi.spyOn(document, 'visibilityState', 'get').mockImplementation(() => state);
  });

  afterEach(() => {
    vi.restoreAllMocks();
    vi.useRealTimers();
  });

  function show(visible: boolean): void {
    state = visible ? 'visible' : 'hidden';
    TestBed.inject(DOCUMENT).dispatchEvent(new Event('visibilitychange'));
  }

  it('ticks at once and then every period while visible, not at all while hidden', () => {
    const ticks = TestBed.runInInjectionContext(() => whileVisible());
    let count = 0;
    const subscription = ticks.subscribe(() => count++);

    vi.advanceTimersByTime(0);
    expect(count).toBe(1);
    vi.advanceTimersByTime(2 * TRADING_POLL_MS);
    expect(count).toBe(3);

    show(false);
    vi.advanceTimersByTime(10 * TRADING_POLL_MS);
    expect(count).toBe(3);

    show(true);
    vi.advanceTimersByTime(0);
    expect(count).toBe(4); // at once on showing again
    subscription.unsubscribe();
  });

  it('polls within the 2 s the issue asks for', () => {
    expect(TRADING_POLL_MS).toBeLessThanOrEqual(2_000);
  });
});
