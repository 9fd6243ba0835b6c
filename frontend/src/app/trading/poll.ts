import { DOCUMENT } from '@angular/common';
import { inject } from '@angular/core';
import {
  EMPTY,
  Observable,
  distinctUntilChanged,
  fromEvent,
  map,
  merge,
  of,
  switchMap,
  timer,
} from 'rxjs';

/** How often the Trading page reads the desk: figures are at most this old (the issue asks ≤ 2 s). */
export const TRADING_POLL_MS = 1_000;

/**
 * Ticks every ``ms`` while the page is visible (the first at once), none while the tab is hidden,
 * and one at once when it shows again: a hidden tab costs the server nothing. Call it in an
 * injection context (a constructor).
 */
export function whileVisible(ms: number = TRADING_POLL_MS): Observable<number> {
  const document = inject(DOCUMENT);
  const visible = () => document.visibilityState !== 'hidden';
  return merge(of(visible()), fromEvent(document, 'visibilitychange').pipe(map(visible))).pipe(
    distinctUntilChanged(),
    switchMap((shown) => (shown ? timer(0, ms) : EMPTY)),
  );
}
